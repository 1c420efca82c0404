package collector

import (
	"bytes"
	"context"
	"flag"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

var update = flag.Bool("update", false, "rewrite the golden exposition files in testdata/")

// testNow is the simulator's and the exporter's clock in these tests: a Wednesday, so the 7d
// window (Wed 4 March to Tue 10 March) straddles a Sunday bucket boundary.
var testNow = time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)

// simEnv is an Exporter wired to an in-process simulator, both on one manual clock.
type simEnv struct {
	srv   *marketplacetest.Server
	clock *marketplacetest.ManualClock
	exp   *Exporter
	reg   *prometheus.Registry
}

func newSimEnv(t testing.TB, cfg Config) *simEnv {
	t.Helper()
	clock := marketplacetest.NewManualClock(testNow)
	srv, err := marketplacetest.NewServer(marketplacetest.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return attachExporter(t, srv, clock, cfg)
}

// attachExporter builds an Exporter on its own registry against an existing simulator, so
// that several exporters (one per fault case) can share one generated vendor.
func attachExporter(t testing.TB, srv *marketplacetest.Server, clock *marketplacetest.ManualClock, cfg Config) *simEnv {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg.ClientOptions = append(cfg.ClientOptions,
		marketplace.WithBaseURL(srv.URL),
		marketplace.WithCredentials(marketplacetest.DefaultUser, marketplacetest.DefaultToken),
		marketplace.WithVendorID(marketplacetest.DefaultVendorID),
		// Fail fast: the fault tests do not need to watch a back-off.
		marketplace.WithRetryPolicy(marketplace.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: time.Second}),
	)
	cfg.Clock = clock
	cfg.Registerer = reg
	exp, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister(exp)
	return &simEnv{srv: srv, clock: clock, exp: exp, reg: reg}
}

// refresh runs one refresh of every enabled collector, as the pollers would.
func (e *simEnv) refresh(t *testing.T) {
	t.Helper()
	for _, p := range e.exp.pollers {
		if !p.refresh(context.Background()) {
			t.Fatalf("%s: refresh skipped", p.name)
		}
	}
}

// samples evaluates one collector now, through the same code path the poller uses.
func (e *simEnv) samples(t *testing.T, name string) []Sample {
	t.Helper()
	ss, err := e.exp.Evaluate(context.Background(), name, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) == 0 {
		t.Fatalf("%s: no samples at all", name)
	}
	return ss
}

// familyNames lists the families a collector can emit.
func familyNames(p *poller) []string {
	var names []string
	for _, f := range p.src.families() {
		names = append(names, f.Name)
	}
	return names
}

// exposition gathers the named families as exposition text.
func exposition(t *testing.T, g prometheus.Gatherer, names ...string) []byte {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if want[mf.GetName()] {
			if err := enc.Encode(mf); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes()
}

// TestCollectorsGolden compares each collector's exposition with testdata/<collector>.prom,
// which go test ./collector -run Golden -update rewrites. Every family must show up.
func TestCollectorsGolden(t *testing.T) {
	env := newSimEnv(t, Config{})
	env.refresh(t)
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			p := env.exp.byName[name]
			names := familyNames(p)
			got := exposition(t, env.reg, names...)
			path := filepath.Join("testdata", name+".prom")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./collector -run Golden -update to create it)", err)
			}
			if err := testutil.GatherAndCompare(env.reg, bytes.NewReader(want), names...); err != nil {
				t.Fatalf("%s differs from %s (rerun with -update if the change is intended):\n%v", name, path, err)
			}
			for _, n := range names {
				if !bytes.Contains(want, []byte("\n"+n+"{")) {
					t.Errorf("family %s has no series in %s", n, path)
				}
			}
		})
	}
}

// windowDates is the inclusive range a window label stands for at testNow.
func windowDates(t *testing.T, clock Clock, label string) (from, to time.Time) {
	t.Helper()
	w, err := ParseWindow(label)
	if err != nil {
		t.Fatal(err)
	}
	start, end := w.Range(lastCompleteDay(clock.Now()))
	return start.Time(), end.Time()
}

// capitalize undoes the lower-casing of a label value, for the simulator's display names.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// checkTruth compares every sample with what truth says it should be, and fails when nothing
// non-zero was compared: a test that only ever checks zeros proves little.
func checkTruth(t *testing.T, ss []Sample, truth func(s Sample) (float64, bool)) {
	t.Helper()
	var nonZero int
	for _, s := range ss {
		want, ok := truth(s)
		if !ok {
			continue
		}
		if math.Abs(want-s.Value) > 1e-6 {
			t.Errorf("%s%v = %v, ground truth %v", s.Family.Name, s.LabelValues, s.Value, want)
		}
		if want != 0 {
			nonZero++
		}
	}
	if nonZero == 0 {
		t.Error("no non-zero value was checked against the ground truth")
	}
}

func TestEvaluationsMatchGroundTruth(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"evaluations", time.Hour}}})
	data := env.srv.Data()
	metric := map[string]string{
		"atlassian_marketplace_evaluations":            "hosting",
		"atlassian_marketplace_evaluations_by_region":  "region",
		"atlassian_marketplace_evaluations_by_country": "country",
		"atlassian_marketplace_evaluations_by_partner": "partner",
	}
	ss := env.samples(t, "evaluations")
	totals := map[string]float64{} // family, app, window -> sum over groups
	checkTruth(t, ss, func(s Sample) (float64, bool) {
		key, group, window := s.LabelValues[0], s.LabelValues[1], s.LabelValues[2]
		totals[s.Family.Name+" "+key+" "+window] += s.Value
		from, to := windowDates(t, env.clock, window)
		return float64(data.EvaluationsTotal(key, metric[s.Family.Name], group, from, to)), true
	})
	// Every breakdown covers all evaluations: none lost to a group the collector skipped.
	for k, v := range totals {
		parts := strings.Fields(k)
		hosting := totals["atlassian_marketplace_evaluations "+parts[1]+" "+parts[2]]
		if v != hosting {
			t.Errorf("%s sums to %v, by hosting %v", k, v, hosting)
		}
	}
}

func TestSalesMatchGroundTruth(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"sales", time.Hour}}})
	data := env.srv.Data()
	metric := map[string]string{"": "hosting", "tier": "tier", "region": "region", "country": "country", "sale_type": "type", "partner": "partner"}
	ss := env.samples(t, "sales")
	checkTruth(t, ss, func(s Sample) (float64, bool) {
		key, group, window := s.LabelValues[0], s.LabelValues[1], s.LabelValues[2]
		name := strings.TrimPrefix(s.Family.Name, "atlassian_marketplace_sales_")
		dim := ""
		if rest, ok := strings.CutPrefix(name, "by_"); ok {
			for d := range metric {
				if d != "" && strings.HasPrefix(rest, d+"_") {
					dim, name = d, strings.TrimPrefix(rest, d+"_")
				}
			}
		}
		if dim == "sale_type" {
			group = capitalize(group)
		}
		from, to := windowDates(t, env.clock, window)
		sum := data.SalesTotal(key, metric[dim], group, from, to)
		switch name {
		case "transactions":
			return float64(sum.Count), true
		case "net_transactions":
			return float64(sum.NetCount), true
		case "revenue_usd":
			return sum.Revenue, true
		}
		t.Fatalf("unexpected family %s", s.Family.Name)
		return 0, false
	})
}

func TestFeedbackMatchesGroundTruth(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"feedback", time.Hour}}})
	data := env.srv.Data()
	checkTruth(t, env.samples(t, "feedback"), func(s Sample) (float64, bool) {
		key, group, window := s.LabelValues[0], s.LabelValues[1], s.LabelValues[2]
		metric := map[string]string{"atlassian_marketplace_feedback": "type", "atlassian_marketplace_feedback_by_reason": "reason"}[s.Family.Name]
		from, to := windowDates(t, env.clock, window)
		return float64(data.FeedbackTotal(key, metric, group, from, to)), true
	})
}

func TestCloudMatchesGroundTruth(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"cloud", time.Hour}}})
	data := env.srv.Data()
	series := map[string][2]string{
		"atlassian_marketplace_cloud_churn_customers":        {"churn", "Customers"},
		"atlassian_marketplace_cloud_churn_cancellations":    {"churn", "Cancellations"},
		"atlassian_marketplace_cloud_conversion_evaluations": {"conversion", "Evaluations"},
		"atlassian_marketplace_cloud_conversions":            {"conversion", "Conversions"},
		"atlassian_marketplace_cloud_renewal_opportunities":  {"renewal", "Renewal opportunities"},
		"atlassian_marketplace_cloud_renewals":               {"renewal", "Renewals"},
	}
	checkTruth(t, env.samples(t, "cloud"), func(s Sample) (float64, bool) {
		ms := series[s.Family.Name]
		key, window, dataset := s.LabelValues[0], s.LabelValues[len(s.LabelValues)-1], ""
		if len(s.LabelValues) == 3 {
			dataset = capitalize(s.LabelValues[1])
		}
		from, to := windowDates(t, env.clock, window)
		sum, unique := data.CloudMetricTotal(key, ms[0], dataset, ms[1], from, to)
		if ms[0] == "churn" {
			return float64(unique), true
		}
		return float64(sum), true
	})
}

func TestLicensesMatchGroundTruth(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"licenses", time.Hour}}})
	want := env.srv.Data().LicenseCounts(env.clock.Now())
	got := map[marketplacetest.LicenseKey]int64{}
	for _, s := range env.samples(t, "licenses") {
		lv := s.LabelValues
		got[marketplacetest.LicenseKey{AddonKey: lv[0], Hosting: lv[1], LicenseType: strings.ToUpper(lv[2]), Status: lv[3]}] = int64(s.Value)
	}
	if !maps.Equal(got, want) {
		t.Errorf("license counts:\n got %v\nwant %v", got, want)
	}
}

func TestAppsMatchGroundTruth(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"apps", time.Hour}}})
	apps := map[string]marketplacetest.App{}
	data := env.srv.Data()
	dist := data.DistributionAt(env.clock.Now())
	for i, a := range data.Apps {
		a.AppDistribution = dist[i] // as of today, as served
		apps[a.Key] = a
	}
	seen := map[string]bool{}
	checkTruth(t, env.samples(t, "apps"), func(s Sample) (float64, bool) {
		a, ok := apps[s.LabelValues[0]]
		if !ok {
			t.Errorf("unknown app %q", s.LabelValues[0])
			return 0, false
		}
		seen[a.Key] = true
		switch s.Family {
		case appInfo:
			if s.LabelValues[1] != a.Name {
				t.Errorf("app_info name %q, want %q", s.LabelValues[1], a.Name)
			}
			return 1, true
		case appDownloads:
			return float64(a.Downloads), true
		case appInstalls:
			return float64(a.TotalInstalls), true
		case appUsers:
			return float64(a.TotalUsers), true
		case appReviews:
			return float64(a.ReviewCount), true
		case appRating:
			return a.AverageStars, true
		}
		return 0, false
	})
	if len(seen) != len(apps) {
		t.Errorf("apps exported %v, want all of %d", seen, len(apps))
	}
}

func TestMRRMatchesGroundTruth(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"mrr", time.Hour}}})
	data := env.srv.Data()
	end := lastCompleteDay(env.clock.Now())
	monthStart := marketplace.NewDate(end.Year, end.Month, 1)
	ss := env.samples(t, "mrr")
	moves := map[string]float64{}
	checkTruth(t, ss, func(s Sample) (float64, bool) {
		key := s.LabelValues[0]
		switch s.Family {
		case mrrMonth:
			return float64(monthStart.Time().Unix()), true
		case arrFamily:
			return 12 * data.MRRAt(key, end.Time()), true
		}
		switch mv := s.LabelValues[1]; mv {
		case "closing":
			return data.MRRAt(key, end.Time()), true
		case "opening":
			return data.MRRAt(key, monthStart.AddDays(-1).Time()), true
		case "contraction", "expired":
			moves[key] -= math.Abs(s.Value)
		default:
			moves[key] += s.Value
		}
		return 0, false
	})
	// The movements explain the month: opening + new + expansion + reactivated
	// - contraction - expired = closing.
	for key, m := range moves {
		opening := data.MRRAt(key, monthStart.AddDays(-1).Time())
		closing := data.MRRAt(key, end.Time())
		if math.Abs(m-(closing-opening)) > 0.01 {
			t.Errorf("%s: movements add up to %.2f, closing-opening is %.2f", key, m, closing-opening)
		}
	}
}

func TestBenchmarksMatchGroundTruth(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"benchmarks", time.Hour}}})
	data := env.srv.Data()
	month, ok := data.LatestBenchmarkMonth(env.clock.Now())
	if !ok {
		t.Fatal("the simulator has no benchmark month")
	}
	churn := map[string]marketplacetest.ChurnBenchmarkMonth{}
	for _, r := range data.ChurnBenchmarks {
		if r.Month.Equal(month) {
			churn[r.AddonKey] = r
		}
	}
	evals := map[string]marketplacetest.EvaluationBenchmarkMonth{}
	for _, r := range data.EvaluationBenchmarks {
		if r.Month.Equal(month) {
			evals[r.AddonKey] = r
		}
	}
	sales := map[string]marketplacetest.SalesBenchmarkMonth{}
	for _, r := range data.SalesBenchmarks {
		if r.Month.Equal(month) {
			sales[r.AddonKey] = r
		}
	}
	checkTruth(t, env.samples(t, "benchmarks"), func(s Sample) (float64, bool) {
		key := s.LabelValues[0]
		c, e, sa := churn[key], evals[key], sales[key]
		kind := ""
		if len(s.LabelValues) > 1 {
			kind = s.LabelValues[1]
		}
		switch s.Family.Name {
		case "atlassian_marketplace_benchmark_month_timestamp_seconds":
			return float64(month.Unix()), true
		case "atlassian_marketplace_cloud_churn_rate":
			return map[string]float64{"total": c.ChurnRate, "isolated": c.IsolatedChurnRate}[kind], true
		case "atlassian_marketplace_cloud_churn_benchmark_rate":
			return map[string]float64{"total": c.ChurnRateBenchmark, "isolated": c.IsolatedChurnRateBenchmark}[kind], true
		case "atlassian_marketplace_cloud_churn_benchmark_licenses":
			return float64(c.TotalLicenses), true
		case "atlassian_marketplace_cloud_churn_benchmark_churned_licenses":
			return float64(c.ChurnedLicenses), true
		case "atlassian_marketplace_benchmark_evaluations":
			return float64(e.EvaluationCount), true
		case "atlassian_marketplace_benchmark_evaluations_growth_ratio":
			return e.MoMGrowth / 100, true
		case "atlassian_marketplace_benchmark_evaluations_marketplace_growth_ratio":
			return e.MoMGrowthBenchmark / 100, true
		case "atlassian_marketplace_benchmark_evaluations_percentile":
			return e.Percentile, true
		case "atlassian_marketplace_benchmark_sales_usd":
			return sa.Sale, true
		case "atlassian_marketplace_benchmark_sales_growth_ratio":
			return sa.MoMGrowth / 100, true
		case "atlassian_marketplace_benchmark_sales_marketplace_growth_ratio":
			return sa.MoMGrowthBenchmark / 100, true
		case "atlassian_marketplace_benchmark_sales_percentile":
			return sa.Percentile, true
		}
		t.Errorf("unexpected family %s", s.Family.Name)
		return 0, false
	})
}

// TestScrapesNeverCallTheAPI scrapes many times after a refresh and checks that the simulator
// saw no request at all.
func TestScrapesNeverCallTheAPI(t *testing.T) {
	env := newSimEnv(t, Config{})
	env.refresh(t)
	before := env.srv.RequestCounts()
	if len(before) == 0 {
		t.Fatal("the refresh made no request")
	}
	h := promhttp.HandlerFor(env.reg, promhttp.HandlerOpts{})
	for range 50 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("scrape status %d", rec.Code)
		}
	}
	if after := env.srv.RequestCounts(); !maps.Equal(before, after) {
		t.Fatalf("scrapes called the API:\nbefore %v\nafter  %v", before, after)
	}
}

// TestRefreshFailureReasons checks the reason label for the failures the simulator can stage.
func TestRefreshFailureReasons(t *testing.T) {
	for _, tc := range []struct {
		fault  marketplacetest.Fault
		reason string
	}{
		{marketplacetest.Fault{Status: http.StatusUnauthorized}, ReasonCredentials},
		{marketplacetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Hour}, ReasonRateLimited},
		{marketplacetest.Fault{Status: http.StatusBadGateway}, ReasonUnavailable},
		{marketplacetest.Fault{Malformed: true}, ReasonBadResponse},
		{marketplacetest.Fault{Status: http.StatusBadRequest}, ReasonOther},
		{marketplacetest.Fault{Hang: true}, ReasonTimeout},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			// The refresh deadline is the interval: short, so that a hang times out quickly.
			env := newSimEnv(t, Config{Collectors: []Setting{{"mrr", 300 * time.Millisecond}}})
			env.srv.InjectFault("partner_metrics", tc.fault)
			env.refresh(t)
			p := env.exp.byName["mrr"]
			if v := testutil.ToFloat64(p.failures.WithLabelValues("mrr", tc.reason)); v != 1 {
				t.Errorf("failures{reason=%q} = %v, want 1", tc.reason, v)
			}
			if s := p.state.Load(); s.success || !s.attempted {
				t.Errorf("state %+v, want a failed attempt", s)
			}
		})
	}
}

// TestRefreshNotStartedTwice holds a license export open in the simulator and checks that a
// second refresh of the collector neither starts nor sends a request.
func TestRefreshNotStartedTwice(t *testing.T) {
	env := newSimEnv(t, Config{Collectors: []Setting{{"licenses", time.Hour}}})
	env.srv.InjectFault("licenses_export", marketplacetest.Fault{Hang: true})
	p := env.exp.byName["licenses"]
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		p.refresh(ctx)
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for env.srv.Requests("licenses_export") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first refresh never reached the API")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if p.refresh(context.Background()) {
		t.Fatal("a second refresh started while the first was running")
	}
	if n := env.srv.Requests("licenses_export"); n != 1 {
		t.Fatalf("licenses_export requests = %d, want 1", n)
	}
	cancel()
	<-done
}

// TestAddonFilter checks that --marketplace.addon restricts every family of every collector.
func TestAddonFilter(t *testing.T) {
	probe := newSimEnv(t, Config{Collectors: []Setting{{"apps", time.Hour}}})
	key := probe.srv.Data().Apps[0].Key
	env := newSimEnv(t, Config{Addons: []string{key}})
	env.refresh(t)
	mfs, err := env.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var series int
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labelAddonKey {
					series++
					if lp.GetValue() != key {
						t.Errorf("%s has addon_key=%q with the filter set to %q", mf.GetName(), lp.GetValue(), key)
					}
				}
			}
		}
	}
	if series == 0 {
		t.Fatal("no series at all with the filter")
	}
}

// gatheredValue returns the value of the series of family name with exactly these labels.
func gatheredValue(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	m := findSeries(t, g, name, labels)
	if m == nil {
		t.Fatalf("no series %s%v", name, labels)
	}
	return m.GetGauge().GetValue()
}

// findSeries returns the series of family name with exactly these labels, or nil.
func findSeries(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			if maps.Equal(got, labels) {
				return m
			}
		}
	}
	return nil
}
