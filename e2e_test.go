package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// contractFamily is one family of the metric contract (issue 3 and the lead's additions) that
// dashboards and alerts are built on, with its labels and what a plausible value is.
type contractFamily struct {
	name   string
	labels []string
	check  func(float64) bool
}

var (
	nonNegative = func(v float64) bool { return v >= 0 }
	anyFinite   = func(float64) bool { return true }
	percentile  = func(v float64) bool { return v >= 0 && v <= 100 }
	// A month start within the last two years, as benchmarks and MRR report.
	recentMonth = func(v float64) bool {
		t := time.Unix(int64(v), 0).UTC()
		return t.Day() == 1 && t.Hour() == 0 && time.Since(t) < 2*365*24*time.Hour && time.Since(t) > 0
	}
	one = func(v float64) bool { return v == 1 }
)

func windowed(name, label string, check func(float64) bool) contractFamily {
	return contractFamily{name, []string{"addon_key", label, "window"}, check}
}

var contract = []contractFamily{
	windowed("atlassian_marketplace_evaluations", "hosting", nonNegative),
	windowed("atlassian_marketplace_evaluations_by_region", "customer_region", nonNegative),
	windowed("atlassian_marketplace_evaluations_by_country", "customer_country", nonNegative),
	windowed("atlassian_marketplace_evaluations_by_partner", "partner", nonNegative),
	windowed("atlassian_marketplace_sales_transactions", "hosting", nonNegative),
	windowed("atlassian_marketplace_sales_net_transactions", "hosting", anyFinite),
	windowed("atlassian_marketplace_sales_revenue_usd", "hosting", anyFinite),
	windowed("atlassian_marketplace_feedback", "feedback_type", nonNegative),
	windowed("atlassian_marketplace_feedback_by_reason", "reason", nonNegative),
	windowed("atlassian_marketplace_cloud_churn_customers", "billing_period", nonNegative),
	windowed("atlassian_marketplace_cloud_churn_cancellations", "billing_period", nonNegative),
	{"atlassian_marketplace_cloud_conversion_evaluations", []string{"addon_key", "window"}, nonNegative},
	{"atlassian_marketplace_cloud_conversions", []string{"addon_key", "window"}, nonNegative},
	windowed("atlassian_marketplace_cloud_renewal_opportunities", "billing_period", nonNegative),
	windowed("atlassian_marketplace_cloud_renewals", "billing_period", nonNegative),
	{"atlassian_marketplace_cloud_churn_rate", []string{"addon_key", "kind"}, percentile},
	{"atlassian_marketplace_cloud_churn_benchmark_rate", []string{"addon_key", "kind"}, nonNegative},
	{"atlassian_marketplace_cloud_churn_benchmark_licenses", []string{"addon_key"}, nonNegative},
	{"atlassian_marketplace_cloud_churn_benchmark_churned_licenses", []string{"addon_key"}, nonNegative},
	{"atlassian_marketplace_benchmark_month_timestamp_seconds", []string{"addon_key", "benchmark"}, recentMonth},
	{"atlassian_marketplace_benchmark_evaluations", []string{"addon_key"}, nonNegative},
	{"atlassian_marketplace_benchmark_evaluations_growth_ratio", []string{"addon_key"}, anyFinite},
	{"atlassian_marketplace_benchmark_evaluations_marketplace_growth_ratio", []string{"addon_key"}, anyFinite},
	{"atlassian_marketplace_benchmark_evaluations_percentile", []string{"addon_key"}, percentile},
	{"atlassian_marketplace_benchmark_sales_usd", []string{"addon_key"}, anyFinite},
	{"atlassian_marketplace_benchmark_sales_growth_ratio", []string{"addon_key"}, anyFinite},
	{"atlassian_marketplace_benchmark_sales_marketplace_growth_ratio", []string{"addon_key"}, anyFinite},
	{"atlassian_marketplace_benchmark_sales_percentile", []string{"addon_key"}, percentile},
	{"atlassian_marketplace_licenses", []string{"addon_key", "hosting", "license_type", "status"}, func(v float64) bool { return v >= 1 }},
	{"atlassian_marketplace_app_info", []string{"addon_key", "name"}, one},
	{"atlassian_marketplace_app_downloads", []string{"addon_key"}, nonNegative},
	{"atlassian_marketplace_app_installs", []string{"addon_key"}, nonNegative},
	{"atlassian_marketplace_app_users", []string{"addon_key"}, nonNegative},
	{"atlassian_marketplace_app_reviews", []string{"addon_key"}, nonNegative},
	{"atlassian_marketplace_app_rating_stars", []string{"addon_key"}, func(v float64) bool { return v >= 1 && v <= 5 }},
	{"atlassian_marketplace_mrr_usd", []string{"addon_key", "movement"}, anyFinite},
	{"atlassian_marketplace_arr_usd", []string{"addon_key"}, nonNegative},
	{"atlassian_marketplace_refresh_success", []string{"collector"}, one},
	{"atlassian_marketplace_refresh_duration_seconds", []string{"collector"}, nonNegative},
	{"atlassian_marketplace_last_refresh_success_timestamp_seconds", []string{"collector"}, func(v float64) bool { return math.Abs(float64(time.Now().Unix())-v) < 600 }},
	{"atlassian_marketplace_refresh_interval_seconds", []string{"collector"}, func(v float64) bool { return v >= 3600 }},
	{"atlassian_marketplace_refresh_failures_total", []string{"collector", "reason"}, func(v float64) bool { return v == 0 }},
	{"atlassian_marketplace_api_requests_total", []string{"endpoint", "code"}, func(v float64) bool { return v >= 1 }},
	{"atlassian_marketplace_api_request_duration_seconds", []string{"endpoint"}, nonNegative},
	{"atlassian_marketplace_api_retries_total", nil, nonNegative}, // appears with the first retry only
	{"atlassian_marketplace_exporter_build_info", []string{"version", "revision", "goversion"}, one},
}

func init() {
	for _, dim := range []struct{ name, label string }{{"tier", "tier"}, {"region", "customer_region"}, {"country", "customer_country"}, {"sale_type", "sale_type"}, {"partner", "partner"}} {
		for _, v := range []string{"transactions", "net_transactions", "revenue_usd"} {
			check := nonNegative
			if v != "transactions" {
				check = anyFinite
			}
			contract = append(contract, windowed("atlassian_marketplace_sales_by_"+dim.name+"_"+v, dim.label, check))
		}
	}
}

var mrrMovements = []string{"opening", "new", "expansion", "contraction", "reactivated", "expired", "closing"}

// TestEndToEndDemo builds the binary, runs it with --demo on a free loopback port, waits for
// readiness, and checks the whole /metrics page: every family of the contract with plausible
// values, and promtool check metrics clean. Then SIGTERM must stop it with status 0.
func TestEndToEndDemo(t *testing.T) {
	promtool := os.Getenv("PROMTOOL")
	if promtool == "" {
		var err error
		if promtool, err = exec.LookPath("promtool"); err != nil {
			t.Fatal("promtool is needed to lint /metrics: set $PROMTOOL or put promtool on $PATH (make test does it for you)")
		}
	}

	bin := filepath.Join(t.TempDir(), program)
	build := exec.Command(goTool(), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "--demo", "--web.listen-address=127.0.0.1:0", "--log.format=json", "--log.level=debug")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	logs := &logTail{address: make(chan string, 1)}
	go func() {
		logs.read(stderr)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("exporter log:\n%s", logs.String())
		}
	})

	var base string
	select {
	case addr := <-logs.address:
		base = "http://" + addr
	case err := <-exited:
		t.Fatalf("exporter exited before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("exporter did not log its listen address within 30s")
	}

	client := &http.Client{Timeout: 10 * time.Second}
	if code, _ := get(t, client, base+"/-/healthy"); code != http.StatusOK {
		t.Fatalf("/-/healthy: status %d", code)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, _ := get(t, client, base+"/-/ready")
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable {
			t.Fatalf("/-/ready: status %d, want 503 or 200", code)
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready within 60s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := get(t, client, base+"/"); code != http.StatusOK || !strings.Contains(body, "synthetic") {
		t.Errorf("landing page: status %d, mentions synthetic data: %v", code, strings.Contains(body, "synthetic"))
	}

	code, body := get(t, client, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d", code)
	}
	checkContract(t, body)

	lint := exec.Command(promtool, "check", "metrics")
	lint.Stdin = strings.NewReader(body)
	if out, err := lint.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	if !strings.Contains(logs.String(), "SYNTHETIC") {
		t.Error("the log does not say the data is synthetic")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("exporter still running 30s after SIGTERM")
	}
}

// checkContract finds every contract family in the page with its labels and plausible values.
func checkContract(t *testing.T, body string) {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	for _, c := range contract {
		mf, ok := mfs[c.name]
		if !ok {
			if c.labels != nil {
				t.Errorf("family %s missing", c.name)
			}
			continue
		}
		windows := map[string]bool{}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			for _, l := range c.labels {
				if _, ok := labels[l]; !ok {
					t.Errorf("%s%v lacks label %q", c.name, labels, l)
				}
			}
			if w, ok := labels["window"]; ok {
				windows[w] = true
			}
			if v := value(m); math.IsNaN(v) || math.IsInf(v, 0) || !c.check(v) {
				t.Errorf("%s%v = %v is not plausible", c.name, labels, v)
			}
		}
		if len(windows) > 0 && (!windows["7d"] || !windows["28d"]) {
			t.Errorf("%s has windows %v, want 7d and 28d", c.name, windows)
		}
	}
	// A longer window holds at least what the shorter one does.
	for _, name := range []string{"atlassian_marketplace_evaluations", "atlassian_marketplace_sales_transactions", "atlassian_marketplace_feedback", "atlassian_marketplace_cloud_conversion_evaluations"} {
		byKey := map[string]map[string]float64{}
		for _, m := range mfs[name].GetMetric() {
			var key []string
			var window string
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "window" {
					window = lp.GetValue()
				} else {
					key = append(key, lp.GetValue())
				}
			}
			k := strings.Join(key, ",")
			if byKey[k] == nil {
				byKey[k] = map[string]float64{}
			}
			byKey[k][window] = value(m)
		}
		for k, w := range byKey {
			if w["28d"] < w["7d"] {
				t.Errorf("%s{%s}: 28d %v < 7d %v", name, k, w["28d"], w["7d"])
			}
		}
	}
	movements := map[string]bool{}
	for _, m := range mfs["atlassian_marketplace_mrr_usd"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "movement" {
				movements[lp.GetValue()] = true
			}
		}
	}
	for _, mv := range mrrMovements {
		if !movements[mv] {
			t.Errorf("atlassian_marketplace_mrr_usd has no movement=%q", mv)
		}
	}
	var collectors []string
	for _, m := range mfs["atlassian_marketplace_refresh_success"].GetMetric() {
		collectors = append(collectors, m.GetLabel()[0].GetValue())
	}
	if want := "apps,benchmarks,cloud,evaluations,feedback,licenses,mrr,sales"; strings.Join(collectors, ",") != want {
		t.Errorf("collectors reporting refresh_success: %v, want %s", collectors, want)
	}
}

// value reads a gauge, counter or the count of a histogram.
func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Histogram != nil:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return math.NaN()
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// goTool is the go command of the toolchain running the test.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// logTail keeps the exporter's JSON log and reports the address it listens on.
type logTail struct {
	mu      sync.Mutex
	buf     strings.Builder
	address chan string
}

func (l *logTail) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		l.mu.Lock()
		fmt.Fprintln(&l.buf, line)
		l.mu.Unlock()
		var rec struct {
			Msg     string `json:"msg"`
			Address string `json:"address"`
		}
		if !sent && json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "Listening on" && rec.Address != "" {
			l.address <- rec.Address
			sent = true
		}
	}
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
