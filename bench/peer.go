package main

import (
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Measurement 4: API requests and scrape latency against json_exporter, which calls the API
// on every scrape, both scraped every 15 s against the same simulator with the same latency.
//
// The hour is simulated: each target's scrapes of one hour (240 at 15 s) run back to back, all
// targets at once as Prometheus scrapes them, so the counts are those of an hour and only the
// wall-clock time is compressed. Our exporter's refreshes follow its intervals, not the
// scrapes: its hour holds the requests of the first refresh of every collector (measured in
// measurement 2) plus whatever the scrapes caused (measured here: none).

// scrapeInterval is what both are scraped at, to count the scrapes of an hour.
const scrapeInterval = 15 * time.Second

// peerTarget is one Prometheus target of json_exporter: a module and the API URL it probes.
type peerTarget struct {
	module, endpoint, path string
}

// peerTargets are the API endpoints a vendor would point json_exporter at, with the module
// (in json_exporter.yml) that reads each. Paths are below the simulator's base URL.
func peerTargets() []peerTarget {
	const reporting = "/rest/2/vendors/12345/reporting"
	var ts []peerTarget
	add := func(module, endpoint, path string) { ts = append(ts, peerTarget{module, endpoint, path}) }
	add("aggregate_by_app_hosting", "evaluations_hosting", reporting+"/evaluations/hosting?aggregation=month")
	for _, m := range []string{"region", "country", "partner"} {
		add("aggregate", "evaluations_"+m, reporting+"/evaluations/"+m+"?aggregation=month")
	}
	for _, m := range []string{"hosting", "tier", "region", "country", "type", "partner"} {
		add("sales", "sales_"+m, reporting+"/sales/transactions/"+m+"?aggregation=month")
	}
	for _, m := range []string{"type", "reason"} {
		add("aggregate", "feedback_"+m, reporting+"/feedback/metrics/"+m+"?aggregation=month")
	}
	add("cloud_datasets", "churn", reporting+"/sales/metrics/churn?aggregation=month")
	add("aggregate", "conversion", reporting+"/sales/metrics/conversion?aggregation=month")
	add("cloud_datasets", "renewal", reporting+"/sales/metrics/renewal?aggregation=month")
	add("churn_benchmark", "churn_benchmark", reporting+"/sales/metrics/churn/benchmark")
	add("evaluation_benchmark", "evaluation_benchmark", reporting+"/benchmark/evaluations")
	add("sales_benchmark", "sales_benchmark", reporting+"/benchmark/sales")
	add("apps", "apps", "/rest/2/addons/vendor/12345")
	add("mrr", "partner_metrics", "/rest/2/vendors/12345/partner-metrics")
	return ts
}

// buildPeer builds json_exporter from the version pinned in this module's go.mod.
func buildPeer(benchDir, out string) (string, error) {
	bin := filepath.Join(out, "json_exporter")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/prometheus-community/json_exporter")
	cmd.Dir = benchDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building json_exporter: %v\n%s", err, b)
	}
	return bin, nil
}

func fetch(client *http.Client, u string) (time.Duration, []byte, error) {
	start := time.Now()
	resp, err := client.Get(u)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: status %d: %s", u, resp.StatusCode, body)
	}
	return took, body, err
}

// measurePeer runs measurement 4: scrapesPerTarget scrapes of our exporter (still running
// from measurement 2) and of every json_exporter target.
func measurePeer(r *report, run *refreshRun, peerBin, config string, scrapesPerTarget int) error {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 32}}
	hourFactor := float64(time.Hour/scrapeInterval) / float64(scrapesPerTarget)
	schedule := fmt.Sprintf("%d scrapes per target back to back", scrapesPerTarget)
	if hourFactor == 1 {
		schedule += " (one hour at 15 s)"
	} else {
		schedule += fmt.Sprintf(", counts × %.0f for an hour at 15 s", hourFactor)
	}

	// Ours: the page a Prometheus scrape gets.
	if err := run.sim.reset(); err != nil {
		return err
	}
	log.Printf("peer: %d scrapes of marketplace_exporter", scrapesPerTarget)
	var ours []time.Duration
	oursSeries := 0
	for range scrapesPerTarget {
		d, err := scrapeOnce(client, run.exp.base+"/metrics", scrapeProfiles[0])
		if err != nil {
			return err
		}
		ours = append(ours, d)
	}
	if _, body, err := fetch(client, run.exp.base+"/metrics"); err == nil {
		oursSeries, _ = countSeries(body)
	}
	onScrapes, err := run.sim.total()
	if err != nil {
		return err
	}

	// The peer.
	peer, err := startChild("json_exporter", peerBin, nil, "--config.file="+config, "--web.listen-address=127.0.0.1:0")
	if err != nil {
		return err
	}
	defer peer.stop()
	targets := peerTargets()
	probe := func(t peerTarget) string {
		return peer.base + "/probe?" + url.Values{"module": {t.module}, "target": {run.sim.base + t.path}}.Encode()
	}
	// One probe each first: the configuration must yield series, or the comparison is void.
	peerSeries := 0
	for _, t := range targets {
		_, body, err := fetch(client, probe(t))
		if err != nil {
			return err
		}
		n, _ := countSeries(body)
		if n == 0 {
			return fmt.Errorf("json_exporter target %s (%s) gave no series:\n%s\n%s", t.endpoint, t.module, body, peer.output())
		}
		peerSeries += n
	}
	if err := run.sim.reset(); err != nil {
		return err
	}
	log.Printf("peer: %d scrapes of each of json_exporter's %d targets", scrapesPerTarget, len(targets))
	var (
		mu       sync.Mutex
		peerLat  []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	for _, t := range targets {
		wg.Go(func() {
			for range scrapesPerTarget {
				d, _, err := fetch(client, probe(t))
				mu.Lock()
				peerLat = append(peerLat, d)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	peerRequests, err := run.sim.total()
	if err != nil {
		return err
	}

	oursHour := float64(run.startupRequests) + float64(onScrapes)*hourFactor
	peerHour := float64(peerRequests) * hourFactor
	fewer := peerHour / max(oursHour, run.steadyPerHour)
	r.add(row{"4 API requests per hour",
		fmt.Sprintf("%d json_exporter targets (one per endpoint) vs every collector of ours, %s per request; %s; ours: first refresh %d + %d caused by scrapes (steady state: %.1f/h from the intervals)",
			len(targets), run.latency, schedule, run.startupRequests, onScrapes, run.steadyPerHour),
		fmtCount(oursHour), fmtCount(peerHour) + " (json_exporter)", fmt.Sprintf("%.0f× fewer", fewer), "≥ 100× fewer", met(fewer >= 100)})
	o50, o99 := percentile(ours, 50), percentile(ours, 99)
	p50, p99 := percentile(peerLat, 50), percentile(peerLat, 99)
	r.add(row{"4 scrape latency p50", fmt.Sprintf("ours: the whole page, Prometheus headers; json_exporter: one probe (one endpoint); %s per API request", run.latency),
		fmtDur(o50), fmtDur(p50) + " (json_exporter)", fmt.Sprintf("%.0f× faster", float64(p50)/float64(o50)), "", ""})
	r.add(row{"4 scrape latency p99", "as above", fmtDur(o99), fmtDur(p99) + " (json_exporter)", fmt.Sprintf("%.0f× faster", float64(p99)/float64(o99)), "", ""})
	r.add(row{"4 series served", fmt.Sprintf("ours: one page; json_exporter: one probe of each of its %d targets", len(targets)),
		fmtCount(oursSeries), fmtCount(peerSeries) + " (json_exporter)", "", "", ""})
	return nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
