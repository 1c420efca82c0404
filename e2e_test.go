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

	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
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
	{"atlassian_marketplace_mrr_month_timestamp_seconds", []string{"addon_key"}, recentMonth},
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
	promtool := prometheusTool(t, "PROMTOOL", "promtool", "to lint /metrics")

	e := startExporter(t, buildExporter(t), nil, "--demo", "--web.listen-address=127.0.0.1:0", "--log.level=debug")
	if code, _ := get(t, e.client, e.base+"/-/healthy"); code != http.StatusOK {
		t.Fatalf("/-/healthy: status %d", code)
	}
	e.waitReady(t)
	if code, body := get(t, e.client, e.base+"/"); code != http.StatusOK || !strings.Contains(body, "synthetic") {
		t.Errorf("landing page: status %d, mentions synthetic data: %v", code, strings.Contains(body, "synthetic"))
	}

	code, body := get(t, e.client, e.base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d", code)
	}
	checkContract(t, parseExposition(t, body))

	lint := exec.Command(promtool, "check", "metrics")
	lint.Stdin = strings.NewReader(body)
	if out, err := lint.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	if !strings.Contains(e.logs.String(), "SYNTHETIC") {
		t.Error("the log does not say the data is synthetic")
	}
	e.stop(t)
}

// TestEndToEndAccount runs the binary the way a vendor does, against a simulator standing in
// for the Marketplace: v3 with the developer id looked up from the vendor id, an app filter and
// a custom window. Then again with a wrong token: the exporter must still serve, report the
// failure as a credentials problem, and never print the token.
func TestEndToEndAccount(t *testing.T) {
	srv, err := marketplacetest.NewServer(marketplacetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	app := srv.Data().Apps[0].Key
	bin := buildExporter(t)
	dir := t.TempDir()
	writeToken := func(name, token string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := []string{"MARKETPLACE_USER=" + marketplacetest.DefaultUser}
	args := func(tokenFile string) []string {
		return []string{
			"--web.listen-address=127.0.0.1:0", "--marketplace.url=" + srv.URL, "--marketplace.api=v3",
			"--marketplace.vendor-id=12345", "--marketplace.token-file=" + tokenFile,
			"--marketplace.addon=" + app, "--window=2w",
		}
	}

	t.Run("good token", func(t *testing.T) {
		e := startExporter(t, bin, env, args(writeToken("good", marketplacetest.DefaultToken))...)
		e.waitReady(t)
		mfs := scrape(t, e)
		for _, m := range mfs["atlassian_marketplace_refresh_success"].GetMetric() {
			if value(m) != 1 {
				t.Errorf("refresh_success %v = %v", m.GetLabel(), value(m))
			}
		}
		for name, mf := range mfs {
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					if (lp.GetName() == "addon_key" && lp.GetValue() != app) || (lp.GetName() == "window" && lp.GetValue() != "14d") {
						t.Errorf("%s has %s=%q; want only addon_key=%q, window=\"14d\"", name, lp.GetName(), lp.GetValue(), app)
					}
				}
			}
		}
		if _, ok := mfs["atlassian_marketplace_evaluations"]; !ok {
			t.Error("no evaluations")
		}
		if n := srv.Requests("developer_space"); n != 1 {
			t.Errorf("developer id looked up %d times, want once", n)
		}
		e.stop(t)
	})

	t.Run("wrong token", func(t *testing.T) {
		const wrong = "wrong-token-b7f3e9"
		e := startExporter(t, bin, env, args(writeToken("wrong", wrong))...)
		e.waitReady(t) // a failed first attempt is still an attempt
		mfs := scrape(t, e)
		for _, m := range mfs["atlassian_marketplace_refresh_success"].GetMetric() {
			if value(m) != 0 {
				t.Errorf("refresh_success %v = %v, want 0", m.GetLabel(), value(m))
			}
		}
		var credentials float64
		for _, m := range mfs["atlassian_marketplace_refresh_failures_total"].GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "reason" && lp.GetValue() == "credentials" {
					credentials += value(m)
				}
			}
		}
		if credentials == 0 {
			t.Error("no refresh failure with reason=\"credentials\"")
		}
		e.stop(t)
		if strings.Contains(e.logs.String(), wrong) {
			t.Error("the token appears in the log")
		}
	})
}

// buildExporter builds the binary into a temporary directory.
func buildExporter(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), program)
	build := exec.Command(goTool(), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runningExporter is the binary running in a child process.
type runningExporter struct {
	base   string
	client *http.Client
	cmd    *exec.Cmd
	logs   *logTail
	exited chan error
}

// startExporter runs bin with args (logging JSON) and an environment of only env, so that no
// token of the developer's shell leaks in, and waits until it logs its listen address.
func startExporter(t *testing.T, bin string, env []string, args ...string) *runningExporter {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--log.format=json")...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e := &runningExporter{
		client: &http.Client{Timeout: 10 * time.Second},
		cmd:    cmd,
		logs:   &logTail{address: make(chan string, 1)},
		exited: make(chan error, 1),
	}
	go func() {
		e.logs.read(stderr)
		e.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-e.exited
		}
		if t.Failed() {
			t.Logf("exporter log:\n%s", e.logs.String())
		}
	})
	select {
	case addr := <-e.logs.address:
		e.base = "http://" + addr
	case err := <-e.exited:
		t.Fatalf("exporter exited before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("exporter did not log its listen address within 30s")
	}
	return e
}

// waitReady polls /-/ready until it answers 200, failing on anything but 503 meanwhile.
func (e *runningExporter) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, _ := get(t, e.client, e.base+"/-/ready")
		if code == http.StatusOK {
			return
		}
		if code != http.StatusServiceUnavailable {
			t.Fatalf("/-/ready: status %d, want 503 or 200", code)
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready within 60s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and expects a clean exit with status 0.
func (e *runningExporter) stop(t *testing.T) {
	t.Helper()
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-e.exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("exporter still running 30s after SIGTERM")
	}
}

// scrape fetches and parses /metrics.
func scrape(t *testing.T, e *runningExporter) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := get(t, e.client, e.base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d", code)
	}
	return parseExposition(t, body)
}

func parseExposition(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return mfs
}

// checkContract finds every contract family in the page with its labels and plausible values.
func checkContract(t *testing.T, mfs map[string]*dto.MetricFamily) {
	t.Helper()
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
