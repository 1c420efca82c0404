package main

import (
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/marketplace-exporter/marketplace_exporter/collector"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// Measurement 2: a full refresh of every collector against the ideal, with the simulator
// adding a fixed latency to every request.

// exporterChild is the exporter binary running against a simulator child.
type exporterChild struct{ *child }

// startExporter runs the exporter binary against sim with the default collectors,
// intervals, windows and concurrency, as a vendor would, plus args.
func startExporter(bin string, sim *simulator, env []string, args ...string) (*exporterChild, error) {
	env = append(env, "MARKETPLACE_USER="+marketplacetest.DefaultUser, "MARKETPLACE_API_TOKEN="+marketplacetest.DefaultToken)
	args = append([]string{"--web.listen-address=127.0.0.1:0", "--marketplace.url=" + sim.base,
		"--marketplace.vendor-id=" + strconv.Itoa(marketplacetest.DefaultVendorID), "--log.format=json"}, args...)
	c, err := startChild("exporter", bin, env, args...)
	if err != nil {
		return nil, err
	}
	return &exporterChild{c}, nil
}

// metrics scrapes the exporter and parses the page.
func (e *exporterChild) metrics() (map[string][]sample, error) {
	resp, err := http.Get(e.base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return parseSamples(body)
}

// sample is one series of a scraped page.
type sample struct {
	labels map[string]string
	value  float64
}

func parseSamples(body []byte) (map[string][]sample, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	out := map[string][]sample{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			s := sample{labels: map[string]string{}}
			for _, lp := range m.GetLabel() {
				s.labels[lp.GetName()] = lp.GetValue()
			}
			switch {
			case m.Gauge != nil:
				s.value = m.GetGauge().GetValue()
			case m.Counter != nil:
				s.value = m.GetCounter().GetValue()
			case m.Untyped != nil:
				s.value = m.GetUntyped().GetValue()
			}
			out[name] = append(out[name], s)
		}
	}
	return out, nil
}

// byCollector returns a family's values by the collector label.
func byCollector(ms map[string][]sample, family string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range ms[family] {
		out[s.labels["collector"]] = s.value
	}
	return out
}

// collectorOf maps a simulator endpoint name to the collector that calls it.
func collectorOf(endpoint string) string {
	switch {
	case strings.HasSuffix(endpoint, "_benchmark"): // before sales_: sales_benchmark
		return "benchmarks"
	case strings.HasPrefix(endpoint, "evaluations_"):
		return "evaluations"
	case strings.HasPrefix(endpoint, "sales_"):
		return "sales"
	case strings.HasPrefix(endpoint, "feedback_"):
		return "feedback"
	case endpoint == "churn", endpoint == "conversion", endpoint == "renewal":
		return "cloud"
	case strings.HasPrefix(endpoint, "licenses"):
		return "licenses"
	case endpoint == "partner_metrics":
		return "mrr"
	case strings.HasPrefix(endpoint, "app"):
		return "apps"
	}
	return endpoint
}

// refreshRun is what measurement 2 leaves for measurement 4: the exporter and simulator
// still running, and the requests of the first refresh.
type refreshRun struct {
	sim              *simulator
	exp              *exporterChild
	requests         map[string]int
	intervals        map[string]float64
	latency          time.Duration
	startupRequests  int
	steadyPerHour    float64
	refreshDurations map[string]float64
}

// measureRefresh runs measurement 2 and leaves the exporter running for measurement 4.
func measureRefresh(r *report, self, bin string, apps int, latency time.Duration) (*refreshRun, error) {
	log.Printf("refresh: simulator with %d apps and %s per request", apps, latency)
	sim, err := startSimulator(self, "-apps", strconv.Itoa(apps), "-latency", latency.String())
	if err != nil {
		return nil, err
	}
	exp, err := startExporter(bin, sim, nil)
	if err != nil {
		sim.stop()
		return nil, err
	}
	run := &refreshRun{sim: sim, exp: exp, latency: latency}
	if err := waitReady(exp.base+"/-/ready", 5*time.Minute); err != nil {
		run.stop()
		return nil, err
	}
	ms, err := exp.metrics()
	if err != nil {
		run.stop()
		return nil, err
	}
	if run.requests, err = sim.requests(); err != nil {
		run.stop()
		return nil, err
	}
	run.refreshDurations = byCollector(ms, "atlassian_marketplace_refresh_duration_seconds")
	run.intervals = byCollector(ms, "atlassian_marketplace_refresh_interval_seconds")
	perCollector := map[string]int{}
	for endpoint, n := range run.requests {
		run.startupRequests += n
		perCollector[collectorOf(endpoint)] += n
	}
	for c, n := range perCollector {
		if iv := run.intervals[c]; iv > 0 {
			run.steadyPerHour += float64(n) * 3600 / iv
		}
	}
	full := 0.0
	for _, d := range run.refreshDurations {
		full = max(full, d)
	}
	concurrency := collector.DefaultConcurrency
	rounds := int(math.Ceil(float64(run.startupRequests) / float64(concurrency)))
	ideal := time.Duration(rounds) * latency
	took := time.Duration(full * float64(time.Second))
	ratio := took.Seconds() / ideal.Seconds()
	r.add(row{"2 full refresh",
		fmt.Sprintf("%d apps, every collector at once, %s per request, concurrency %d: %d requests, ideal = ceil(%d/%d) × %s",
			apps, latency, concurrency, run.startupRequests, run.startupRequests, concurrency, latency),
		fmtDur(took), fmtDur(ideal) + " (ideal)", fmtRatio(ratio), "≤ 1.2× ideal", met(ratio <= 1.2)})
	slowest, slowestName := 0.0, ""
	for c, d := range run.refreshDurations {
		if d > slowest || (d == slowest && c < slowestName) {
			slowest, slowestName = d, c
		}
	}
	r.add(row{"2 requests per refresh", fmt.Sprintf("%d apps; by collector: %s; slowest collector: %s", apps, describeCounts(perCollector), slowestName),
		strconv.Itoa(run.startupRequests), "", "", "", ""})
	return run, nil
}

func (run *refreshRun) stop() {
	run.exp.stop()
	run.sim.stop()
}

// describeCounts lists counts as name=n, in name order.
func describeCounts(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
