package collector

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// The hot paths, so that a regression shows: a scrape (cached, against promhttp over the same
// state), the encoding after a snapshot change, a full refresh, and the license export that
// dominates a big vendor's refresh. make bench runs them; make test runs each once.

// discardResponse is a ResponseWriter that counts and drops the body.
type discardResponse struct {
	hdr   http.Header
	bytes int
}

func (d *discardResponse) Header() http.Header         { return d.hdr }
func (d *discardResponse) WriteHeader(int)             {}
func (d *discardResponse) Write(p []byte) (int, error) { d.bytes += len(p); return len(p), nil }

// benchScrape serves one request shape over and over, reporting the response size.
func benchScrape(b *testing.B, h http.Handler, accept, acceptEncoding string) {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	w := &discardResponse{hdr: http.Header{}}
	h.ServeHTTP(w, req) // the first scrape after a refresh encodes: not the steady state
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.hdr)
		w.bytes = 0
		h.ServeHTTP(w, req)
	}
	b.ReportMetric(float64(w.bytes), "resp-bytes")
}

// scrapeProfiles are the request shapes benchmarked: a plain client, and Prometheus.
var scrapeProfiles = []struct{ name, accept, acceptEncoding string }{
	{"text", "", ""},
	{"prometheus-gzip", prometheusAccept, "gzip"},
}

// BenchmarkScrape scrapes a small (2 apps) and a large (100 apps) vendor through the cached
// handler and through promhttp, with the Go and process collectors live as in the binary, and
// through the cached handler without them (--web.disable-exporter-metrics).
func BenchmarkScrape(b *testing.B) {
	for _, apps := range []int{2, 100} {
		env := newScrapeEnv(b, apps)
		bare := env.exp.Handler(HandlerOpts{Own: env.own})
		env.live.MustRegister(collectors.NewGoCollector(), NewProcessCollector())
		for _, p := range scrapeProfiles {
			for _, h := range []struct {
				name    string
				handler http.Handler
			}{{"cached", env.handler}, {"promhttp", env.reference}, {"cached-no-self-metrics", bare}} {
				b.Run(fmt.Sprintf("apps=%d/%s/%s", apps, p.name, h.name), func(b *testing.B) {
					benchScrape(b, h.handler, p.accept, p.acceptEncoding)
				})
			}
		}
	}
}

// BenchmarkSelfMetrics is what the Go and process collectors cost on every scrape (gathered
// and encoded), the part of a scrape that no cache can take away: it is most of what a
// scrape with default flags costs above the floor.
func BenchmarkSelfMetrics(b *testing.B) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), NewProcessCollector())
	var buf bytes.Buffer
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		mfs, err := reg.Gather()
		if err != nil {
			b.Fatal(err)
		}
		enc := expfmt.NewEncoder(&buf, format)
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSelfMetricsParts splits BenchmarkSelfMetrics into its parts, to see where a
// default-flags scrape goes: gathering each collector alone (client_golang's process collector
// for comparison), encoding the live families as OpenMetrics and adding them to the gzip
// stream as stored blocks. BenchmarkProcReads is the floor of the process part.
func BenchmarkSelfMetricsParts(b *testing.B) {
	gatherer := func(c prometheus.Collector) prometheus.Gatherer {
		reg := prometheus.NewRegistry()
		reg.MustRegister(c)
		return reg
	}
	both := gatherer(collectors.NewGoCollector())
	both.(*prometheus.Registry).MustRegister(NewProcessCollector())
	for _, g := range []struct {
		name string
		g    prometheus.Gatherer
	}{
		{"gather-go", gatherer(collectors.NewGoCollector())},
		{"gather-process", gatherer(NewProcessCollector())},
		{"gather-process-client_golang", gatherer(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))},
		{"gather-both", both},
	} {
		b.Run(g.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.g.Gather(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	mfs, err := both.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var live bytes.Buffer
	b.Run("encode-openmetrics", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			live.Reset()
			enc := expfmt.NewEncoder(&live, expfmt.NewFormat(expfmt.TypeOpenMetrics))
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(live.Len()), "bytes")
	})
	b.Run("gzip-stored", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g := newSplicedGzip(io.Discard)
			g.stored(live.Bytes())
			if err := g.close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSnapshotEncoding is what the first scrape after a refresh pays at 100 apps:
// gathering and encoding the Exporter's families, and compressing them for gzip.
func BenchmarkSnapshotEncoding(b *testing.B) {
	env := newScrapeEnv(b, 100)
	snapshots := env.handler.(*expositionHandler).parts[0].gatherer
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	b.ReportAllocs()
	for b.Loop() {
		enc := encode(snapshots, format)
		enc.gzipLayout([][2]int{{0, len(enc.names)}})
	}
}

// BenchmarkRefresh refreshes every collector of a 20-app vendor at once, as at start-up,
// against the in-process simulator (whose own work is included).
func BenchmarkRefresh(b *testing.B) {
	env := newScrapeEnv(b, 20)
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for _, p := range env.exp.pollers {
			wg.Go(func() { p.refresh(b.Context()) })
		}
		wg.Wait()
	}
}

// BenchmarkLicensesExport decodes and counts a 10,000-license export served from memory: the
// work of the licenses collector per row, without the simulator's.
func BenchmarkLicensesExport(b *testing.B) {
	sim, err := marketplacetest.NewServer(marketplacetest.Options{Clock: marketplacetest.NewManualClock(testNow), Licenses: 10_000})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	req, _ := http.NewRequest(http.MethodGet, sim.URL+"/rest/2/vendors/12345/reporting/licenses/export?accept=json", nil)
	req.SetBasicAuth(marketplacetest.DefaultUser, marketplacetest.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("export: %d %v", resp.StatusCode, err)
	}
	canned := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer canned.Close()
	client, err := marketplace.NewClient(marketplace.WithBaseURL(canned.URL), marketplace.WithVendorID(marketplacetest.DefaultVendorID),
		marketplace.WithCredentials(marketplacetest.DefaultUser, marketplacetest.DefaultToken))
	if err != nil {
		b.Fatal(err)
	}
	c := &licensesCollector{api: client.Licenses}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := c.samples(b.Context(), testNow); err != nil {
			b.Fatal(err)
		}
	}
}
