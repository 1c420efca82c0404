package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// A backfill evaluates the families at past dates from a handful of long-range requests, with
// the same client, retries, concurrency bound and pure transformations as the live path:
//
//   - Windowed families at every step: each Saturday E in the range, stamped at 00:00 UTC on
//     the Sunday after it, the first moment the live exporter reports the windows ending on E.
//     A window of N days ending on E is a run of N/7 whole Sunday-dated weekly buckets, so one
//     request per report over the whole range (aggregation=week) gives every step exactly by
//     summing bucket subsets; the transformations then run on the answer cut to each window.
//   - Churn customers and cancellations are distinct counts over the requested range
//     (uniqueTotal) that no sum of buckets gives, so they are asked for per step and window,
//     exactly as the live exporter does, within a budget (BackfillOptions.MaxChurnRequests)
//     spent on the latest steps.
//   - Benchmarks and MRR at their months: each month that ends in the range, stamped at 00:00
//     UTC on the first day of the next month, from one request per endpoint. That is the
//     moment the live exporter reports the whole month's MRR; benchmarks are published months
//     later, at a time the API does not tell, so their history is stamped when their month ends.
//   - Licenses and apps have no history in the API (the license export's status, the app
//     downloads, installs and reviews are as of today), so they are left out.

// TimedSample is a Sample at the time it is for, as a backfill writes it.
type TimedSample struct {
	Sample
	At time.Time
}

// BackfillOptions says which history to load.
type BackfillOptions struct {
	// From and To are the first and last day (inclusive) a window or month may end on. To
	// must be no later than the last complete UTC day by the exporter's clock.
	From, To marketplace.Date
	// MaxChurnRequests bounds the churn requests, one per step and window. The latest steps
	// get churn; earlier ones go without. Zero leaves churn out.
	MaxChurnRequests int
}

// BackfillPlan is what a backfill will fetch and write; PlanBackfill makes it, Backfill runs it.
type BackfillPlan struct {
	// Steps are the window ends: every Saturday in the range. Samples are stamped on the
	// following day at 00:00 UTC (StepTime).
	Steps []marketplace.Date
	// Months are the first days of the months that end in the range. Samples are stamped at
	// the start of the next month (MonthTime).
	Months []marketplace.Date
	// ChurnSteps are the steps that get churn customers and cancellations, the latest ones.
	ChurnSteps []marketplace.Date
	// Fetches is how many API fetches the backfill makes (the partner-metrics fetch pages
	// through its months and counts once).
	Fetches int
	// Collectors are the enabled collectors that have history; Skipped the enabled ones
	// whose data the API has no history for.
	Collectors, Skipped []string

	opts  BackfillOptions
	tasks []historyTask
}

// Last returns the time of the latest sample the plan can write: everything it writes is
// stamped at or before it, so live scraping from then on never meets a backfilled sample.
func (p *BackfillPlan) Last() time.Time {
	var last time.Time
	if len(p.Steps) > 0 {
		last = StepTime(p.Steps[len(p.Steps)-1])
	}
	if len(p.Months) > 0 {
		last = maxTime(last, MonthTime(p.Months[len(p.Months)-1]))
	}
	return last
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// StepTime is when the live exporter starts reporting the windows that end on end: 00:00 UTC
// the next day, when end has become the last complete day.
func StepTime(end marketplace.Date) time.Time { return end.AddDays(1).Time() }

// MonthTime is when the month starting on month is over: 00:00 UTC on the first of the next.
func MonthTime(month marketplace.Date) time.Time {
	return marketplace.NewDate(month.Year, month.Month+1, 1).Time()
}

// historian is a source whose history the API can give from a few long-range requests.
type historian interface {
	history(p *BackfillPlan) []historyTask
}

// historyTask fetches the history of some families. run calls done after each API fetch and
// returns how to build the samples; building is left until the samples are written, so that
// only one task's samples are in memory at a time.
type historyTask struct {
	what     string
	families []*Family
	fetches  int
	run      func(ctx context.Context, done func()) (build func() []TimedSample, err error)
}

// PlanBackfill checks opts and works out the steps, months and fetches of a backfill of the
// enabled collectors. It makes no API call.
func (e *Exporter) PlanBackfill(opts BackfillOptions) (*BackfillPlan, error) {
	if opts.From.IsZero() || opts.To.IsZero() {
		return nil, errors.New("backfill: both ends of the range are needed")
	}
	if opts.To.Before(opts.From) {
		return nil, fmt.Errorf("backfill: the range ends (%s) before it starts (%s)", opts.To, opts.From)
	}
	if last := lastCompleteDay(e.clock.Now()); opts.To.After(last) {
		return nil, fmt.Errorf("backfill: the range ends on %s, after the last complete UTC day %s: windows ending later are still filling in and are the live exporter's", opts.To, last)
	}
	if opts.MaxChurnRequests < 0 {
		return nil, fmt.Errorf("backfill: the churn fetch budget must not be negative, got %d", opts.MaxChurnRequests)
	}
	p := &BackfillPlan{opts: opts}
	for d := opts.From.AddDays((int(time.Saturday-opts.From.Time().Weekday()) + 7) % 7); !d.After(opts.To); d = d.AddDays(7) {
		p.Steps = append(p.Steps, d)
	}
	for m := marketplace.NewDate(opts.From.Year, opts.From.Month, 1); !monthEnd(m).After(opts.To); m = marketplace.NewDate(m.Year, m.Month+1, 1) {
		p.Months = append(p.Months, m)
	}
	if len(p.Steps) == 0 && len(p.Months) == 0 {
		return nil, fmt.Errorf("backfill: %s to %s holds no Saturday (the end of a weekly step) and no month end: nothing to backfill", opts.From, opts.To)
	}
	for _, poller := range e.pollers {
		h, ok := poller.src.(historian)
		if !ok {
			p.Skipped = append(p.Skipped, poller.name)
			continue
		}
		p.Collectors = append(p.Collectors, poller.name)
		p.tasks = append(p.tasks, h.history(p)...)
	}
	if len(p.Collectors) == 0 {
		return nil, fmt.Errorf("backfill: none of the enabled collectors (%s) has history in the API", strings.Join(p.Skipped, ", "))
	}
	for _, t := range p.tasks {
		p.Fetches += t.fetches
	}
	return p, nil
}

// Families returns every family the plan can write samples of, sorted by name.
func (p *BackfillPlan) Families() []*Family {
	var fs []*Family
	for _, t := range p.tasks {
		fs = append(fs, t.families...)
	}
	slices.SortFunc(fs, func(a, b *Family) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(fs, func(a, b *Family) bool { return a == b })
}

// monthEnd is the last day of the month that starts on m.
func monthEnd(m marketplace.Date) marketplace.Date {
	return marketplace.DateOf(MonthTime(m)).AddDays(-1)
}

// Backfill runs the fetches of plan concurrently (bounded like every request of the exporter)
// and, once all have succeeded, hands the samples to emit a few families at a time, sorted by
// family, labels and time, in the same order for the same plan. progress, when not nil, is
// called after each fetch with how many are done out of plan.Fetches. The first failure
// cancels the rest: a backfill writes everything or nothing.
func (e *Exporter) Backfill(ctx context.Context, plan *BackfillPlan, progress func(done, total int), emit func(families []*Family, samples []TimedSample) error) error {
	var (
		mu   sync.Mutex
		done int
	)
	tick := func() {
		mu.Lock()
		defer mu.Unlock()
		done++
		if progress != nil {
			progress(done, plan.Fetches)
		}
	}
	builds := make([]func() []TimedSample, len(plan.tasks))
	g, gctx := errgroup.WithContext(ctx)
	for i, t := range plan.tasks {
		g.Go(func() error {
			b, err := t.run(gctx, tick)
			builds[i] = b
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, t := range plan.tasks {
		ss := builds[i]()
		builds[i] = nil
		slices.SortFunc(ss, compareTimed)
		fs := slices.Clone(t.families)
		slices.SortFunc(fs, func(a, b *Family) int { return strings.Compare(a.Name, b.Name) })
		if err := emit(fs, ss); err != nil {
			return err
		}
	}
	return nil
}

func compareTimed(a, b TimedSample) int {
	return cmp.Or(
		strings.Compare(a.Family.Name, b.Family.Name),
		slices.Compare(a.LabelValues, b.LabelValues),
		a.At.Compare(b.At),
	)
}

// stamp gives samples the time at.
func stamp(ss []Sample, at time.Time) []TimedSample {
	out := make([]TimedSample, len(ss))
	for i, s := range ss {
		out[i] = TimedSample{s, at}
	}
	return out
}

func (c *windowedCollector) history(p *BackfillPlan) []historyTask {
	if len(p.Steps) == 0 || len(c.windows) == 0 {
		return nil
	}
	longest := slices.MaxFunc(c.windows, func(a, b Window) int { return a.Days - b.Days })
	first, last := p.Steps[0], p.Steps[len(p.Steps)-1]
	start := first.AddDays(-(longest.Days - 1))
	var tasks []historyTask
	for _, q := range c.queries {
		if q.distinct {
			tasks = append(tasks, c.distinctHistory(q, p)...)
			continue
		}
		tasks = append(tasks, historyTask{what: q.what, families: q.families, fetches: 1,
			run: func(ctx context.Context, done func()) (func() []TimedSample, error) {
				r, err := q.fetch(ctx, &marketplace.AggregateOptions{Aggregation: marketplace.AggregationWeek, StartDate: start, EndDate: last})
				if err != nil {
					return nil, fmt.Errorf("%s, %s to %s: %w", q.what, start, last, err)
				}
				done()
				if err := alignWeeks(r, start, last); err != nil {
					return nil, fmt.Errorf("%s: %w", q.what, err)
				}
				return func() []TimedSample {
					var out []TimedSample
					for _, end := range p.Steps {
						for _, w := range c.windows {
							out = append(out, stamp(r.within(w.Range(end)).samples(w), StepTime(end))...)
						}
					}
					return out
				}, nil
			}})
	}
	return tasks
}

// distinctHistory asks for a report that cannot be cut once per step and window, as the live
// exporter does, for the latest steps the churn budget allows.
func (c *windowedCollector) distinctHistory(q windowedQuery, p *BackfillPlan) []historyTask {
	n := min(len(p.Steps), p.opts.MaxChurnRequests/len(c.windows))
	steps := p.Steps[len(p.Steps)-n:]
	p.ChurnSteps = steps
	if n == 0 {
		return nil
	}
	return []historyTask{{what: q.what, families: q.families, fetches: n * len(c.windows),
		run: func(ctx context.Context, done func()) (func() []TimedSample, error) {
			nw := len(c.windows)
			ss, err := fanOut(ctx, len(steps)*nw, func(ctx context.Context, i int) ([]TimedSample, error) {
				end, w := steps[i/nw], c.windows[i%nw]
				r, err := q.fetch(ctx, w.aggregateOptions(end))
				if err != nil {
					return nil, fmt.Errorf("%s, window %s ending %s: %w", q.what, w, end, err)
				}
				done()
				return stamp(r.samples(w), StepTime(end)), nil
			})
			return func() []TimedSample { return ss }, err
		}}}
}

// inMonth keeps the items dated in the month starting on m.
func inMonth[T any](items []T, date func(T) marketplace.Date, m marketplace.Date) []T {
	var out []T
	for _, it := range items {
		if d := date(it); d.Year == m.Year && d.Month == m.Month {
			out = append(out, it)
		}
	}
	return out
}

// appsInMonth copies a benchmark's apps with only their months of the month starting on m.
func appsInMonth[A, M any](apps []A, months func(*A) *[]M, date func(M) marketplace.Date, m marketplace.Date) []A {
	out := slices.Clone(apps)
	for i := range out {
		ms := months(&out[i])
		*ms = inMonth(*ms, date, m)
	}
	return out
}

// monthlyHistory is the shared shape of the monthly histories: fetch once for all the plan's months,
// then build each month's samples from the answer cut to that month.
func monthlyHistory(what string, families []*Family, fetches int, p *BackfillPlan,
	fetch func(ctx context.Context, first, last marketplace.Date, done func()) (func(month marketplace.Date) []Sample, error)) []historyTask {
	if len(p.Months) == 0 {
		return nil
	}
	first, last := p.Months[0], monthEnd(p.Months[len(p.Months)-1])
	return []historyTask{{what: what, families: families, fetches: fetches,
		run: func(ctx context.Context, done func()) (func() []TimedSample, error) {
			forMonth, err := fetch(ctx, first, last, done)
			if err != nil {
				return nil, err
			}
			return func() []TimedSample {
				var out []TimedSample
				for _, m := range p.Months {
					out = append(out, stamp(forMonth(m), MonthTime(m))...)
				}
				return out
			}, nil
		}}}
}

func (c *mrrCollector) history(p *BackfillPlan) []historyTask {
	return monthlyHistory("mrr", c.families(), 1, p, func(ctx context.Context, first, last marketplace.Date, done func()) (func(marketplace.Date) []Sample, error) {
		recs, _, err := c.api.Query(ctx, mrrRequest(first, last))
		if err != nil {
			return nil, fmt.Errorf("partner metrics RECURRING_REVENUE, %s to %s: %w", first, last, err)
		}
		done()
		for _, r := range recs {
			if r.Date.Day != 1 {
				return nil, fmt.Errorf("partner metrics RECURRING_REVENUE: the API sent a monthly record dated %s, not on the first of a month", r.Date)
			}
		}
		return func(m marketplace.Date) []Sample {
			return mrrSamples(inMonth(recs, func(r marketplace.PartnerMetricsRecord) marketplace.Date { return r.Date }, m), c.addons)
		}, nil
	})
}

func (c *benchmarksCollector) history(p *BackfillPlan) []historyTask {
	return monthlyHistory("benchmarks", c.families(), 3, p, func(ctx context.Context, first, last marketplace.Date, done func()) (func(marketplace.Date) []Sample, error) {
		var (
			churn []marketplace.ChurnBenchmark
			evals *marketplace.EvaluationBenchmark
			sales *marketplace.SalesBenchmark
		)
		opts := &marketplace.BenchmarkOptions{Addons: c.addons.list(), StartDate: first, EndDate: last}
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() (err error) {
			if churn, _, err = c.api.Churn(gctx, opts); err != nil {
				return fmt.Errorf("churn benchmark: %w", err)
			}
			done()
			return nil
		})
		g.Go(func() (err error) {
			if evals, _, err = c.api.Evaluations(gctx, opts); err != nil {
				return fmt.Errorf("evaluation benchmark: %w", err)
			}
			done()
			return nil
		})
		g.Go(func() (err error) {
			if sales, _, err = c.api.Sales(gctx, opts); err != nil {
				return fmt.Errorf("sales benchmark: %w", err)
			}
			done()
			return nil
		})
		if err := g.Wait(); err != nil {
			return nil, err
		}
		return func(m marketplace.Date) []Sample {
			var (
				evalsMonth *marketplace.EvaluationBenchmark
				salesMonth *marketplace.SalesBenchmark
			)
			if evals != nil {
				evalsMonth = &marketplace.EvaluationBenchmark{Addons: appsInMonth(evals.Addons,
					func(a *marketplace.EvaluationBenchmarkApp) *[]marketplace.EvaluationBenchmarkMonth { return &a.Months },
					func(x marketplace.EvaluationBenchmarkMonth) marketplace.Date { return x.Date }, m)}
			}
			if sales != nil {
				salesMonth = &marketplace.SalesBenchmark{Addons: appsInMonth(sales.Addons,
					func(a *marketplace.SalesBenchmarkApp) *[]marketplace.SalesBenchmarkMonth { return &a.Months },
					func(x marketplace.SalesBenchmarkMonth) marketplace.Date { return x.Date }, m)}
			}
			churnMonth := appsInMonth(churn,
				func(a *marketplace.ChurnBenchmark) *[]marketplace.ChurnBenchmarkMonth { return &a.Months },
				func(x marketplace.ChurnBenchmarkMonth) marketplace.Date { return x.Month }, m)
			return slices.Concat(
				churnBenchmarkSamples(churnMonth, c.addons),
				evaluationBenchmarkSamples(evalsMonth, c.addons),
				salesBenchmarkSamples(salesMonth, c.addons))
		}, nil
	})
}
