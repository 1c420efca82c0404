package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// backfillNow is the simulator's clock in the backfill tests: a Wednesday, so the last
// complete day (Tuesday 10 March) is not a step and the last step is Saturday 7 March.
var backfillNow = time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)

// startBackfillSimulator runs the simulator on backfillNow and sets the token the backfill
// command reads from the environment.
func startBackfillSimulator(t *testing.T) *marketplacetest.Server {
	t.Helper()
	srv, err := marketplacetest.NewServer(marketplacetest.Options{Clock: marketplacetest.NewManualClock(backfillNow)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Setenv(tokenEnv, marketplacetest.DefaultToken)
	t.Setenv("MARKETPLACE_USER", marketplacetest.DefaultUser)
	return srv
}

// runBackfillCommand runs the backfill command against srv and returns its exit code and stderr.
func runBackfillCommand(t *testing.T, srv *marketplacetest.Server, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"backfill", "--marketplace.url=" + srv.URL, "--marketplace.vendor-id=12345"}, args...), &stdout, &stderr)
	return code, stderr.String()
}

func TestBackfillFlagValidation(t *testing.T) {
	srv := startBackfillSimulator(t)
	dir := t.TempDir()
	out := "--output=" + filepath.Join(dir, "history.om")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no from", []string{out}, []string{"--from"}},
		{"no output", []string{"--from=2026-01-01"}, []string{"--output"}},
		{"bad from", []string{"--from=01/02/2026", out}, []string{"--from", "2024-01-31", `"01/02/2026"`}},
		{"bad to", []string{"--from=2026-01-01", "--to=yesterday", out}, []string{"--to", `"yesterday"`}},
		{"reversed", []string{"--from=2026-03-01", "--to=2026-02-01", out}, []string{"--from (2026-03-01) is after --to (2026-02-01)"}},
		{"to in the future", []string{"--from=2026-01-01", "--to=" + tomorrow, out}, []string{"--to must be yesterday", "live exporter"}},
		{"no step in range", []string{"--from=2026-03-02", "--to=2026-03-06", out}, []string{"--from/--to", "nothing to backfill"}},
		{"output dir missing", []string{"--from=2026-01-01", "--output=" + filepath.Join(dir, "nope", "h.om")}, []string{"--output", "does not exist"}},
		{"output a directory", []string{"--from=2026-01-01", "--output=" + dir}, []string{"--output", "is a directory"}},
		{"label without value", []string{"--from=2026-01-01", out, "--label=job"}, []string{"--label", `"job"`}},
		{"label bad name", []string{"--from=2026-01-01", out, "--label=1job=x"}, []string{"--label"}},
		{"label reserved", []string{"--from=2026-01-01", out, "--label=__name__=x"}, []string{"--label"}},
		{"label twice", []string{"--from=2026-01-01", out, "--label=job=a", "--label=job=b"}, []string{"--label job given twice"}},
		{"label clash", []string{"--from=2026-01-01", "--to=2026-03-07", out, "--label=addon_key=x"}, []string{"--label addon_key", "already"}},
		{"churn budget", []string{"--from=2026-01-01", out, "--churn.max-requests=-1"}, []string{"--churn.max-requests"}},
		{"churn budget not a number", []string{"--from=2026-01-01", out, "--churn.max-requests=lots"}, []string{"--churn.max-requests", `"lots"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runBackfillCommand(t, srv, tc.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("message does not mention %q:\n%s", w, stderr)
				}
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused runs left files behind: %v", entries)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"backfill", "--help"}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "--churn.max-requests") {
		t.Errorf("backfill --help: exit %d, output:\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestBackfillFailureLeavesOutputAlone: a backfill that cannot fetch everything writes nothing,
// leaving an earlier output as it was and no temporary file, and a re-run of the same command
// then writes the same file as an uninterrupted run.
func TestBackfillFailureLeavesOutputAlone(t *testing.T) {
	srv := startBackfillSimulator(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "history.om")
	if err := os.WriteFile(out, []byte("earlier\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--from=2026-01-01", "--to=2026-03-07", "--output=" + out}
	srv.InjectFault("sales_tier", marketplacetest.Fault{Status: http.StatusBadRequest})
	code, stderr := runBackfillCommand(t, srv, args...)
	if code != exitFailed || !strings.Contains(stderr, "nothing was written") {
		t.Fatalf("exit %d, want %d with a message saying nothing was written:\n%s", code, exitFailed, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "earlier\n" {
		t.Errorf("the failed run changed the output to %.40q...", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}

	srv.ClearFaults()
	if code, stderr := runBackfillCommand(t, srv, args...); code != exitOK {
		t.Fatalf("re-run: exit %d:\n%s", code, stderr)
	}
	first, _ := os.ReadFile(out)
	if code, stderr := runBackfillCommand(t, srv, args...); code != exitOK {
		t.Fatalf("second run: exit %d:\n%s", code, stderr)
	}
	second, _ := os.ReadFile(out)
	if !bytes.Equal(first, second) || !bytes.HasSuffix(first, []byte("\n# EOF\n")) {
		t.Errorf("two runs with the same inputs wrote different files (%d and %d bytes), or no # EOF at the end", len(first), len(second))
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("output mode %v (%v), want 0600: it holds sales figures", fi.Mode().Perm(), err)
	}
}

// TestBackfillIntoPrometheus is the whole path a vendor takes: two overlapping backfills from
// the simulator (as when a backfill is re-run over a longer range), both imported with
// promtool into one data directory, a real Prometheus on it, and PromQL at past times that
// must give the simulator's ground truth, once per step.
func TestBackfillIntoPrometheus(t *testing.T) {
	promtool := prometheusTool(t, "PROMTOOL", "promtool", "to import the backfill")
	prometheus := prometheusTool(t, "PROMETHEUS", "prometheus", "to query the imported backfill")
	srv := startBackfillSimulator(t)
	data := srv.Data()
	dir := t.TempDir()
	tsdb := filepath.Join(dir, "data")
	ranges := [][2]string{{"2025-12-01", "2026-02-14"}, {"2026-01-15", "2026-03-07"}}
	for i, r := range ranges {
		out := filepath.Join(dir, fmt.Sprintf("history-%d.om", i))
		code, stderr := runBackfillCommand(t, srv, "--from="+r[0], "--to="+r[1], "--output="+out, "--label=job=marketplace")
		if code != exitOK {
			t.Fatalf("backfill %v: exit %d:\n%s", r, code, stderr)
		}
		cmd := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=1500h", out, tsdb)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, b)
		}
	}
	// No scrapes; a retention long enough that Prometheus keeps every backfilled block.
	prom := servePrometheus(t, prometheus, "global:\n  scrape_interval: 1m\n", tsdb, "--storage.tsdb.retention.time=100y")
	query := func(q string, at time.Time) []promSample {
		t.Helper()
		v, _, err := prom.api.query(context.Background(), q, at)
		if err != nil {
			t.Fatal(err)
		}
		vec, ok := v.(model.Vector)
		if !ok {
			t.Fatalf("%s: got a %s, want a vector", q, v.Type())
		}
		out := make([]promSample, len(vec))
		for i, s := range vec {
			out[i] = promSample{labels: map[string]string{}, value: float64(s.Value)}
			for k, v := range s.Metric {
				out[i].labels[string(k)] = string(v)
			}
		}
		return out
	}

	// The union of the two runs' steps: every Saturday from 6 December to 7 March.
	var steps []time.Time
	for e := time.Date(2025, 12, 6, 0, 0, 0, 0, time.UTC); !e.After(time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)); e = e.AddDate(0, 0, 7) {
		steps = append(steps, e)
	}
	apps := len(data.Apps)

	// Each step once, even where the imports overlap: min and max over every series.
	span := fmt.Sprintf("%ds", int(steps[len(steps)-1].Sub(steps[0])/time.Second)+1)
	at := steps[len(steps)-1].AddDate(0, 0, 1)
	for _, agg := range []string{"min", "max"} {
		q := agg + `(count_over_time(atlassian_marketplace_evaluations{job="marketplace"}[` + span + `]))`
		if v := query(q, at); len(v) != 1 || v[0].value != float64(len(steps)) {
			t.Errorf("%s = %v, want %d samples per series (one per step)", q, v, len(steps))
		}
	}

	// Windowed families at steps of the first run, of the overlap, and of the second run.
	var compared int
	for _, end := range []time.Time{steps[0], steps[7], steps[len(steps)-1]} {
		at := end.AddDate(0, 0, 1)
		got := query(`{__name__=~"atlassian_marketplace_.+",window!=""}`, at)
		if len(got) < 100 {
			t.Fatalf("at %s: only %d windowed series", at, len(got))
		}
		for _, s := range got {
			if s.labels["job"] != "marketplace" {
				t.Errorf("%v lacks the label job=marketplace given with --label", s.labels)
			}
			w := map[string]int{"7d": 7, "28d": 28}[s.labels["window"]]
			from, to := end.AddDate(0, 0, 1-w), end
			want, ok := windowedTruth(data, s.labels, from, to)
			if !ok {
				continue
			}
			if math.Abs(want-s.value) > 1e-6 {
				t.Errorf("at %s: %v = %v, ground truth %v", at.Format(time.DateOnly), s.labels, s.value, want)
			}
			if want != 0 {
				compared++
			}
		}
		// Stamped exactly at the step: a minute earlier the previous sample is a week old.
		if before := query(`{__name__=~"atlassian_marketplace_.+",window!=""}`, at.Add(-time.Minute)); len(before) != 0 {
			t.Errorf("a minute before %s: %d windowed series, want none", at, len(before))
		}
	}
	if compared < 200 {
		t.Errorf("only %d non-zero windowed values compared with the ground truth", compared)
	}

	// MRR and benchmarks of January (in both runs) and December, at the end of their month.
	for _, month := range []time.Time{time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} {
		at, last := month.AddDate(0, 1, 0), month.AddDate(0, 1, -1)
		checked := 0
		for _, s := range query(`{__name__=~"atlassian_marketplace_(mrr_usd|arr_usd|mrr_month_timestamp_seconds|benchmark_evaluations|benchmark_month_timestamp_seconds|cloud_churn_benchmark_licenses)"}`, at) {
			key := s.labels["addon_key"]
			var want float64
			switch s.labels["__name__"] {
			case "atlassian_marketplace_mrr_usd":
				if s.labels["movement"] != "closing" {
					continue
				}
				want = data.MRRAt(key, last)
			case "atlassian_marketplace_arr_usd":
				want = 12 * data.MRRAt(key, last)
			case "atlassian_marketplace_mrr_month_timestamp_seconds", "atlassian_marketplace_benchmark_month_timestamp_seconds":
				want = float64(month.Unix())
			case "atlassian_marketplace_benchmark_evaluations":
				want = -1
				for _, r := range data.EvaluationBenchmarks {
					if r.AddonKey == key && r.Month.Equal(month) {
						want = float64(r.EvaluationCount)
					}
				}
			case "atlassian_marketplace_cloud_churn_benchmark_licenses":
				want = -1
				for _, r := range data.ChurnBenchmarks {
					if r.AddonKey == key && r.Month.Equal(month) {
						want = float64(r.TotalLicenses)
					}
				}
			}
			if math.Abs(want-s.value) > 1e-6 {
				t.Errorf("at %s: %v = %v, ground truth %v", at.Format(time.DateOnly), s.labels, s.value, want)
			}
			checked++
		}
		// Per app: closing MRR, ARR, the MRR month, three benchmark months, two benchmarks.
		if checked != 8*apps {
			t.Errorf("at %s: %d monthly values checked, want %d", at.Format(time.DateOnly), checked, 8*apps)
		}
	}
	prom.stop(t)
}

// promSample is one element of an instant vector.
type promSample struct {
	labels map[string]string
	value  float64
}

// windowedTruth is the simulator's ground truth for a windowed series over [from, to], for
// the families it knows; the collector tests check the rest against it.
func windowedTruth(data *marketplacetest.Dataset, l map[string]string, from, to time.Time) (float64, bool) {
	key := l["addon_key"]
	title := func(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
	switch l["__name__"] {
	case "atlassian_marketplace_evaluations":
		return float64(data.EvaluationsTotal(key, "hosting", l["hosting"], from, to)), true
	case "atlassian_marketplace_evaluations_by_country":
		return float64(data.EvaluationsTotal(key, "country", l["customer_country"], from, to)), true
	case "atlassian_marketplace_sales_revenue_usd":
		return data.SalesTotal(key, "hosting", l["hosting"], from, to).Revenue, true
	case "atlassian_marketplace_sales_by_tier_transactions":
		return float64(data.SalesTotal(key, "tier", l["tier"], from, to).Count), true
	case "atlassian_marketplace_sales_by_sale_type_net_transactions":
		return float64(data.SalesTotal(key, "type", title(l["sale_type"]), from, to).NetCount), true
	case "atlassian_marketplace_feedback":
		return float64(data.FeedbackTotal(key, "type", l["feedback_type"], from, to)), true
	case "atlassian_marketplace_cloud_churn_customers":
		_, unique := data.CloudMetricTotal(key, "churn", title(l["billing_period"]), "Customers", from, to)
		return float64(unique), true
	case "atlassian_marketplace_cloud_conversions":
		sum, _ := data.CloudMetricTotal(key, "conversion", "", "Conversions", from, to)
		return float64(sum), true
	case "atlassian_marketplace_cloud_renewals":
		sum, _ := data.CloudMetricTotal(key, "renewal", title(l["billing_period"]), "Renewals", from, to)
		return float64(sum), true
	}
	return 0, false
}
