package collector

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// scrapeEnv is an Exporter on an in-process simulator with its /metrics handler, and promhttp
// serving the same state as the reference. The own registry holds the API counters, as in
// main; the live one holds metrics that never change by themselves, so that two scrapes of
// one state are comparable byte for byte, with names that sort before, among and after the
// Exporter's families.
type scrapeEnv struct {
	srv       *marketplacetest.Server
	clock     *marketplacetest.ManualClock
	exp       *Exporter
	own, live *prometheus.Registry
	handler   http.Handler
	reference http.Handler
}

func newScrapeEnv(tb testing.TB, apps int) *scrapeEnv {
	tb.Helper()
	clock := marketplacetest.NewManualClock(testNow)
	srv, err := marketplacetest.NewServer(marketplacetest.Options{Clock: clock, Apps: apps})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	own, live := prometheus.NewRegistry(), prometheus.NewRegistry()
	exp, err := New(Config{
		ClientOptions: []marketplace.Option{
			marketplace.WithBaseURL(srv.URL),
			marketplace.WithCredentials(marketplacetest.DefaultUser, marketplacetest.DefaultToken),
			marketplace.WithVendorID(marketplacetest.DefaultVendorID),
			marketplace.WithRetryPolicy(marketplace.RetryPolicy{MaxAttempts: 1}),
		},
		Clock:      clock,
		Registerer: own,
	})
	if err != nil {
		tb.Fatal(err)
	}
	fixed := func(name string) prometheus.Collector {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: "A live metric for tests."})
		c.Add(3)
		return c
	}
	live.MustRegister(versioncollector.NewCollector("atlassian_marketplace_exporter"),
		fixed("aaa_first_total"), fixed("atlassian_marketplace_mmm_between_total"), fixed("zzz_last_total"))
	env := &scrapeEnv{srv: srv, clock: clock, exp: exp, own: own, live: live,
		handler: exp.Handler(HandlerOpts{Own: own, Live: live, Registry: live})}
	ref := prometheus.NewRegistry()
	ref.MustRegister(exp)
	env.reference = promhttp.HandlerFor(prometheus.Gatherers{ref, own, live}, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, EnableOpenMetrics: true,
	})
	env.refresh(tb)
	return env
}

// refresh runs one refresh of every collector, as the pollers would.
func (e *scrapeEnv) refresh(tb testing.TB) {
	tb.Helper()
	for _, p := range e.exp.pollers {
		if !p.refresh(tb.Context()) {
			tb.Fatalf("%s: refresh skipped", p.name)
		}
	}
}

// response is a scrape's status, headers and decompressed body.
type response struct {
	code int
	hdr  http.Header
	body []byte
}

func scrapeWith(tb testing.TB, h http.Handler, target, accept, acceptEncoding string) response {
	tb.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		body = gunzipOneMember(tb, body)
	}
	return response{rec.Code, rec.Header(), body}
}

// gunzipOneMember decompresses a gzip body that must be exactly one member: a client that
// stops after the first member must still see the whole page.
func gunzipOneMember(tb testing.TB, b []byte) []byte {
	tb.Helper()
	src := bytes.NewReader(b)
	zr, err := gzip.NewReader(src)
	if err != nil {
		tb.Fatalf("gzip header: %v", err)
	}
	zr.Multistream(false)
	out, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("gunzip: %v", err)
	}
	if src.Len() != 0 {
		tb.Fatalf("%d bytes after the first gzip member", src.Len())
	}
	return out
}

// prometheusAccept is what Prometheus 2 sends when it scrapes.
const prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

var (
	accepts = []string{
		"",
		"text/plain;version=0.0.4",
		"text/plain;version=1.0.0;escaping=allow-utf-8",
		prometheusAccept,
		"application/openmetrics-text;version=0.0.1",
		"application/openmetrics-text;version=1.0.0;escaping=underscores",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
		"*/*",
	}
	acceptEncodings = []string{"", "gzip", "gzip;q=0", "identity;q=0.5, gzip", "gzip, identity", "*", "br", "deflate, gzip;q=1.0"}
)

// checkSame scrapes both handlers the same way and fails on any difference in what a client
// sees: status, content type and encoding, Vary, and the decompressed body.
func (e *scrapeEnv) checkSame(t *testing.T, target, accept, acceptEncoding string) {
	t.Helper()
	got := scrapeWith(t, e.handler, target, accept, acceptEncoding)
	want := scrapeWith(t, e.reference, target, accept, acceptEncoding)
	what := fmt.Sprintf("%s Accept %q Accept-Encoding %q", target, accept, acceptEncoding)
	if got.code != want.code {
		t.Errorf("%s: status %d, promhttp %d", what, got.code, want.code)
	}
	for _, h := range []string{"Content-Type", "Content-Encoding"} {
		if got.hdr.Get(h) != want.hdr.Get(h) {
			t.Errorf("%s: %s %q, promhttp %q", what, h, got.hdr.Get(h), want.hdr.Get(h))
		}
	}
	if g, w := strings.Join(got.hdr.Values("Vary"), ","), strings.Join(want.hdr.Values("Vary"), ","); g != w {
		t.Errorf("%s: Vary %q, promhttp %q", what, g, w)
	}
	if !bytes.Equal(got.body, want.body) {
		t.Errorf("%s: body differs from promhttp's (%d bytes, want %d)\n%s", what, len(got.body), len(want.body), firstDifference(got.body, want.body))
	}
}

// firstDifference shows the line where two pages part.
func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n got  %q\n want %q", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("one is a prefix of the other (%d and %d lines)", len(al), len(bl))
}

// TestHandlerServesWhatPromhttpServes compares the cached handler with promhttp over the same
// registry state, for every format and compression a client can negotiate, after a refresh,
// after a failed refresh and after a successful one with new values.
func TestHandlerServesWhatPromhttpServes(t *testing.T) {
	env := newScrapeEnv(t, 2)
	compareAll := func(t *testing.T) {
		for _, a := range accepts {
			for _, ae := range acceptEncodings {
				env.checkSame(t, "/metrics", a, ae)
			}
		}
		env.checkSame(t, "/metrics?name[]=atlassian_marketplace_licenses&name[]=zzz_last_total", "", "gzip")
	}
	t.Run("after a refresh", compareAll)

	before := scrapeWith(t, env.handler, "/metrics", "", "")
	env.srv.InjectFault(marketplacetest.AllEndpoints, marketplacetest.Fault{Status: http.StatusServiceUnavailable})
	env.clock.Advance(48 * time.Hour)
	env.refresh(t)
	t.Run("after a failed refresh", compareAll)
	failed := scrapeWith(t, env.handler, "/metrics", "", "")
	if !bytes.Contains(failed.body, []byte(`atlassian_marketplace_refresh_success{collector="sales"} 0`)) {
		t.Error("the failed refresh does not show")
	}
	if !bytes.Contains(failed.body, []byte("atlassian_marketplace_sales_revenue_usd{")) {
		t.Error("the last good values are gone after a failed refresh")
	}

	env.srv.ClearFaults()
	env.refresh(t)
	t.Run("after a new snapshot", compareAll)
	after := scrapeWith(t, env.handler, "/metrics", "", "")
	if bytes.Equal(stripRefreshMetrics(before.body), stripRefreshMetrics(after.body)) {
		t.Error("the page did not change with two days of new data")
	}
}

// TestHandlerWithoutLiveMetrics serves the cached parts alone, as the binary does with
// --web.disable-exporter-metrics.
func TestHandlerWithoutLiveMetrics(t *testing.T) {
	env := newScrapeEnv(t, 2)
	ref := prometheus.NewRegistry()
	ref.MustRegister(env.exp)
	env.handler = env.exp.Handler(HandlerOpts{Own: env.own})
	env.reference = promhttp.HandlerFor(prometheus.Gatherers{ref, env.own}, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, EnableOpenMetrics: true,
	})
	for _, a := range accepts {
		env.checkSame(t, "/metrics", a, "gzip")
	}
	env.checkSame(t, "/metrics", "", "")
}

// stripRefreshMetrics drops the lines that change with every refresh whatever the data.
func stripRefreshMetrics(b []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, "refresh_") && !strings.Contains(l, "api_request") {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

// TestHandlerFollowsTheCounters makes API requests outside a refresh: the counters change
// without a snapshot swap, and the page must show them at once.
func TestHandlerFollowsTheCounters(t *testing.T) {
	env := newScrapeEnv(t, 2)
	count := func() string {
		t.Helper()
		body := scrapeWith(t, env.handler, "/metrics", "", "gzip").body
		for _, l := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(l, `atlassian_marketplace_api_requests_total{code="200",endpoint="apps"}`) {
				return l
			}
		}
		t.Fatal("no apps requests counted")
		return ""
	}
	before := count()
	if _, _, err := env.exp.Client().Apps.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	if after := count(); after == before {
		t.Fatalf("still %q after one more request", after)
	}
	env.checkSame(t, "/metrics", prometheusAccept, "gzip")
}

// TestHandlerConcurrentScrapesWhileSnapshotsSwap scrapes from several goroutines while the
// collectors refresh with changing data: every page must parse and hold every family. Run
// with -race, it also checks the cache for data races.
func TestHandlerConcurrentScrapesWhileSnapshotsSwap(t *testing.T) {
	env := newScrapeEnv(t, 2)
	want := scrapeWith(t, env.handler, "/metrics", "", "")
	families := parseFamilies(t, want.body)

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for range 5 {
			env.clock.Advance(24 * time.Hour)
			env.refresh(t)
		}
	})
	for i := range 4 {
		wg.Go(func() {
			ae := []string{"", "gzip"}[i%2]
			for n := 0; n < 1000; n++ {
				select {
				case <-done:
					if n > 0 {
						return
					}
				default:
				}
				r := scrapeWith(t, env.handler, "/metrics", "", ae)
				got := parseFamilies(t, r.body)
				for name := range families {
					if _, ok := got[name]; !ok {
						t.Errorf("a scrape during refreshes lacks %s", name)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func parseFamilies(t *testing.T, body []byte) map[string]bool {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the page does not parse: %v", err)
	}
	names := map[string]bool{}
	for n := range mfs {
		names[n] = true
	}
	return names
}

// TestHandlerNegotiatesGzipLikePromhttp checks the compression choice on its own, for headers
// the page comparison does not cover.
func TestHandlerNegotiatesGzipLikePromhttp(t *testing.T) {
	ref := promhttp.HandlerFor(prometheus.NewRegistry(), promhttp.HandlerOpts{})
	for _, ae := range append(acceptEncodings, "GZIP", "gzip;q=0.001", "identity, gzip;q=0.5", "*;q=0", "gzip;q=1, *;q=0.5", " gzip ; q=0.8 ", "gzip ; q=0.8", "x;q=bad, gzip", "gzip;q=0.5, identity;q=0.25", "x-gzip", "gzip;level=1") {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept-Encoding", ae)
		rec := httptest.NewRecorder()
		ref.ServeHTTP(rec, req)
		if want := rec.Header().Get("Content-Encoding") == "gzip"; acceptsGzip(req) != want {
			t.Errorf("Accept-Encoding %q: gzip %v, promhttp %v", ae, acceptsGzip(req), want)
		}
	}
}

// TestHandlerScrapesNeverCallTheAPI scrapes in every format after a refresh: no request.
func TestHandlerScrapesNeverCallTheAPI(t *testing.T) {
	env := newScrapeEnv(t, 2)
	before := env.srv.RequestCounts()
	for _, a := range accepts {
		for _, ae := range []string{"", "gzip"} {
			if r := scrapeWith(t, env.handler, "/metrics", a, ae); r.code != http.StatusOK {
				t.Fatalf("status %d", r.code)
			}
		}
	}
	after := env.srv.RequestCounts()
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("scrapes called the API:\nbefore %v\nafter  %v", before, after)
	}
}

// TestHandlerReportsGatherErrors makes the live side fail: the page still serves what it has,
// counts the error as promhttp does, and answers 500 only when there is nothing at all.
func TestHandlerReportsGatherErrors(t *testing.T) {
	env := newScrapeEnv(t, 2)
	reg := prometheus.NewRegistry()
	failing := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return nil, fmt.Errorf("live side broken") })
	var logged strings.Builder
	h := env.exp.Handler(HandlerOpts{Live: failing, Registry: reg, ErrorLog: printlnTo{&logged}})
	r := scrapeWith(t, h, "/metrics", "", "gzip")
	if r.code != http.StatusOK || !bytes.Contains(r.body, []byte("atlassian_marketplace_licenses{")) {
		t.Fatalf("status %d, %d bytes: want the cached families", r.code, len(r.body))
	}
	if !strings.Contains(logged.String(), "live side broken") {
		t.Errorf("log %q does not name the error", logged.String())
	}
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || mfs[0].GetName() != "promhttp_metric_handler_errors_total" {
		t.Fatalf("error counter: %v %v", mfs, err)
	}
	for _, m := range mfs[0].GetMetric() {
		if m.GetLabel()[0].GetValue() == "gathering" && m.GetCounter().GetValue() != 1 {
			t.Errorf("gathering errors = %v, want 1", m.GetCounter().GetValue())
		}
	}

	empty, err := New(Config{Collectors: []Setting{}, Registerer: prometheus.NewRegistry(),
		ClientOptions: []marketplace.Option{marketplace.WithVendorID(1), marketplace.WithCredentials("u", "t")}})
	if err != nil {
		t.Fatal(err)
	}
	if r := scrapeWith(t, empty.Handler(HandlerOpts{Live: failing}), "/metrics", "", "gzip"); r.code != http.StatusInternalServerError {
		t.Errorf("nothing to serve: status %d, want 500", r.code)
	}
}

// printlnTo is a promhttp.Logger writing to a strings.Builder.
type printlnTo struct{ b *strings.Builder }

func (p printlnTo) Println(v ...any) { fmt.Fprintln(p.b, v...) }
