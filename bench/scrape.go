package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/marketplace-exporter/marketplace_exporter/collector"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// Measurement 1: the cost of a scrape against the floor, a plain handler serving the same
// bytes from memory, both in this process over loopback HTTP with the same client.

// prometheusAccept and the gzip encoding are what Prometheus 2 sends when it scrapes.
const prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

type scrapeProfile struct{ name, accept, acceptEncoding string }

var scrapeProfiles = []scrapeProfile{
	{"Prometheus (OpenMetrics, gzip)", prometheusAccept, "gzip"},
	{"plain text, no gzip", "", ""},
}

type vendorSize struct {
	name string
	apps int
}

// inProcessExporter is the exporter wired as main wires it (registries, handler, self
// metrics), refreshed once against an in-process simulator.
type inProcessExporter struct {
	sim      *marketplacetest.Server
	handlers []variant
	before   http.Handler // promhttp over the same registries: the design this replaced
	stop     func()
}

// variant is /metrics as the binary serves it with one set of flags.
type variant struct {
	name    string
	handler http.Handler
}

func newInProcessExporter(apps int) (*inProcessExporter, error) {
	sim, err := marketplacetest.NewServer(marketplacetest.Options{Apps: apps})
	if err != nil {
		return nil, err
	}
	own := prometheus.NewRegistry()
	exp, err := collector.New(collector.Config{
		ClientOptions: []marketplace.Option{
			marketplace.WithBaseURL(sim.URL),
			marketplace.WithCredentials(marketplacetest.DefaultUser, marketplacetest.DefaultToken),
			marketplace.WithVendorID(marketplacetest.DefaultVendorID),
		},
		Registerer: own,
	})
	if err != nil {
		sim.Close()
		return nil, err
	}
	// As main's metricsHandler, with and without --web.disable-exporter-metrics.
	own.MustRegister(versioncollector.NewCollector("atlassian_marketplace_exporter"))
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collector.NewProcessCollector())
	e := &inProcessExporter{sim: sim, handlers: []variant{
		{"default flags", promhttp.InstrumentMetricHandler(reg, exp.Handler(collector.HandlerOpts{Own: own, Live: reg, Registry: reg}))},
		{"--web.disable-exporter-metrics", exp.Handler(collector.HandlerOpts{Own: own})},
	}}
	snapshots := prometheus.NewRegistry()
	snapshots.MustRegister(exp)
	e.before = promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(prometheus.Gatherers{snapshots, own, reg},
		promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Registry: reg, EnableOpenMetrics: true}))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		exp.Run(ctx)
		close(done)
	}()
	e.stop = func() {
		cancel()
		<-done
		sim.Close()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !exp.Ready() {
		if time.Now().After(deadline) {
			e.stop()
			return nil, fmt.Errorf("%d apps: not refreshed within 2 minutes", apps)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return e, nil
}

// captured is one response, replayed by the floor.
type captured struct {
	header http.Header
	body   []byte
}

func capture(h http.Handler, p scrapeProfile) captured {
	w := &recorder{header: http.Header{}}
	h.ServeHTTP(w, newScrapeRequest("http://bench/metrics", p))
	return captured{header: w.header, body: w.body.Bytes()}
}

// floor serves the captured response from memory: what any handler must at least do.
func (c captured) floor() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range c.header {
			w.Header()[k] = v
		}
		w.Write(c.body)
	})
}

func newScrapeRequest(url string, p scrapeProfile) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if p.accept != "" {
		req.Header.Set("Accept", p.accept)
	}
	if p.acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", p.acceptEncoding)
	}
	return req
}

// recorder is a ResponseWriter that keeps the response.
type recorder struct {
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(int)             {}
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

// discard is a ResponseWriter that drops the response, for counting the handler's
// allocations alone.
type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// serve starts h on a loopback port.
func serve(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	return "http://" + l.Addr().String(), func() { srv.Close() }, nil
}

// scrapeOnce fetches url with the profile's headers and reads the whole body, as a scraper
// would (without decompressing: that cost is the client's, the same for every server).
func scrapeOnce(client *http.Client, url string, p scrapeProfile) (time.Duration, error) {
	req := newScrapeRequest(url, p)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	return took, err
}

// allocsPerScrape serves n requests without HTTP and reports the mean allocations and bytes
// allocated per request: the handler's own, which the network client does not blur.
func allocsPerScrape(h http.Handler, p scrapeProfile, n int) (allocs, bytes float64) {
	req := newScrapeRequest("http://bench/metrics", p)
	w := &discard{header: http.Header{}}
	h.ServeHTTP(w, req)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		clear(w.header)
		h.ServeHTTP(w, req)
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(n), float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
}

// countSeries counts the samples and families of a text exposition.
func countSeries(body []byte) (series, families int) {
	for _, l := range bytes.Split(body, []byte("\n")) {
		switch {
		case len(l) == 0:
		case bytes.HasPrefix(l, []byte("# TYPE ")):
			families++
		case l[0] != '#':
			series++
		}
	}
	return series, families
}

// latencies serves two handlers on loopback ports and scrapes each n times, alternating which
// goes first so that the machine's noise hits both alike, after n/10 untimed scrapes of each.
func latencies(client *http.Client, ha, hb http.Handler, p scrapeProfile, n int) (la, lb []time.Duration, err error) {
	a, stopA, err := serve(ha)
	if err != nil {
		return nil, nil, err
	}
	defer stopA()
	b, stopB, err := serve(hb)
	if err != nil {
		return nil, nil, err
	}
	defer stopB()
	for i := range n + n/10 {
		first, second := a, b
		if i%2 == 1 {
			first, second = b, a
		}
		for _, u := range []string{first, second} {
			d, err := scrapeOnce(client, u, p)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case i < n/10: // warm-up: connections, caches, the first encoding
			case u == a:
				la = append(la, d)
			default:
				lb = append(lb, d)
			}
		}
	}
	return la, lb, nil
}

// measureScrape runs measurement 1 for every size, profile and flag variant: n timed scrapes
// of each of ours and the floor serving the same response.
func measureScrape(r *report, sizes []vendorSize, largest string, n int) error {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}}
	for _, size := range sizes {
		log.Printf("scrape: %s vendor (%d apps): refreshing", size.name, size.apps)
		e, err := newInProcessExporter(size.apps)
		if err != nil {
			return err
		}
		requestsBefore := fmt.Sprint(e.sim.RequestCounts())
		series, families := countSeries(capture(e.handlers[0].handler, scrapeProfile{}).body)
		caseName := fmt.Sprintf("%s: %d apps, %s series in %d families", size.name, size.apps, fmtCount(series), families)
		scrapes := 0
		for _, p := range scrapeProfiles {
			for _, v := range e.handlers {
				got := capture(v.handler, p)
				log.Printf("scrape: %s, %s, %s: %d scrapes of each", size.name, p.name, v.name, n)
				ours, floor, err := latencies(client, v.handler, got.floor(), p, n)
				if err != nil {
					return err
				}
				scrapes += n + n/10
				p50, p99 := percentile(ours, 50), percentile(ours, 99)
				f50, f99 := percentile(floor, 50), percentile(floor, 99)
				target, ok := "", ""
				if size.name == largest {
					target, ok = "p50 ≤ 2× floor", met(float64(p50) <= 2*float64(f50))
				}
				r.add(row{"1 scrape p50 / p99", fmt.Sprintf("%s; %s, %s response; %s", caseName, p.name, fmtBytes(float64(len(got.body))), v.name),
					fmtDur(p50) + " / " + fmtDur(p99), fmtDur(f50) + " / " + fmtDur(f99) + " (floor)",
					fmtRatio(float64(p50)/float64(f50)) + " / " + fmtRatio(float64(p99)/float64(f99)), target, ok})
				if p == scrapeProfiles[0] {
					oursAllocs, oursBytes := allocsPerScrape(v.handler, p, 100)
					floorAllocs, floorBytes := allocsPerScrape(got.floor(), p, 100)
					r.add(row{"1 allocations per scrape", fmt.Sprintf("%s; %s; %s", caseName, p.name, v.name),
						fmt.Sprintf("%s (%s)", fmtCount(oursAllocs), fmtBytes(oursBytes)),
						fmt.Sprintf("%s (%s) (floor)", fmtCount(floorAllocs), fmtBytes(floorBytes)), "", "", ""})
				}
			}
		}
		// The design this replaced, promhttp encoding everything on every scrape: slow at the
		// larger sizes, so fewer scrapes, enough for a median.
		p := scrapeProfiles[0]
		k := max(10, n/20)
		before, floor, err := latencies(client, e.before, capture(e.handlers[0].handler, p).floor(), p, k)
		if err != nil {
			return err
		}
		scrapes += k + k/10
		b50, f50 := percentile(before, 50), percentile(floor, 50)
		r.add(row{"1 before: promhttp p50", fmt.Sprintf("%s; %s; default flags; every family encoded on every scrape, as before this design", caseName, p.name),
			fmtDur(b50), fmtDur(f50) + " (floor)", fmtRatio(float64(b50) / float64(f50)), "", ""})

		clean := requestsBefore == fmt.Sprint(e.sim.RequestCounts())
		r.add(row{"1 API requests on the scrape path", fmt.Sprintf("%s; %d scrapes", caseName, scrapes),
			map[bool]string{true: "0", false: "some"}[clean], "", "", "0", met(clean)})
		e.stop()
	}
	return nil
}
