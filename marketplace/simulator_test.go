package marketplace_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// simToday is the simulator's clock: every expectation below is computed
// from the simulator's ground truth for this day.
var simToday = time.Date(2026, 3, 22, 15, 0, 0, 0, time.UTC)

// simEnv is a simulator behind an httptest server and a client of it.
type simEnv struct {
	sim    *marketplacetest.Simulator
	data   *marketplacetest.Dataset
	client *marketplace.Client
}

// newSimEnv serves sim, for v3 below a /marketplace prefix as on
// api.atlassian.com, so that the client must keep the prefix on the
// simulator's host-relative links.
func newSimEnv(t *testing.T, sim *marketplacetest.Simulator, api marketplace.API, opts ...marketplace.Option) *simEnv {
	t.Helper()
	handler, prefix := http.Handler(sim), ""
	if api == marketplace.APIv3 {
		prefix = "/marketplace"
		mux := http.NewServeMux()
		mux.Handle(prefix+"/", http.StripPrefix(prefix, sim))
		handler = mux
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	o := sim.Options()
	c, err := marketplace.NewClient(append([]marketplace.Option{
		marketplace.WithBaseURL(srv.URL + prefix),
		marketplace.WithCredentials(o.User, o.Token),
		marketplace.WithAPI(api),
		// v3 starts from the vendor id, so that the lookup runs too.
		marketplace.WithVendorID(o.VendorID),
		marketplace.WithUserAgent("marketplace_exporter/test"),
		marketplace.WithRetryPolicy(marketplace.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, data: sim.Data(), client: c}
}

func newSim(t *testing.T, opts marketplacetest.Options) *marketplacetest.Simulator {
	t.Helper()
	opts.Clock = marketplacetest.NewManualClock(simToday)
	sim, err := marketplacetest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

func TestSimulatorEveryMethod(t *testing.T) {
	sim := newSim(t, marketplacetest.Options{})
	for _, api := range []marketplace.API{marketplace.APIv2, marketplace.APIv3} {
		t.Run(string(api), func(t *testing.T) {
			env := newSimEnv(t, sim, api)
			t.Run("developer id", env.developerID)
			t.Run("evaluations", env.evaluations)
			t.Run("sales", env.sales)
			t.Run("feedback", env.feedback)
			t.Run("cloud metrics", env.cloudMetrics)
			t.Run("benchmarks", env.benchmarks)
			t.Run("licenses", env.licenses)
			t.Run("transactions", env.transactions)
			t.Run("apps", env.apps)
			t.Run("partner metrics", env.partnerMetrics)
			t.Run("insights", env.insights)
			t.Run("reporting links", env.reportingLinks)
		})
	}
}

var (
	ctx = context.Background()
	// The window of the aggregates: four whole weeks ending yesterday.
	winEnd   = marketplace.DateOf(simToday).AddDays(-1)
	winStart = winEnd.AddDays(-27)
	window   = &marketplace.AggregateOptions{Aggregation: marketplace.AggregationWeek, StartDate: winStart, EndDate: winEnd}
)

func (e *simEnv) developerID(t *testing.T) {
	id, err := e.client.DeveloperID(ctx)
	if err != nil || id != e.data.DeveloperID {
		t.Fatalf("DeveloperID = %q, %v; want %q", id, err, e.data.DeveloperID)
	}
	id, _, err = e.client.DeveloperSpace.Lookup(ctx, e.data.VendorID)
	if err != nil || id != e.data.DeveloperID {
		t.Fatalf("Lookup = %q, %v", id, err)
	}
}

// sum adds up a series.
func sum(s marketplace.Series) (count, net int64, revenue float64) {
	for _, el := range s.Elements {
		count += el.Count
		if el.NetCount != nil {
			net += *el.NetCount
		}
		if el.Revenue != nil {
			revenue += *el.Revenue
		}
	}
	return count, net, revenue
}

// groups calls check for the total and for every app of an aggregate.
func groups(a *marketplace.Aggregate, check func(addonKey string, s marketplace.Series)) int {
	n := 0
	for _, g := range append([]marketplace.AggregateGroup{a.Total}, a.Addons...) {
		for _, s := range g.Series {
			check(g.AddonKey, s)
			n++
		}
	}
	return n
}

func (e *simEnv) evaluations(t *testing.T) {
	from, to := winStart.Time(), winEnd.Time()
	for _, m := range []marketplace.EvaluationMetric{marketplace.EvaluationsByHosting, marketplace.EvaluationsByRegion, marketplace.EvaluationsByCountry, marketplace.EvaluationsByPartner} {
		a, _, err := e.client.Evaluations.Aggregate(ctx, m, window)
		if err != nil {
			t.Fatal(err)
		}
		n := groups(a, func(key string, s marketplace.Series) {
			if got, _, _ := sum(s); got != e.data.EvaluationsTotal(key, string(m), s.Name, from, to) {
				t.Errorf("%s %q %s: %d evaluations, truth %d", m, key, s.Name, got, e.data.EvaluationsTotal(key, string(m), s.Name, from, to))
			}
		})
		if n == 0 {
			t.Errorf("%s: no series", m)
		}
	}
}

func (e *simEnv) sales(t *testing.T) {
	from, to := winStart.Time(), winEnd.Time()
	for _, m := range []marketplace.SalesMetric{marketplace.SalesByHosting, marketplace.SalesByTier, marketplace.SalesByRegion, marketplace.SalesByCountry, marketplace.SalesByType, marketplace.SalesByPartner} {
		a, _, err := e.client.Sales.Aggregate(ctx, m, window)
		if err != nil {
			t.Fatal(err)
		}
		groups(a, func(key string, s marketplace.Series) {
			count, net, revenue := sum(s)
			want := e.data.SalesTotal(key, string(m), s.Name, from, to)
			if count != want.Count || net != want.NetCount || math.Abs(revenue-want.Revenue) > 0.005 {
				t.Errorf("%s %q %s: %d/%d/%.2f, truth %+v", m, key, s.Name, count, net, revenue, want)
			}
		})
	}
}

func (e *simEnv) feedback(t *testing.T) {
	from, to := winStart.Time(), winEnd.Time()
	for _, m := range []marketplace.FeedbackMetric{marketplace.FeedbackByType, marketplace.FeedbackByReason} {
		a, _, err := e.client.Feedback.Metrics(ctx, m, window)
		if err != nil {
			t.Fatal(err)
		}
		groups(a, func(key string, s marketplace.Series) {
			if got, _, _ := sum(s); got != e.data.FeedbackTotal(key, string(m), s.Name, from, to) {
				t.Errorf("%s %q %s: %d, truth %d", m, key, s.Name, got, e.data.FeedbackTotal(key, string(m), s.Name, from, to))
			}
		})
	}
	opts := &marketplace.FeedbackOptions{EndDate: winEnd} // the whole history: more than a page
	page, resp, err := e.client.Feedback.Details(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	all, err := collect(e.client.Feedback.AllDetails(ctx, opts))
	if err != nil {
		t.Fatal(err)
	}
	exported, err := collect(e.client.Feedback.Export(ctx, opts))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) <= len(page) || resp.NextURL == "" || len(exported) != len(all) {
		t.Errorf("feedback: page %d (next %q), all %d, export %d", len(page), resp.NextURL, len(all), len(exported))
	}
	for i := range all {
		if all[i] != exported[i] {
			t.Fatalf("row %d: list %+v, export %+v", i, all[i], exported[i])
		}
	}
}

func (e *simEnv) cloudMetrics(t *testing.T) {
	from, to := winStart.Time(), winEnd.Time()
	for _, m := range []marketplace.CloudMetric{marketplace.CloudChurn, marketplace.CloudConversion, marketplace.CloudRenewal} {
		cm, _, err := e.client.CloudMetrics.Get(ctx, m, window)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range append([]marketplace.CalculatedGroup{cm.Total}, cm.Addons...) {
			for _, d := range g.Datasets {
				for _, s := range d.Series {
					got, _, _ := sum(s)
					want, unique := e.data.CloudMetricTotal(g.AddonKey, string(m), d.Name, s.Name, from, to)
					if got != want {
						t.Errorf("%s %q %s/%s: %d, truth %d", m, g.AddonKey, d.Name, s.Name, got, want)
					}
					if m == marketplace.CloudChurn && (s.UniqueTotal == nil || *s.UniqueTotal != unique) {
						t.Errorf("%s %q %s/%s: uniqueTotal %v, truth %d", m, g.AddonKey, d.Name, s.Name, s.UniqueTotal, unique)
					}
				}
			}
		}
		rows, err := collect(e.client.CloudMetrics.AllDetails(ctx, m, &marketplace.TransitionOptions{StartDate: winStart.AddDays(-180), EndDate: winEnd}))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 || rows[0].AddonKey == "" || rows[0].EventDate.IsZero() {
			t.Errorf("%s details: %d rows, first %+v", m, len(rows), rows)
		}
		if page, _, err := e.client.CloudMetrics.Details(ctx, m, nil); err != nil || len(page) > 50 {
			t.Errorf("%s details page: %d rows, %v", m, len(page), err)
		}
	}
}

func (e *simEnv) benchmarks(t *testing.T) {
	opts := &marketplace.BenchmarkOptions{StartDate: marketplace.NewDate(2025, 6, 1), EndDate: winEnd}
	churn, _, err := e.client.Benchmarks.Churn(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(churn) != len(e.data.Apps) || len(churn[0].Months) == 0 || churn[0].Months[0].TotalLicenses == nil {
		t.Errorf("churn benchmark = %+v", churn)
	}
	latest, ok := e.data.LatestBenchmarkMonth(simToday)
	if !ok {
		t.Fatal("no benchmark month published")
	}
	wantEval, wantSales, _ := e.data.BenchmarkTotals(latest)
	eval, _, err := e.client.Benchmarks.Evaluations(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if last := eval.Vendor[len(eval.Vendor)-1]; last.Date != marketplace.DateOf(latest) || *last.EvaluationCount != float64(wantEval.EvaluationCount) ||
		*last.PreviousMonthEvaluationCount != float64(wantEval.PreviousMonthCount) {
		t.Errorf("evaluation benchmark %s: %+v, truth %+v", latest, last, wantEval)
	}
	if len(eval.Addons) != len(e.data.Apps) || eval.Addons[0].Months[0].EvaluationCount == nil {
		t.Errorf("evaluation benchmark apps = %+v", eval.Addons)
	}
	sales, _, err := e.client.Benchmarks.Sales(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if last := sales.Vendor[len(sales.Vendor)-1]; math.Abs(*last.Sale-wantSales.Sale) > 0.005 {
		t.Errorf("sales benchmark %s: %+v, truth %+v", latest, last, wantSales)
	}
	if len(sales.Addons) != len(e.data.Apps) {
		t.Errorf("sales benchmark apps = %d", len(sales.Addons))
	}
}

func (e *simEnv) licenses(t *testing.T) {
	page, resp, err := e.client.Licenses.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 50 || resp.NextURL == "" {
		t.Errorf("first page: %d rows, next %q", len(page), resp.NextURL)
	}
	if e.client.API() == marketplace.APIv3 && resp.TotalCount <= 50 {
		t.Errorf("v3 TotalCount = %d", resp.TotalCount)
	}
	// The export holds every license with its status today.
	counts := make(map[marketplacetest.LicenseKey]int64)
	var exported []marketplace.License
	for l, err := range e.client.Licenses.Export(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		counts[marketplacetest.LicenseKey{AddonKey: l.AddonKey, Hosting: l.Hosting, LicenseType: l.LicenseType, Status: l.Status}]++
		exported = append(exported, l)
	}
	// Midnight: StatusAt compares instants, and at 15:00 a license whose
	// last day is today already reads inactive to it, not to the export.
	want := e.data.LicenseCounts(marketplace.DateOf(simToday).Time())
	for k, n := range counts {
		if want[k] != n {
			t.Errorf("export %+v: %d, truth %d", k, n, want[k])
		}
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("export %+v: %d, truth %d", k, counts[k], n)
		}
	}
	// Paging through the list gives the export's rows.
	opts := &marketplace.LicenseOptions{Hostings: []string{"cloud"}, Statuses: []string{"active"}}
	all, err := collect(e.client.Licenses.All(ctx, opts))
	if err != nil {
		t.Fatal(err)
	}
	filtered, err := collect(e.client.Licenses.Export(ctx, opts))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || len(all) != len(filtered) {
		t.Errorf("active cloud licenses: list %d, export %d", len(all), len(filtered))
	}
	for _, l := range all {
		if l.Hosting != "Cloud" || l.Status != "active" {
			t.Fatalf("filter not applied: %+v", l)
		}
	}
}

func (e *simEnv) transactions(t *testing.T) {
	opts := &marketplace.TransactionOptions{StartDate: winStart, EndDate: winEnd}
	all, err := collect(e.client.Transactions.All(ctx, opts))
	if err != nil {
		t.Fatal(err)
	}
	exported, err := collect(e.client.Transactions.Export(ctx, opts))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || len(all) != len(exported) {
		t.Fatalf("transactions: list %d, export %d", len(all), len(exported))
	}
	// The rows add up to the sales aggregate of the same window.
	var revenue float64
	for _, tx := range all {
		revenue += tx.Purchase.VendorAmount
	}
	var want float64
	for _, h := range []string{"Cloud", "Data Center", "Server"} {
		want += e.data.SalesTotal("", "hosting", h, winStart.Time(), winEnd.Time()).Revenue
	}
	if math.Abs(revenue-want) > 0.01 {
		t.Errorf("transactions sum to %.2f, sales truth %.2f", revenue, want)
	}
	if page, _, err := e.client.Transactions.List(ctx, opts); err != nil || len(page) == 0 || !reflect.DeepEqual(page[0], all[0]) {
		t.Errorf("List: %d rows, %v", len(page), err)
	}
}

func (e *simEnv) apps(t *testing.T) {
	apps, _, err := e.client.Apps.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != len(e.data.Apps) {
		t.Fatalf("%d apps, truth %d", len(apps), len(e.data.Apps))
	}
	for i, a := range apps {
		want := e.data.Apps[i]
		if a.Key != want.Key || a.Name != want.Name {
			t.Errorf("app %d = %+v, truth %s %s", i, a, want.Key, want.Name)
		}
		if a.Distribution == nil || a.Distribution.Downloads != want.Downloads || a.Reviews == nil || a.Reviews.Count != want.ReviewCount {
			t.Errorf("app %s: distribution %+v, reviews %+v", a.Key, a.Distribution, a.Reviews)
		}
		got, _, err := e.client.Apps.Get(ctx, a.Key)
		if err != nil || got.Key != a.Key || got.Distribution == nil || *got.Distribution.TotalInstalls != want.TotalInstalls {
			t.Errorf("Get(%s) = %+v, %v", a.Key, got, err)
		}
		d, _, err := e.client.Apps.Distribution(ctx, a.Key)
		if err != nil || d.Downloads != want.Downloads || *d.TotalUsers != want.TotalUsers {
			t.Errorf("Distribution(%s) = %+v, %v", a.Key, d, err)
		}
	}
}

func (e *simEnv) partnerMetrics(t *testing.T) {
	// Eighteen months: more than one page of 14 buckets.
	recs, _, err := e.client.PartnerMetrics.Query(ctx, &marketplace.PartnerMetricsRequest{
		MetricSets:  []string{"RECURRING_REVENUE"},
		StartDate:   marketplace.NewDate(2024, 9, 1),
		EndDate:     marketplace.NewDate(2026, 2, 28),
		Granularity: marketplace.GranularityMonth,
		Attributes:  []string{"APP_KEY"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 18*len(e.data.Apps) {
		t.Fatalf("%d records, want %d", len(recs), 18*len(e.data.Apps))
	}
	for _, r := range recs {
		if r.Date != marketplace.NewDate(2026, 2, 1) {
			continue
		}
		want := e.data.MRRAt(r.AppKey, time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC))
		if r.ClosingMRR == nil || math.Abs(*r.ClosingMRR-want) > 0.01 {
			t.Errorf("%s closing MRR Feb 2026 = %v, truth %.2f", r.AppKey, r.ClosingMRR, want)
		}
	}
}

func (e *simEnv) insights(t *testing.T) {
	latest, ok := e.data.LatestInsightsMonth(simToday)
	if !ok {
		t.Fatal("no insights month published")
	}
	var truth marketplacetest.InsightsMonth
	for _, m := range e.data.Insights {
		if m.Month.Equal(latest) {
			truth = m
		}
	}
	opts := &marketplace.InsightsOptions{StartDate: marketplace.DateOf(latest), EndDate: marketplace.DateOf(latest)}
	check := func(name string, months []marketplace.InsightsMonth, err error, key func(marketplace.InsightsGroup) string, want map[string]int64) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(months) != 1 || months[0].Date != marketplace.DateOf(latest) {
			t.Fatalf("%s: months %+v", name, months)
		}
		got := make(map[string]int64)
		for _, g := range months[0].Groups {
			got[key(g)] += g.UsersCount
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s %s: %d users, truth %d", name, k, got[k], n)
			}
		}
	}
	m, _, err := e.client.Insights.Regions(ctx, opts)
	check("regions", m, err, func(g marketplace.InsightsGroup) string { return g.Region }, truth.Regions)
	m, _, err = e.client.Insights.Editions(ctx, opts)
	check("editions", m, err, func(g marketplace.InsightsGroup) string { return g.Edition }, truth.Editions)
	m, _, err = e.client.Insights.ActiveUsers(ctx, opts)
	check("active users", m, err, func(g marketplace.InsightsGroup) string { return g.ActiveUsers }, truth.ActiveUsers)
	opts.Product = "jira"
	m, _, err = e.client.Insights.Tiers(ctx, opts)
	check("tiers", m, err, func(g marketplace.InsightsGroup) string { return g.Tier }, truth.Tiers["Jira"])
}

func (e *simEnv) reportingLinks(t *testing.T) {
	links, _, err := e.client.ReportingLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l := links["licenses"]; len(l) != 1 || !strings.Contains(l[0].Template, "/licenses") || !l[0].Templated {
		t.Errorf("licenses link = %+v", l)
	}
}

func TestSimulatorFaults(t *testing.T) {
	sim := newSim(t, marketplacetest.Options{})
	env := newSimEnv(t, sim, marketplace.APIv2, marketplace.WithRetryPolicy(marketplace.RetryPolicy{
		BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 500 * time.Millisecond,
	}))
	tests := []struct {
		name  string
		fault marketplacetest.Fault
		check func(error) bool
	}{
		// The simulator rounds Retry-After up to a second, longer than this
		// client's MaxRetryAfter: it gives up at once with the wait.
		{"429", marketplacetest.Fault{Status: 429, RetryAfter: time.Second}, func(err error) bool {
			var rl *marketplace.RateLimitError
			return errors.As(err, &rl) && rl.RetryAfter == time.Second
		}},
		{"429 without Retry-After, then success", marketplacetest.Fault{Status: 429, Times: 2}, func(err error) bool { return err == nil }},
		{"502 then success", marketplacetest.Fault{Status: 502, Times: 1}, func(err error) bool { return err == nil }},
		{"drop then success", marketplacetest.Fault{Drop: true, Times: 1}, func(err error) bool { return err == nil }},
		{"rejected credentials", marketplacetest.Fault{Status: 401}, marketplace.IsCredentialError},
		{"truncated", marketplacetest.Fault{Truncate: true}, isDecodeError},
		{"malformed", marketplacetest.Fault{Malformed: true}, isDecodeError},
		{"persistent 503", marketplacetest.Fault{Status: 503}, func(err error) bool {
			var er *marketplace.ErrorResponse
			return errors.As(err, &er) && er.StatusCode == 503
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim.ClearFaults()
			sim.InjectFault("sales_tier", tt.fault)
			_, _, err := env.client.Sales.Aggregate(ctx, marketplace.SalesByTier, window)
			if !tt.check(err) {
				t.Errorf("error = %v", err)
			}
		})
	}
	sim.ClearFaults()
}

func isDecodeError(err error) bool {
	var de *marketplace.DecodeError
	return errors.As(err, &de)
}

// countingTransport counts the response body bytes read.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{resp.Body, &c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestSimulatorLargeExportStreamsInBoundedMemory exports 100,000 licenses
// and samples the live heap (after a forced collection) every 10,000 rows.
// A client that buffered the body or the rows would grow the live heap by
// about the size of the export; a streaming one stays flat.
func TestSimulatorLargeExportStreamsInBoundedMemory(t *testing.T) {
	sim := newSim(t, marketplacetest.Options{Apps: 2, HistoryDays: 365, Licenses: 102_000})
	// The data runs past today; the export holds the licenses started by then.
	want := 0
	for _, n := range sim.Data().LicenseCounts(marketplace.DateOf(simToday).Time()) {
		want += int(n)
	}
	if want < 100_000 {
		t.Fatalf("the simulator made only %d licenses", want)
	}
	counter := &countingTransport{}
	env := newSimEnv(t, sim, marketplace.APIv2, marketplace.WithHTTPClient(&http.Client{Transport: counter}))

	live := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base, peak := live(), uint64(0)
	rows := 0
	for l, err := range env.client.Licenses.Export(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if l.AddonKey == "" {
			t.Fatalf("row %d has no app key", rows)
		}
		if rows++; rows%10_000 == 0 {
			peak = max(peak, live())
		}
	}
	if rows != want {
		t.Fatalf("exported %d licenses, want %d", rows, want)
	}
	body := uint64(counter.n.Load())
	growth := int64(peak) - int64(base)
	t.Logf("%d rows, %d MB of JSON, live heap grew by at most %d KB", rows, body>>20, growth>>10)
	if growth > int64(body/10) {
		t.Errorf("live heap grew by %d bytes while streaming a %d-byte export", growth, body)
	}
}

func collect[T any](it func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range it {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
