package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// prometheusTool finds a Prometheus binary: the path in $env (which `make test` exports), else
// name on $PATH. Without one the test fails and says how to get it: the end-to-end tests never
// skip.
func prometheusTool(t *testing.T, env, name, why string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			t.Fatalf("$%s=%s is not an executable file (%v); %s is needed %s", env, p, err, name, why)
		}
		return p
	}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed %s: set $%s or put %s on $PATH (make test installs Debian's prometheus package and sets both $PROMETHEUS and $PROMTOOL)", name, why, env, name)
	}
	return p
}

// runningPrometheus is a Prometheus server in a child process, on a loopback port, with its
// data in a temporary directory.
type runningPrometheus struct {
	base string
	api  *promAPI
	cmd  *exec.Cmd
	logs *logTail
	// exited is closed when the process has exited, with exitErr set.
	exited  chan struct{}
	exitErr error
}

// prometheusConfig scrapes target every second as job "marketplace", the job the rules
// assume, and evaluates the rule files every second.
func prometheusConfig(target string, ruleFiles []string) string {
	var b strings.Builder
	b.WriteString("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nrule_files:\n")
	for _, f := range ruleFiles {
		fmt.Fprintf(&b, "  - %q\n", f)
	}
	fmt.Fprintf(&b, "scrape_configs:\n  - job_name: marketplace\n    static_configs:\n      - targets: [%q]\n", target)
	return b.String()
}

// startPrometheus runs the Prometheus at bin scraping target (host:port) with the rule files
// loaded, and waits until it is ready. Prometheus logs the address it was told, not the one it
// got, so it cannot be given port 0: it gets a port that was free a moment ago, and another one
// if that was taken meanwhile.
func startPrometheus(t *testing.T, bin, target string, ruleFiles ...string) *runningPrometheus {
	t.Helper()
	return servePrometheus(t, bin, prometheusConfig(target, ruleFiles), filepath.Join(t.TempDir(), "data"))
}

// servePrometheus runs the Prometheus at bin with the configuration text config on the TSDB in
// data, with extra flags, and waits until it is ready.
func servePrometheus(t *testing.T, bin, config, data string, flags ...string) *runningPrometheus {
	t.Helper()
	configFile := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		p, err := tryPrometheus(t, bin, configFile, data, flags...)
		if err == nil {
			return p
		}
		if attempt == 3 || !strings.Contains(p.logs.String(), "address already in use") {
			t.Fatalf("prometheus: %v\n%s", err, p.logs.String())
		}
	}
}

// tryPrometheus starts Prometheus once on a free port and waits until /-/ready answers 200.
func tryPrometheus(t *testing.T, bin, config, data string, flags ...string) (*runningPrometheus, error) {
	t.Helper()
	addr := freeLoopbackAddress(t)
	cmd := exec.Command(bin, append([]string{
		"--config.file=" + config,
		"--storage.tsdb.path=" + data,
		"--web.listen-address=" + addr,
		"--log.format=json",
	}, flags...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	p := &runningPrometheus{
		base:   "http://" + addr,
		cmd:    cmd,
		logs:   &logTail{address: make(chan string, 1)},
		exited: make(chan struct{}),
	}
	go func() {
		p.logs.read(stderr)
		p.exitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })
	p.api = &promAPI{base: p.base, client: &http.Client{Timeout: 30 * time.Second}}

	httpClient := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.exited:
			return p, fmt.Errorf("exited before it was ready: %v", p.exitErr)
		default:
		}
		if resp, err := httpClient.Get(p.base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			return p, fmt.Errorf("not ready on %s within 30s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the exit, killing the server if it takes longer than 10s.
// On a failed test it shows the server's log.
func (p *runningPrometheus) stop(t *testing.T) {
	select {
	case <-p.exited:
	default:
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
	}
	if t.Failed() {
		t.Logf("prometheus log:\n%s", p.logs.String())
	}
}

// freeLoopbackAddress returns 127.0.0.1:port with a port that is free now.
func freeLoopbackAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// poll calls check every 50ms until it reports done, failing the test after timeout with the
// last reason check gave for not being done.
func poll(t *testing.T, timeout time.Duration, what string, check func(ctx context.Context) (done bool, reason string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		done, reason := check(ctx)
		cancel()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %s", what, timeout, reason)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// promAPI is a client of the parts of Prometheus's HTTP API the tests use. (client_golang's
// api/prometheus/v1 would pull json-iterator into go.mod for this.)
type promAPI struct {
	base   string
	client *http.Client
}

// call GETs /api/v1/<path> and decodes the data of a successful answer into data, returning
// the warnings; an error answer is an error with Prometheus's message.
func (a *promAPI) call(ctx context.Context, path string, params url.Values, data any) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/api/v1/"+path+"?"+params.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Warnings  []string        `json:"warnings"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%s: status %d, %v: %.200s", path, resp.StatusCode, err, body)
	}
	if r.Status != "success" {
		return r.Warnings, fmt.Errorf("%s: %s: %s", path, r.ErrorType, r.Error)
	}
	if err := json.Unmarshal(r.Data, data); err != nil {
		return r.Warnings, fmt.Errorf("%s: %v", path, err)
	}
	return r.Warnings, nil
}

// queryResult is the data of a query answer.
type queryResult struct {
	Type   model.ValueType `json:"resultType"`
	Result json.RawMessage `json:"result"`
}

// value decodes the result by its type.
func (q queryResult) value() (model.Value, error) {
	var v model.Value
	switch q.Type {
	case model.ValVector:
		v = &model.Vector{}
	case model.ValMatrix:
		v = &model.Matrix{}
	case model.ValScalar:
		v = &model.Scalar{}
	case model.ValString:
		v = &model.String{}
	default:
		return nil, fmt.Errorf("unknown result type %q", q.Type)
	}
	if err := json.Unmarshal(q.Result, v); err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case *model.Vector:
		return *v, nil
	case *model.Matrix:
		return *v, nil
	}
	return v, nil
}

func unixTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
}

// query runs an instant query at a time.
func (a *promAPI) query(ctx context.Context, expr string, at time.Time) (model.Value, []string, error) {
	var r queryResult
	warnings, err := a.call(ctx, "query", url.Values{"query": {expr}, "time": {unixTime(at)}}, &r)
	if err != nil {
		return nil, warnings, err
	}
	v, err := r.value()
	return v, warnings, err
}

// queryRange runs a range query.
func (a *promAPI) queryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) (model.Value, []string, error) {
	var r queryResult
	warnings, err := a.call(ctx, "query_range", url.Values{
		"query": {expr}, "start": {unixTime(start)}, "end": {unixTime(end)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}, &r)
	if err != nil {
		return nil, warnings, err
	}
	v, err := r.value()
	return v, warnings, err
}

// labelValues lists the values of a label on the series that match a selector.
func (a *promAPI) labelValues(ctx context.Context, label, match string) ([]string, error) {
	var values []string
	_, err := a.call(ctx, "label/"+url.PathEscape(label)+"/values", url.Values{"match[]": {match}}, &values)
	return values, err
}

// promRule is a recording or alerting rule as /api/v1/rules shows it.
type promRule struct {
	Name           string    `json:"name"`
	Query          string    `json:"query"`
	Type           string    `json:"type"` // "recording" or "alerting"
	Health         string    `json:"health"`
	LastError      string    `json:"lastError"`
	LastEvaluation time.Time `json:"lastEvaluation"`
	State          string    `json:"state"` // of an alert: inactive, pending, firing
	Alerts         []struct {
		Labels map[string]string `json:"labels"`
		State  string            `json:"state"`
	} `json:"alerts"`
}

// promRuleGroup is a rule group as /api/v1/rules shows it.
type promRuleGroup struct {
	Name  string     `json:"name"`
	Rules []promRule `json:"rules"`
}

// rules lists the loaded rule groups.
func (a *promAPI) rules(ctx context.Context) ([]promRuleGroup, error) {
	var data struct {
		Groups []promRuleGroup `json:"groups"`
	}
	_, err := a.call(ctx, "rules", nil, &data)
	return data.Groups, err
}
