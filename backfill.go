package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/marketplace-exporter/marketplace_exporter/collector"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// defaultMaxChurnRequests is five years of weekly steps with the two default windows: churn
// is asked for once per step and window, because its distinct counts cannot be cut out of
// one long answer.
const defaultMaxChurnRequests = 520

// backfillFlags are the flags of the backfill command, as given.
type backfillFlags struct {
	cmd              *kingpin.CmdClause
	from, to, output string
	labels           []string
	maxChurnRequests string // parsed here: kingpin's number errors do not name the flag
}

// backfillConfig is the validated backfill command line.
type backfillConfig struct {
	from, to         marketplace.Date
	output           string
	labels           []*dto.LabelPair // sorted by name
	maxChurnRequests int
}

func addBackfillCommand(app *kingpin.Application) *backfillFlags {
	f := &backfillFlags{}
	f.cmd = app.Command("backfill", "Write the Marketplace history as OpenMetrics text with timestamps, for promtool tsdb create-blocks-from openmetrics: the windowed families at every weekly step, benchmarks and MRR by month. Uses the same connection flags as the exporter.")
	f.cmd.Flag("from", "First day (YYYY-MM-DD, UTC) a window or month may end on.").
		Required().StringVar(&f.from)
	f.cmd.Flag("to", "Last day (YYYY-MM-DD, UTC) a window or month may end on; at most yesterday. Default: yesterday.").
		StringVar(&f.to)
	f.cmd.Flag("output", "File to write; it is replaced at once when the backfill has succeeded, and left alone when it fails.").
		Required().StringVar(&f.output)
	f.cmd.Flag("label", "Label to add to every series, as name=value (repeatable): the target labels your scrape adds (job, instance), so that the history continues the live series.").
		StringsVar(&f.labels)
	f.cmd.Flag("churn.max-requests", "Most churn requests (one per weekly step and window); the latest steps get churn, earlier ones go without. 0 leaves churn out.").
		Default(strconv.Itoa(defaultMaxChurnRequests)).StringVar(&f.maxChurnRequests)
	return f
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// config validates the flags; now decides what yesterday is.
func (f *backfillFlags) config(now time.Time) (*backfillConfig, error) {
	yesterday := marketplace.DateOf(now).AddDays(-1)
	c := &backfillConfig{output: f.output, to: yesterday}
	var err error
	if c.maxChurnRequests, err = strconv.Atoi(f.maxChurnRequests); err != nil || c.maxChurnRequests < 0 {
		return nil, usagef("--churn.max-requests must be a number, 0 or more, got %q", f.maxChurnRequests)
	}
	if c.from, err = parseDay("--from", f.from); err != nil {
		return nil, err
	}
	if f.to != "" {
		if c.to, err = parseDay("--to", f.to); err != nil {
			return nil, err
		}
		if c.to.After(yesterday) {
			return nil, usagef("--to must be yesterday (%s) or earlier: windows ending today or later are still filling in and are the live exporter's, got %s", yesterday, c.to)
		}
	}
	if c.to.Before(c.from) {
		return nil, usagef("--from (%s) is after --to (%s)", c.from, c.to)
	}
	if strings.TrimSpace(f.output) == "" {
		return nil, usagef("--output must name a file, got an empty value")
	}
	if fi, err := os.Stat(filepath.Dir(f.output)); err != nil || !fi.IsDir() {
		return nil, usagef("--output: the directory of %s does not exist", f.output)
	}
	if fi, err := os.Stat(f.output); err == nil && fi.IsDir() {
		return nil, usagef("--output: %s is a directory, not a file", f.output)
	}
	seen := map[string]bool{}
	for _, l := range f.labels {
		name, value, ok := strings.Cut(l, "=")
		switch {
		case !ok || !labelNameRE.MatchString(name) || strings.HasPrefix(name, "__"):
			return nil, usagef("--label must be name=value with a label name such as job, got %q", l)
		case value == "" || !utf8.ValidString(value):
			return nil, usagef("--label %s needs a non-empty UTF-8 value, got %q", name, value)
		case seen[name]:
			return nil, usagef("--label %s given twice", name)
		}
		seen[name] = true
		c.labels = append(c.labels, &dto.LabelPair{Name: &name, Value: &value})
	}
	slices.SortFunc(c.labels, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
	return c, nil
}

func parseDay(flag, s string) (marketplace.Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return marketplace.Date{}, usagef("%s must be a date such as 2024-01-31, got %q", flag, s)
	}
	return marketplace.DateOf(t), nil
}

// runBackfill fetches the history with the exporter's client and collectors and writes it to
// the output file. Exit status 2 for a range or labels it refuses, 1 when fetching fails.
func runBackfill(ctx context.Context, cfg *config, logger log.Logger, stderr io.Writer) int {
	bf := cfg.backfill
	clientOpts, closeDemo, err := clientOptions(cfg, logger)
	if err != nil {
		level.Error(logger).Log("msg", "cannot start the demo simulator", "err", err)
		return exitFailed
	}
	defer closeDemo()
	// The request metrics have nobody to scrape them here.
	exp, err := collector.New(collectorConfig(cfg, clientOpts, logger, prometheus.NewRegistry()))
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", program, err)
		return exitUsage
	}
	plan, err := exp.PlanBackfill(collector.BackfillOptions{From: bf.from, To: bf.to, MaxChurnRequests: bf.maxChurnRequests})
	if err != nil {
		fmt.Fprintf(stderr, "%s: --from/--to: %v\n", program, err)
		return exitUsage
	}
	for _, f := range plan.Families() {
		for _, l := range bf.labels {
			if slices.Contains(f.Labels, l.GetName()) {
				fmt.Fprintf(stderr, "%s: --label %s: %s has a label of that name already\n", program, l.GetName(), f.Name)
				return exitUsage
			}
		}
	}
	logPlan(logger, plan, bf)

	started := time.Now()
	bar := newProgressBar(stderr)
	var om *openMetricsWriter
	err = writeAtomically(bf.output, func(w io.Writer) error {
		om = &openMetricsWriter{w: w, labels: bf.labels}
		if err := exp.Backfill(ctx, plan, bar.update, om.write); err != nil {
			return err
		}
		_, err := expfmt.FinalizeOpenMetrics(w)
		return err
	})
	bar.finish()
	if err != nil {
		level.Error(logger).Log("msg", "backfill failed: nothing was written; run the same command again", "output", bf.output, "err", err)
		return exitFailed
	}
	level.Info(logger).Log("msg", "backfill written", "output", bf.output, "series", om.series, "samples", om.samples,
		"last_sample", plan.Last().Format(time.RFC3339), "duration", time.Since(started).Round(time.Millisecond))
	return exitOK
}

func logPlan(logger log.Logger, plan *collector.BackfillPlan, bf *backfillConfig) {
	kv := []any{"msg", "backfill plan", "from", bf.from, "to", bf.to, "weekly_steps", len(plan.Steps), "months", len(plan.Months),
		"requests", plan.Fetches, "collectors", strings.Join(plan.Collectors, ","), "last_sample", plan.Last().Format(time.RFC3339)}
	if len(plan.Steps) > 0 {
		kv = append(kv, "first_step", plan.Steps[0], "last_step", plan.Steps[len(plan.Steps)-1])
	}
	level.Info(logger).Log(kv...)
	if len(plan.Skipped) > 0 {
		level.Info(logger).Log("msg", "left out of the backfill: the API has no history for them", "collectors", strings.Join(plan.Skipped, ","))
	}
	if slices.Contains(plan.Collectors, "cloud") && len(plan.Steps) > len(plan.ChurnSteps) {
		msg := "churn customers and cancellations left out of the backfill: raise --churn.max-requests to include them"
		kv := []any{"steps_without_churn", len(plan.Steps) - len(plan.ChurnSteps)}
		if len(plan.ChurnSteps) > 0 {
			msg = "churn customers and cancellations only for the latest steps: raise --churn.max-requests for more"
			kv = append(kv, "churn_from", plan.ChurnSteps[0])
		}
		level.Warn(logger).Log(append([]any{"msg", msg}, kv...)...)
	}
}

// openMetricsWriter writes batches of timestamped samples as OpenMetrics text. Each batch
// comes sorted by family, labels and time with its families sorted by name, so every family
// is written once, contiguously, as OpenMetrics requires.
type openMetricsWriter struct {
	w               io.Writer
	labels          []*dto.LabelPair // added to every series
	series, samples int
}

func (o *openMetricsWriter) write(families []*collector.Family, ss []collector.TimedSample) error {
	i := 0
	for _, f := range families {
		var typ dto.MetricType
		switch f.Type {
		case prometheus.GaugeValue:
			typ = dto.MetricType_GAUGE
		case prometheus.CounterValue:
			typ = dto.MetricType_COUNTER
		default:
			return fmt.Errorf("family %s: type %v cannot be backfilled", f.Name, f.Type)
		}
		mf := &dto.MetricFamily{Name: &f.Name, Help: &f.Help, Type: &typ}
		var prev []string
		for ; i < len(ss) && ss[i].Family == f; i++ {
			s := ss[i]
			if len(mf.Metric) == 0 || !slices.Equal(prev, s.LabelValues) {
				o.series++
				prev = s.LabelValues
			}
			m := &dto.Metric{Label: o.labelPairs(f, s.LabelValues), TimestampMs: new(s.At.UnixMilli())}
			if typ == dto.MetricType_GAUGE {
				m.Gauge = &dto.Gauge{Value: new(s.Value)}
			} else {
				m.Counter = &dto.Counter{Value: new(s.Value)}
			}
			mf.Metric = append(mf.Metric, m)
		}
		if len(mf.Metric) == 0 {
			continue
		}
		o.samples += len(mf.Metric)
		if _, err := expfmt.MetricFamilyToOpenMetrics(o.w, mf); err != nil {
			return err
		}
	}
	if i != len(ss) {
		return errors.New("backfill: samples out of family order (a bug)")
	}
	return nil
}

func (o *openMetricsWriter) labelPairs(f *collector.Family, values []string) []*dto.LabelPair {
	pairs := make([]*dto.LabelPair, 0, len(values)+len(o.labels))
	for j, v := range values {
		pairs = append(pairs, &dto.LabelPair{Name: &f.Labels[j], Value: &v})
	}
	return append(pairs, o.labels...)
}

// writeAtomically writes path through a temporary file in its directory and renames it into
// place only when write succeeded, so that an interrupted or failed run leaves the previous
// file (or none) rather than half a file that promtool would import. The file is readable by
// its owner only: it holds the vendor's sales figures.
func writeAtomically(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	buf := bufio.NewWriterSize(tmp, 1<<20)
	if err = write(buf); err != nil {
		return err
	}
	if err = buf.Flush(); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// progressBar draws the fetches done on a terminal; it draws nothing when stderr is a file
// or a pipe, so logs stay clean. A nil *progressBar is valid and quiet.
type progressBar struct {
	w           io.Writer
	start, last time.Time
	drawn       bool
}

const (
	progressWidth = 30
	// progressEvery spares the terminal a redraw for each of hundreds of quick requests.
	progressEvery = 100 * time.Millisecond
)

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progressBar{w: w, start: time.Now()}
}

// update is called by the backfill after every fetch, one call at a time.
func (p *progressBar) update(done, total int) {
	if p == nil || total <= 0 || (done < total && time.Since(p.last) < progressEvery) {
		return
	}
	p.last = time.Now()
	filled := progressWidth * done / total
	fmt.Fprintf(p.w, "\rbackfill [%s%s] %d/%d requests %s ", strings.Repeat("=", filled), strings.Repeat(" ", progressWidth-filled),
		done, total, time.Since(p.start).Round(time.Second))
	p.drawn = true
}

// finish ends the bar's line so that what is logged next starts on its own.
func (p *progressBar) finish() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}
