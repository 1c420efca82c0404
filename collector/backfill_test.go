package collector

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// backfilled runs a backfill and indexes its samples by time and series, checking on the way
// that each batch is sorted by family, labels and time and only holds the families it names.
func backfilled(t *testing.T, env *simEnv, plan *BackfillPlan) map[time.Time]map[string]float64 {
	t.Helper()
	got := map[time.Time]map[string]float64{}
	seen := map[string]bool{}
	err := env.exp.Backfill(context.Background(), plan, nil, func(fs []*Family, ss []TimedSample) error {
		if !slices.IsSortedFunc(ss, compareTimed) {
			t.Error("a batch of samples is not sorted by family, labels and time")
		}
		for _, f := range fs {
			if seen[f.Name] {
				t.Errorf("family %s emitted in two batches", f.Name)
			}
			seen[f.Name] = true
		}
		for _, s := range ss {
			if !slices.Contains(fs, s.Family) {
				t.Errorf("sample of %s in a batch of %d other families", s.Family.Name, len(fs))
			}
			if s.At.After(plan.Last()) {
				t.Errorf("%s stamped %s, after the plan's last time %s", s.Family.Name, s.At, plan.Last())
			}
			if got[s.At] == nil {
				got[s.At] = map[string]float64{}
			}
			got[s.At][seriesKey(s.Sample)] = s.Value
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func seriesKey(s Sample) string { return s.Family.Name + "{" + strings.Join(s.LabelValues, ",") + "}" }

// agree checks that the backfill at one time holds every sample the live exporter reports at
// that time, with the same value, and nothing else of those families but zeros (the live
// answer for one window may leave out a group without events, where the cut of a long answer
// has the group at zero).
func agree(t *testing.T, what string, backfill map[string]float64, live []Sample, zerosAllowed bool) (compared int) {
	t.Helper()
	families := map[string]bool{}
	liveKeys := map[string]bool{}
	for _, s := range live {
		families[s.Family.Name] = true
		k := seriesKey(s)
		liveKeys[k] = true
		v, ok := backfill[k]
		switch {
		case !ok:
			t.Errorf("%s: live has %s = %v, the backfill has no sample", what, k, s.Value)
		case math.Abs(v-s.Value) > 1e-9:
			t.Errorf("%s: %s is %v live, %v in the backfill", what, k, s.Value, v)
		case s.Value != 0:
			compared++
		}
	}
	for k, v := range backfill {
		if families[k[:strings.IndexByte(k, '{')]] && !liveKeys[k] && (v != 0 || !zerosAllowed) {
			t.Errorf("%s: the backfill has %s = %v, live has no such series", what, k, v)
		}
	}
	return compared
}

// TestBackfillAgreesWithLive backfills five months from the simulator and checks every step
// against what the live exporter reports at that step's time, through Evaluate: the windowed
// families at each Saturday's following midnight, MRR at each month's end, and each
// benchmark month against the live exporter on the day that month is the latest published.
func TestBackfillAgreesWithLive(t *testing.T) {
	env := newSimEnv(t, Config{})
	ctx := context.Background()
	from, to := marketplace.NewDate(2025, 10, 1), lastCompleteDay(testNow)
	plan, err := env.exp.PlanBackfill(BackfillOptions{From: from, To: to, MaxChurnRequests: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"apps", "licenses"}; !slices.Equal(plan.Skipped, want) {
		t.Errorf("skipped %v, want %v", plan.Skipped, want)
	}
	if len(plan.Steps) != 23 || plan.Steps[0] != marketplace.NewDate(2025, 10, 4) || plan.Steps[22] != marketplace.NewDate(2026, 3, 7) {
		t.Fatalf("steps %v, want the 23 Saturdays from 2025-10-04 to 2026-03-07", plan.Steps)
	}
	if len(plan.Months) != 5 || plan.Months[4] != marketplace.NewDate(2026, 2, 1) {
		t.Fatalf("months %v, want October to February", plan.Months)
	}
	if !slices.Equal(plan.ChurnSteps, plan.Steps) {
		t.Errorf("churn for %d steps, want all %d", len(plan.ChurnSteps), len(plan.Steps))
	}
	env.srv.ResetCounts()
	got := backfilled(t, env, plan)

	// One long request per report, churn per step and window, one per benchmark, partner
	// metrics paged by 14 months.
	counts := env.srv.RequestCounts()
	for endpoint, want := range map[string]int{
		"evaluations_hosting": 1, "evaluations_country": 1, "sales_hosting": 1, "sales_tier": 1, "feedback_reason": 1,
		"conversion": 1, "renewal": 1, "churn": 2 * len(plan.Steps),
		"churn_benchmark": 1, "evaluation_benchmark": 1, "sales_benchmark": 1, "partner_metrics": 1,
		"licenses_export": 0, "apps": 0,
	} {
		if counts[endpoint] != want {
			t.Errorf("%s requested %d times, want %d", endpoint, counts[endpoint], want)
		}
	}
	if want := 14*1 + 2*len(plan.Steps) + 3 + 1; plan.Fetches != want {
		t.Errorf("plan counts %d fetches, want %d", plan.Fetches, want)
	}

	var compared int
	for _, end := range plan.Steps {
		at := StepTime(end)
		if at.Weekday() != time.Sunday || at.Hour() != 0 {
			t.Fatalf("step %s stamped %s, want the following Sunday 00:00 UTC", end, at)
		}
		for _, name := range []string{"evaluations", "sales", "feedback", "cloud"} {
			live, err := env.exp.Evaluate(ctx, name, at)
			if err != nil {
				t.Fatal(err)
			}
			compared += agree(t, fmt.Sprintf("%s at %s", name, at.Format(time.DateOnly)), got[at], live, true)
		}
	}
	for _, m := range plan.Months {
		live, err := env.exp.Evaluate(ctx, "mrr", MonthTime(m))
		if err != nil {
			t.Fatal(err)
		}
		if len(live) == 0 {
			t.Errorf("no live MRR for %s", m)
		}
		compared += agree(t, "mrr for "+m.String(), got[MonthTime(m)], live, false)
	}
	var benchmarkMonths int
	for _, m := range plan.Months {
		// The simulator publishes month M on the 10th of M+2: on that day the live exporter
		// reports M as the latest month.
		published := marketplace.NewDate(m.Year, m.Month+2, 10).Time().Add(12 * time.Hour)
		if published.After(testNow) {
			continue
		}
		env.clock.Set(published)
		live, err := env.exp.Evaluate(ctx, "benchmarks", published)
		if err != nil {
			t.Fatal(err)
		}
		benchmarkMonths++
		compared += agree(t, "benchmarks for "+m.String(), got[MonthTime(m)], live, false)
	}
	env.clock.Set(testNow)
	if benchmarkMonths != 4 {
		t.Errorf("%d benchmark months compared, want 4 (October to January)", benchmarkMonths)
	}
	if compared < 1000 {
		t.Errorf("only %d non-zero values compared", compared)
	}
}

// TestBackfillChurnBudget checks that a small churn budget is spent on the latest steps.
func TestBackfillChurnBudget(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"cloud", time.Hour}}})
	plan, err := env.exp.PlanBackfill(BackfillOptions{From: marketplace.NewDate(2026, 1, 1), To: marketplace.NewDate(2026, 3, 7), MaxChurnRequests: 7})
	if err != nil {
		t.Fatal(err)
	}
	if want := plan.Steps[len(plan.Steps)-3:]; !slices.Equal(plan.ChurnSteps, want) {
		t.Fatalf("churn steps %v, want the latest three %v", plan.ChurnSteps, want)
	}
	env.srv.ResetCounts()
	got := backfilled(t, env, plan)
	if n := env.srv.Requests("churn"); n != 6 {
		t.Errorf("%d churn requests, want 6", n)
	}
	for _, end := range plan.Steps {
		var churn int
		for k := range got[StepTime(end)] {
			if strings.HasPrefix(k, "atlassian_marketplace_cloud_churn_") {
				churn++
			}
		}
		if want := slices.Contains(plan.ChurnSteps, end); (churn > 0) != want {
			t.Errorf("step %s: %d churn samples, want some: %v", end, churn, want)
		}
	}

	plan, err = env.exp.PlanBackfill(BackfillOptions{From: marketplace.NewDate(2026, 1, 1), To: marketplace.NewDate(2026, 3, 7)})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.ChurnSteps) != 0 || plan.Fetches != 2 {
		t.Errorf("no budget: churn steps %v, %d fetches; want none and 2 (conversion, renewal)", plan.ChurnSteps, plan.Fetches)
	}
}

func TestPlanBackfillRejects(t *testing.T) {
	env := newSimEnv(t, Config{})
	d := marketplace.NewDate
	for _, tc := range []struct {
		name     string
		opts     BackfillOptions
		contains string
	}{
		{"no start", BackfillOptions{To: d(2026, 3, 7)}, "both ends"},
		{"reversed", BackfillOptions{From: d(2026, 3, 7), To: d(2026, 3, 1)}, "before it starts"},
		{"today", BackfillOptions{From: d(2026, 1, 1), To: d(2026, 3, 11)}, "last complete UTC day 2026-03-10"},
		{"no step", BackfillOptions{From: d(2026, 3, 2), To: d(2026, 3, 6)}, "nothing to backfill"},
		{"budget", BackfillOptions{From: d(2026, 1, 1), To: d(2026, 3, 7), MaxChurnRequests: -1}, "must not be negative"},
	} {
		if _, err := env.exp.PlanBackfill(tc.opts); err == nil || !strings.Contains(err.Error(), tc.contains) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.contains)
		}
	}
	only := newSimEnv(t, Config{Collectors: []Setting{{"apps", time.Hour}, {"licenses", time.Hour}}})
	if _, err := only.exp.PlanBackfill(BackfillOptions{From: d(2026, 1, 1), To: d(2026, 3, 7)}); err == nil || !strings.Contains(err.Error(), "apps, licenses") {
		t.Errorf("only collectors without history: error %v", err)
	}
}

// misalignedEvaluations answers with buckets dated on Mondays, as an API with ISO weeks would.
type misalignedEvaluations struct{}

func (misalignedEvaluations) Aggregate(_ context.Context, _ marketplace.EvaluationMetric, opts *marketplace.AggregateOptions) (*marketplace.Aggregate, *marketplace.Response, error) {
	return &marketplace.Aggregate{Addons: []marketplace.AggregateGroup{{AddonKey: "app", Series: []marketplace.Series{{
		Name: "Cloud", Elements: []marketplace.Element{{Date: opts.StartDate.AddDays(1), Count: 3}},
	}}}}}, nil, nil
}

// TestBackfillRefusesMisalignedBuckets: windows cut from buckets that are not Sunday-started
// weeks would be silently wrong, so the backfill fails instead, saying why.
func TestBackfillRefusesMisalignedBuckets(t *testing.T) {
	c := newEvaluationsCollector(misalignedEvaluations{}, DefaultWindows, nil)
	p := &BackfillPlan{Steps: []marketplace.Date{marketplace.NewDate(2026, 3, 7)}}
	tasks := c.history(p)
	if len(tasks) != len(evaluationDims) {
		t.Fatalf("%d tasks, want one per dimension", len(tasks))
	}
	_, err := tasks[0].run(context.Background(), func() {})
	if err == nil || !strings.Contains(err.Error(), "not a Sunday") {
		t.Fatalf("error %v, want one about buckets not dated on Sundays", err)
	}
}

// BenchmarkBackfillTwoYears backfills two years of the default simulated vendor, every
// collector with history, churn for every step: the fetches over loopback, the cutting and
// the transformations, with the samples thrown away.
func BenchmarkBackfillTwoYears(b *testing.B) {
	env := newSimEnv(b, Config{})
	opts := BackfillOptions{From: lastCompleteDay(testNow).AddDays(-2 * 365), To: lastCompleteDay(testNow), MaxChurnRequests: defaultBenchmarkChurn}
	var samples int
	for b.Loop() {
		plan, err := env.exp.PlanBackfill(opts)
		if err != nil {
			b.Fatal(err)
		}
		samples = 0
		if err := env.exp.Backfill(context.Background(), plan, nil, func(_ []*Family, ss []TimedSample) error {
			samples += len(ss)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(samples), "samples/op")
}

// defaultBenchmarkChurn is enough churn requests for every step of two years and two windows.
const defaultBenchmarkChurn = 2 * 2 * 53
