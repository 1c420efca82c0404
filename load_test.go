package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/marketplace-exporter/marketplace_exporter/collector"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// Load test bounds: scrapers in parallel, scrapes in all, the size of the vendor, and a
// deadline that ends the test however slow the machine. make test runs a small load under the
// race detector; make load runs large ones (LOAD_APPS=100).
var (
	loadScrapers = envInt("LOAD_SCRAPERS", 32)
	loadScrapes  = envInt("LOAD_SCRAPES", 320)
	loadApps     = envInt("LOAD_APPS", 10)
	loadDeadline = 10 * time.Minute
	// Short enough to swap snapshots many times under the scrapes, long enough for a refresh
	// of the vendor to finish while the scrapers take the CPU (the interval is also the
	// refresh's deadline).
	loadInterval = envDuration("LOAD_INTERVAL", 2*time.Second)
)

// envDuration reads a positive duration from the environment, or returns def.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// envInt reads a positive number from the environment, or returns def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// loadFigures is what one load run measured.
type loadFigures struct {
	scrapes, failed int
	elapsed         time.Duration
	p50, p99, max   time.Duration
	bytes           int // of the last scrape
	refreshRequests int // API requests the refreshes sent during the load
	swapped         int // collectors whose last-success timestamp moved during the load
}

// TestLoadScrapesWhileRefreshing scrapes an exporter of a large simulated vendor from many
// goroutines while every collector refreshes on a short interval, swapping snapshots under the
// scrapes. No scrape may fail, and after the exporter stops, its goroutines and heap must be
// gone. The figures are logged (go test -run Load -v).
func TestLoadScrapesWhileRefreshing(t *testing.T) {
	srv, err := marketplacetest.NewServer(marketplacetest.Options{Apps: loadApps, HistoryDays: 120, Licenses: 20 * loadApps})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	goroutinesBefore, heapBefore := settledRuntime()
	f := runLoad(t, srv)
	goroutinesAfter := waitGoroutines(t, goroutinesBefore)
	_, heapAfter := settledRuntime()

	t.Logf("load: %d apps, %d scrapers, %d scrapes in %v (%.0f scrapes/s), latency p50 %v p99 %v max %v, %d KiB per scrape, %d API requests by refreshes meanwhile, %d collectors swapped snapshots",
		loadApps, loadScrapers, f.scrapes, f.elapsed.Round(time.Millisecond), float64(f.scrapes)/f.elapsed.Seconds(),
		f.p50.Round(time.Microsecond), f.p99.Round(time.Microsecond), f.max.Round(time.Microsecond), f.bytes/1024, f.refreshRequests, f.swapped)
	t.Logf("goroutines before %d, after %d; heap in use before %d KiB, after %d KiB",
		goroutinesBefore, goroutinesAfter, heapBefore/1024, heapAfter/1024)
	if f.failed > 0 {
		t.Errorf("%d of %d scrapes failed", f.failed, f.scrapes)
	}
	if f.scrapes < loadScrapes {
		t.Errorf("only %d of %d scrapes within %v", f.scrapes, loadScrapes, loadDeadline)
	}
	if f.swapped == 0 {
		t.Errorf("no refresh succeeded during the load (%d API requests): nothing was swapped under the scrapes", f.refreshRequests)
	}
	// A tolerance for what the runtime and the test framework allocate on their own.
	const heapSlack = 16 << 20
	if heapAfter > heapBefore+heapSlack {
		t.Errorf("heap in use grew from %d KiB to %d KiB after the exporter stopped", heapBefore/1024, heapAfter/1024)
	}
}

// runLoad starts an exporter against srv, scrapes it, stops it, and returns the figures. It
// keeps every reference to the exporter inside, so that its memory can be collected after.
func runLoad(t *testing.T, srv *marketplacetest.Server) loadFigures {
	var settings []collector.Setting
	for _, name := range collector.Names() {
		settings = append(settings, collector.Setting{Name: name, Interval: loadInterval})
	}
	exp, h := simExporter(t, srv, settings)
	ts := httptest.NewServer(h)
	defer ts.Close()
	// Under the race detector 32 scrapes of a large vendor share two cores for a minute.
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: loadScrapers}}
	defer client.CloseIdleConnections()

	defer runExporter(exp)()
	// The load starts once every collector has served its series.
	deadline := time.Now().Add(loadDeadline)
	for {
		_, err := scrapeOnce(client, ts.URL+"/metrics")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete scrape before the load: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	requestsBefore := totalRequests(srv)
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		failed    int
		lastBytes int
		wg        sync.WaitGroup

		firstBody, lastBody []byte
	)
	start := time.Now()
	for range loadScrapers {
		wg.Go(func() {
			for next.Add(1) <= int64(loadScrapes) && time.Now().Before(deadline) {
				t0 := time.Now()
				body, err := scrapeOnce(client, ts.URL+"/metrics")
				took := time.Since(t0)
				n := len(body)
				mu.Lock()
				if err == nil {
					// Read after the load: a regexp over megabytes under the lock would
					// serialize the scrapers.
					if firstBody == nil {
						firstBody = body
					}
					lastBody = body
				}
				latencies = append(latencies, took)
				if err != nil {
					failed++
					if failed <= 3 {
						t.Errorf("scrape: %v", err)
					}
				}
				lastBytes = n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	swapped := 0
	first, last := lastSuccess(firstBody), lastSuccess(lastBody)
	for c, ts := range last {
		if first[c] != ts {
			swapped++
		}
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	return loadFigures{
		scrapes: len(latencies), failed: failed, elapsed: elapsed,
		p50: pct(0.50), p99: pct(0.99), max: pct(1),
		bytes: lastBytes, refreshRequests: totalRequests(srv) - requestsBefore,
		swapped: swapped,
	}
}

// simExporter builds an exporter of the collectors in settings (nil: the defaults) against the
// simulator srv, registered on a registry of its own, and the handler main serves it with.
func simExporter(t *testing.T, srv *marketplacetest.Server, settings []collector.Setting) (*collector.Exporter, http.Handler) {
	t.Helper()
	reg, own := prometheus.NewRegistry(), prometheus.NewRegistry()
	exp, err := collector.New(collector.Config{
		ClientOptions: []marketplace.Option{
			marketplace.WithBaseURL(srv.URL),
			marketplace.WithCredentials(marketplacetest.DefaultUser, marketplacetest.DefaultToken),
			marketplace.WithVendorID(marketplacetest.DefaultVendorID),
		},
		Collectors: settings,
		Registerer: own,
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(&config{telemetryPath: "/metrics"}, reg, own, exp, log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	return exp, h
}

// runExporter runs exp in the background; the returned func stops it and returns once Run
// has.
func runExporter(exp *collector.Exporter) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		exp.Run(ctx)
		close(done)
	}()
	return func() {
		cancel()
		<-done
	}
}

// scrapeOnce fetches url and checks that it is a whole exposition.
func scrapeOnce(c *http.Client, url string) ([]byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return b, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("status %d", resp.StatusCode)
	}
	if !bytes.Contains(b, []byte("atlassian_marketplace_licenses{")) || !bytes.Contains(b, []byte("atlassian_marketplace_evaluations{")) {
		return b, fmt.Errorf("a scrape of %d bytes lacks the license or evaluation series", len(b))
	}
	return b, nil
}

var lastSuccessRE = regexp.MustCompile(`(?m)^atlassian_marketplace_last_refresh_success_timestamp_seconds\{collector="(\w+)"\} (\S+)$`)

// lastSuccess returns the last-success timestamps of an exposition, by collector.
func lastSuccess(body []byte) map[string]string {
	out := map[string]string{}
	for _, m := range lastSuccessRE.FindAllSubmatch(body, -1) {
		out[string(m[1])] = string(m[2])
	}
	return out
}

func totalRequests(srv *marketplacetest.Server) int {
	n := 0
	for _, c := range srv.RequestCounts() {
		n += c
	}
	return n
}

// settledRuntime returns the goroutine count and the heap in use after a full collection.
func settledRuntime() (int, uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapInuse
}

// waitGoroutines polls until no more goroutines run than want (connections and timers wind
// down asynchronously), and fails after a deadline with the stacks of the ones left.
func waitGoroutines(t *testing.T, want int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return n
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines 20s after the exporter stopped, %d before it started:\n%s", n, want, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
