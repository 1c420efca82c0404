package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// collectorEndpoints lists the simulator endpoints each collector calls on v2, with how many
// requests one clean refresh sends to each (one per window for the windowed collectors).
// TestFaults checks it against a clean refresh, so it cannot go stale.
var collectorEndpoints = map[string]map[string]int{
	"apps":        {"apps": 1},
	"benchmarks":  {"churn_benchmark": 1, "evaluation_benchmark": 1, "sales_benchmark": 1},
	"cloud":       {"churn": 2, "conversion": 2, "renewal": 2},
	"evaluations": {"evaluations_country": 2, "evaluations_hosting": 2, "evaluations_partner": 2, "evaluations_region": 2},
	"feedback":    {"feedback_reason": 2, "feedback_type": 2},
	"licenses":    {"licenses_export": 1},
	"mrr":         {"partner_metrics": 1},
	"sales": {"sales_country": 2, "sales_hosting": 2, "sales_partner": 2, "sales_region": 2,
		"sales_tier": 2, "sales_type": 2},
}

// optionalKeys are wire fields each collector can do without: the series they feed go away,
// the others keep their values.
var optionalKeys = map[string][]string{
	"apps":        {"totalInstalls", "totalUsers", "reviews"},
	"benchmarks":  {"churnRate", "evaluationPercentile", "salesPercentile", "salesMoMGrowth"},
	"cloud":       {"uniqueTotal"},
	"evaluations": {"_links", "evaluationType"},
	"feedback":    {"_links"},
	"licenses":    {"contactDetails", "partnerDetails", "tier", "lastUpdated"},
	"mrr":         {"newMrr", "arr"},
	"sales":       {"netCount", "revenue"},
}

// logBuffer is a log destination that many goroutines may write to.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the log lines that contain every one of subs.
func (b *logBuffer) lines(subs ...string) []string {
	var out []string
	for line := range strings.Lines(b.String()) {
		match := true
		for _, s := range subs {
			match = match && strings.Contains(line, s)
		}
		if match {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// expect is what a fault should lead to.
type expect int

const (
	// expectSame: the refresh succeeds and serves exactly what a clean refresh serves.
	expectSame expect = iota
	// expectFailure: the refresh fails with the case's reason and no series of the
	// collector is served.
	expectFailure
	// expectFailureOrSame: a clear error, or a result identical to the clean one.
	expectFailureOrSame
	// expectFailureOrSubset: a clear error, or a partial result whose every series has the
	// clean value.
	expectFailureOrSubset
	// expectSubset: the refresh succeeds; every series served has the clean value.
	expectSubset
	// expectEmpty: the refresh succeeds and serves no series of the collector.
	expectEmpty
)

// faultCase is one misbehaviour of the Marketplace, injected on every endpoint a collector
// calls.
type faultCase struct {
	name    string
	fault   func(collector string) marketplacetest.Fault
	only    string               // the only collector it applies to ("" for all)
	opts    []marketplace.Option // client options for this case
	expect  expect
	reason  string // for the failures
	retried bool   // each endpoint's first attempt fails once and is retried
	check   func(t *testing.T, r *faultRun)
}

// faultRun is one collector refreshed once with a fault injected.
type faultRun struct {
	name     string
	env      *simEnv
	poller   *poller
	logs     *logBuffer
	clean    []byte         // the exposition of a clean refresh
	requests map[string]int // simulator requests of the faulted refresh
}

func statusOnce(status int) func(string) marketplacetest.Fault {
	return func(string) marketplacetest.Fault { return marketplacetest.Fault{Status: status, Times: 1} }
}

func rewrite(f func(collector string, body []byte) []byte) func(string) marketplacetest.Fault {
	return func(c string) marketplacetest.Fault {
		return marketplacetest.Fault{Rewrite: func(b []byte) []byte { return f(c, b) }}
	}
}

// faultCases are the Marketplace's misbehaviours, each run against every collector.
var faultCases = []faultCase{
	{
		name: "429 with Retry-After, once",
		fault: func(string) marketplacetest.Fault {
			return marketplacetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 1}
		},
		expect: expectSame, retried: true,
		check: func(t *testing.T, r *faultRun) {
			// The retry comes no sooner than the server asked: the first request of the
			// endpoint drew the 429, its retry is the last one.
			for ep := range collectorEndpoints[r.name] {
				times := r.env.srv.RequestTimes(ep)
				if waited := times[len(times)-1].Sub(times[0]); waited < time.Second {
					t.Errorf("%s: retried %v after the 429, Retry-After said 1s", ep, waited)
				}
				r.wantCounter(t, "atlassian_marketplace_api_requests_total", 1, "endpoint", ep, "code", "429")
			}
		},
	},
	{name: "502 once", fault: statusOnce(http.StatusBadGateway), expect: expectSame, retried: true},
	{name: "503 once", fault: statusOnce(http.StatusServiceUnavailable), expect: expectSame, retried: true},
	{name: "504 once", fault: statusOnce(http.StatusGatewayTimeout), expect: expectSame, retried: true},
	{
		name:   "dropped connection, once",
		fault:  func(string) marketplacetest.Fault { return marketplacetest.Fault{Drop: true, Times: 1} },
		expect: expectSame,
		check: func(t *testing.T, r *faultRun) {
			// net/http may resend a request on a dropped keep-alive connection by itself, so
			// the retry shows at the simulator rather than always in retries_total.
			for ep, n := range collectorEndpoints[r.name] {
				if got := r.requests[ep]; got != n+1 {
					t.Errorf("%s: %d requests, want %d (one dropped, then retried)", ep, got, n+1)
				}
			}
		},
	},
	{
		name:   "hanging response",
		fault:  func(string) marketplacetest.Fault { return marketplacetest.Fault{Hang: true} },
		opts:   []marketplace.Option{marketplace.WithRequestTimeout(250 * time.Millisecond)},
		expect: expectFailure, reason: ReasonTimeout,
		check: func(t *testing.T, r *faultRun) {
			if len(r.logs.lines("no response within 250ms")) == 0 {
				t.Error("the log does not say the request timed out")
			}
		},
	},
	{
		name:   "truncated JSON",
		fault:  func(string) marketplacetest.Fault { return marketplacetest.Fault{Truncate: true} },
		expect: expectFailure, reason: ReasonBadResponse,
	},
	{
		name:   "not JSON",
		fault:  func(string) marketplacetest.Fault { return marketplacetest.Fault{Malformed: true} },
		expect: expectFailure, reason: ReasonBadResponse,
	},
	{
		name: "numbers sent as strings",
		fault: rewrite(func(_ string, b []byte) []byte {
			return rewriteJSON(b, func(v any) any {
				if n, ok := v.(json.Number); ok {
					return n.String()
				}
				return v
			})
		}),
		expect: expectFailureOrSame, reason: ReasonBadResponse,
	},
	{
		name: "numbers sent as null",
		fault: rewrite(func(_ string, b []byte) []byte {
			return rewriteJSON(b, func(v any) any {
				if _, ok := v.(json.Number); ok {
					return nil
				}
				return v
			})
		}),
		expect: expectFailureOrSubset, reason: ReasonBadResponse,
	},
	{
		name: "unknown fields",
		fault: rewrite(func(_ string, b []byte) []byte {
			return rewriteJSON(b, func(v any) any {
				if m, ok := v.(map[string]any); ok {
					m["unexpectedField"] = map[string]any{"nested": []any{1, "two", nil}}
					m["count2"] = 7
				}
				return v
			})
		}),
		expect: expectSame,
	},
	{
		name: "optional fields missing",
		fault: rewrite(func(c string, b []byte) []byte {
			return rewriteJSON(b, func(v any) any {
				if m, ok := v.(map[string]any); ok {
					for _, k := range optionalKeys[c] {
						delete(m, k)
					}
				}
				return v
			})
		}),
		expect: expectSubset,
	},
	{
		name: "empty arrays",
		fault: rewrite(func(_ string, b []byte) []byte {
			return rewriteJSON(b, func(v any) any {
				if _, ok := v.([]any); ok {
					return []any{}
				}
				return v
			})
		}),
		expect: expectEmpty,
	},
	{
		name: "next link loops back",
		only: "apps",
		fault: rewrite(func(_ string, b []byte) []byte {
			return rewriteJSON(b, func(v any) any {
				// The page's own self link becomes its next link.
				if m, ok := v.(map[string]any); ok {
					if links, ok := m["_links"].(map[string]any); ok && m["_embedded"] != nil {
						links["next"] = []any{links["self"]}
					}
				}
				return v
			})
		}),
		expect: expectFailure, reason: ReasonBadResponse,
		check: func(t *testing.T, r *faultRun) {
			// The next link is the page just read: the loop is seen before a second request.
			if n := r.requests["apps"]; n != 1 {
				t.Errorf("apps requested %d times, want 1", n)
			}
			if len(r.logs.lines("pagination loop")) == 0 {
				t.Error("the log does not name the pagination loop")
			}
		},
	},
	{
		name: "next link leaves the API host",
		only: "apps",
		fault: rewrite(func(_ string, b []byte) []byte {
			return rewriteJSON(b, func(v any) any {
				if m, ok := v.(map[string]any); ok {
					if links, ok := m["_links"].(map[string]any); ok && m["_embedded"] != nil {
						links["next"] = []any{map[string]any{"href": "https://marketplace.example.net/steal?offset=10"}}
					}
				}
				return v
			})
		}),
		expect: expectFailure, reason: ReasonBadResponse,
		check: func(t *testing.T, r *faultRun) {
			if len(r.logs.lines("leaves the API host")) == 0 {
				t.Error("the log does not say the link leaves the API host")
			}
		},
	},
	{
		name:   "401",
		fault:  func(string) marketplacetest.Fault { return marketplacetest.Fault{Status: http.StatusUnauthorized} },
		expect: expectFailure, reason: ReasonCredentials,
		check: checkCredentialFailure("401"),
	},
	{
		name:   "403",
		fault:  func(string) marketplacetest.Fault { return marketplacetest.Fault{Status: http.StatusForbidden} },
		expect: expectFailure, reason: ReasonCredentials,
		check: checkCredentialFailure("403"),
	},
}

// checkCredentialFailure wants one clear log line, no retries, and the status in the request
// metrics.
func checkCredentialFailure(code string) func(t *testing.T, r *faultRun) {
	return func(t *testing.T, r *faultRun) {
		if lines := r.logs.lines("level=error"); len(lines) != 1 || !strings.Contains(lines[0], "rejected the credentials") {
			t.Errorf("want one error line naming the credentials, got:\n%s", strings.Join(lines, "\n"))
		}
		var total float64
		for ep, n := range collectorEndpoints[r.name] {
			if got := r.requests[ep]; got > n {
				t.Errorf("%s: %d requests, want at most %d: a rejected credential is not retried", ep, got, n)
			}
			total += r.counter(t, "atlassian_marketplace_api_requests_total", "endpoint", ep, "code", code)
		}
		if total == 0 {
			t.Errorf("no api_requests_total with code=%q", code)
		}
	}
}

// rewriteJSON decodes body (numbers kept exact), applies f to every value from the leaves up,
// and encodes the result.
func rewriteJSON(body []byte, f func(v any) any) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(fmt.Sprintf("rewriteJSON: the simulator sent invalid JSON: %v", err))
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		}
		return f(v)
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		panic(err)
	}
	return out
}

// TestFaults injects every fault of faultCases on every endpoint of every collector, refreshes
// once, and checks the outcome in the metrics and the log: a correct result, or a clear error
// with nothing wrong served, never a panic.
func TestFaults(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := marketplacetest.NewManualClock(testNow)
			srv, err := marketplacetest.NewServer(marketplacetest.Options{Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)

			clean := attachExporter(t, srv, clock, Config{Collectors: []Setting{{name, time.Hour}}})
			clean.refresh(t)
			if got := srv.RequestCounts(); !maps.Equal(got, collectorEndpoints[name]) {
				t.Fatalf("a clean refresh requested %v; collectorEndpoints says %v", got, collectorEndpoints[name])
			}
			cleanExp := exposition(t, clean.reg, familyNames(clean.exp.byName[name])...)
			if len(cleanExp) == 0 {
				t.Fatal("a clean refresh serves nothing")
			}

			for _, fc := range faultCases {
				if fc.only != "" && fc.only != name {
					continue
				}
				t.Run(fc.name, func(t *testing.T) {
					// A simulator of its own: requests a cancelled refresh of another case
					// left in flight must not count here.
					srv, err := marketplacetest.NewServer(marketplacetest.Options{Clock: clock})
					if err != nil {
						t.Fatal(err)
					}
					defer srv.Close()
					r := &faultRun{name: name, logs: &logBuffer{}, clean: cleanExp}
					r.env = attachExporter(t, srv, clock, Config{
						Collectors:    []Setting{{name, time.Hour}},
						Logger:        log.NewLogfmtLogger(r.logs),
						ClientOptions: fc.opts,
					})
					r.poller = r.env.exp.byName[name]
					for ep := range collectorEndpoints[name] {
						srv.InjectFault(ep, fc.fault(name))
					}
					r.env.refresh(t)
					r.requests = srv.RequestCounts()
					r.checkOutcome(t, fc)
					if fc.retried {
						for ep := range collectorEndpoints[name] {
							r.wantCounter(t, "atlassian_marketplace_api_retries_total", 1, "endpoint", ep)
						}
					}
					if fc.check != nil {
						fc.check(t, r)
					}
					if t.Failed() {
						t.Logf("log:\n%s", r.logs)
					}
				})
			}
		})
	}
}

// checkOutcome compares the refresh state, the served series and the log with what the case
// expects.
func (r *faultRun) checkOutcome(t *testing.T, fc faultCase) {
	t.Helper()
	s := r.poller.state.Load()
	got := exposition(t, r.env.reg, familyNames(r.poller)...)
	errorLines := r.logs.lines("level=error")
	failed := !s.success
	switch fc.expect {
	case expectFailureOrSame, expectFailureOrSubset:
		if !failed {
			fc.expect = map[expect]expect{expectFailureOrSame: expectSame, expectFailureOrSubset: expectSubset}[fc.expect]
		} else {
			fc.expect = expectFailure
		}
	}
	if fc.expect == expectFailure {
		if !failed {
			t.Fatalf("the refresh succeeded; want a failure with reason %q. Served:\n%s", fc.reason, got)
		}
		if len(got) != 0 {
			t.Errorf("a failed first refresh serves series:\n%s", got)
		}
		r.wantCounter(t, "atlassian_marketplace_refresh_failures_total", 1, "collector", r.name, "reason", fc.reason)
		if len(errorLines) != 1 || !strings.Contains(errorLines[0], "reason="+fc.reason) || !strings.Contains(errorLines[0], "collector="+r.name) {
			t.Errorf("want one error line with collector=%s reason=%s, got:\n%s", r.name, fc.reason, strings.Join(errorLines, "\n"))
		}
		if !s.lastSuccess.IsZero() {
			t.Errorf("last success %v after a failed first refresh", s.lastSuccess)
		}
		return
	}
	if failed {
		t.Fatalf("the refresh failed; want success. Log:\n%s", r.logs)
	}
	if len(errorLines) != 0 {
		t.Errorf("a successful refresh logged errors:\n%s", strings.Join(errorLines, "\n"))
	}
	for _, reason := range Reasons {
		r.wantCounter(t, "atlassian_marketplace_refresh_failures_total", 0, "collector", r.name, "reason", reason)
	}
	switch fc.expect {
	case expectSame:
		if !bytes.Equal(got, r.clean) {
			t.Errorf("served values differ from a clean refresh:\n%s\nwant:\n%s", got, r.clean)
		}
	case expectEmpty:
		if len(got) != 0 {
			t.Errorf("want no series, got:\n%s", got)
		}
	case expectSubset:
		clean := seriesLines(r.clean)
		for _, line := range slices.Sorted(maps.Keys(seriesLines(got))) {
			if !clean[line] {
				t.Errorf("served %s, which a clean refresh does not (a wrong value?)", line)
			}
		}
	}
}

// seriesLines returns the sample lines of an exposition, as a set.
func seriesLines(exp []byte) map[string]bool {
	out := map[string]bool{}
	for line := range strings.Lines(string(exp)) {
		if !strings.HasPrefix(line, "#") {
			out[strings.TrimSpace(line)] = true
		}
	}
	return out
}

// counter returns the value of a counter with exactly these label pairs, 0 when absent.
func (r *faultRun) counter(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	return counterValue(t, r.env.reg, name, labels...)
}

func (r *faultRun) wantCounter(t *testing.T, name string, want float64, labels ...string) {
	t.Helper()
	if got := r.counter(t, name, labels...); got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

// counterValue returns the value of the counter name with exactly the label pairs given, or
// 0 when there is no such series.
func counterValue(t *testing.T, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	return findSeries(t, g, name, want).GetCounter().GetValue()
}

// TestPersistentFailureKeepsLastGoodValues breaks every endpoint of each collector after a good
// refresh, for longer than a refresh: /metrics keeps answering with the last good values, the
// refresh metrics show the failure, and recovery brings the values of the new day.
func TestPersistentFailureKeepsLastGoodValues(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logs := &logBuffer{}
			env := newSimEnv(t, Config{Collectors: []Setting{{name, time.Hour}}, Logger: log.NewLogfmtLogger(logs)})
			p := env.exp.byName[name]
			families := familyNames(p)
			env.refresh(t)
			good := exposition(t, env.reg, families...)

			env.srv.InjectFault(marketplacetest.AllEndpoints, marketplacetest.Fault{Status: http.StatusServiceUnavailable})
			env.clock.Advance(48 * time.Hour) // new days, new numbers: none of which may show
			env.refresh(t)
			if got := exposition(t, env.reg, families...); !bytes.Equal(got, good) {
				t.Errorf("values changed while the API failed:\n%s\nwant:\n%s", got, good)
			}
			checkRefreshState(t, env.reg, name, 0, testNow)
			if v := counterValue(t, env.reg, "atlassian_marketplace_refresh_failures_total", "collector", name, "reason", ReasonUnavailable); v != 1 {
				t.Errorf("refresh_failures_total{reason=\"unavailable\"} = %v, want 1", v)
			}
			if lines := logs.lines("level=error", "refresh failed, still serving the previous data", "reason=unavailable", "503"); len(lines) != 1 {
				t.Errorf("want one error line for the outage, got:\n%s", logs)
			}
			rec := httptest.NewRecorder()
			promhttp.HandlerFor(env.reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			if rec.Code != http.StatusOK {
				t.Errorf("scrape during the outage: status %d", rec.Code)
			}

			env.srv.ClearFaults()
			env.refresh(t)
			checkRefreshState(t, env.reg, name, 1, env.clock.Now())
			fresh := attachExporter(t, env.srv, env.clock, Config{Collectors: []Setting{{name, time.Hour}}})
			fresh.refresh(t)
			if got, want := exposition(t, env.reg, families...), exposition(t, fresh.reg, families...); !bytes.Equal(got, want) {
				t.Errorf("after recovery the values are not those of the new day:\n%s\nwant:\n%s", got, want)
			}
			if lines := logs.lines("level=info", "refreshed"); len(lines) != 2 {
				t.Errorf("want an info line for the first success and one for the recovery, got:\n%s", logs)
			}
		})
	}
}

// checkRefreshState compares refresh_success and the last-success timestamp of a collector.
func checkRefreshState(t *testing.T, g prometheus.Gatherer, name string, success float64, lastSuccess time.Time) {
	t.Helper()
	if got := gatheredValue(t, g, "atlassian_marketplace_refresh_success", map[string]string{"collector": name}); got != success {
		t.Errorf("refresh_success = %v, want %v", got, success)
	}
	if got := gatheredValue(t, g, "atlassian_marketplace_last_refresh_success_timestamp_seconds", map[string]string{"collector": name}); got != float64(lastSuccess.Unix()) {
		t.Errorf("last_refresh_success_timestamp_seconds = %v, want %v (%v)", got, lastSuccess.Unix(), lastSuccess)
	}
}

// TestRejectedCredentialsLoggedOnce runs every collector against an API that rejects the
// credentials: one error line for the exporter, not one per collector, request or refresh,
// until a refresh gets through again.
func TestRejectedCredentialsLoggedOnce(t *testing.T) {
	logs := &logBuffer{}
	env := newSimEnv(t, Config{Logger: log.NewLogfmtLogger(logs)})
	env.srv.InjectFault(marketplacetest.AllEndpoints, marketplacetest.Fault{Status: http.StatusUnauthorized})
	errorLines := func() []string { return logs.lines("level=error") }
	env.refresh(t)
	if lines := errorLines(); len(lines) != 1 || !strings.Contains(lines[0], "rejected the credentials") || !strings.Contains(lines[0], "status=401") {
		t.Fatalf("want one error line naming the credentials and the status, got:\n%s", strings.Join(lines, "\n"))
	}
	env.refresh(t)
	if lines := errorLines(); len(lines) != 1 {
		t.Errorf("a second failing round logged more errors:\n%s", strings.Join(lines, "\n"))
	}
	for _, name := range Names() {
		if v := counterValue(t, env.reg, "atlassian_marketplace_refresh_failures_total", "collector", name, "reason", ReasonCredentials); v != 2 {
			t.Errorf("%s: refresh_failures_total{reason=\"credentials\"} = %v, want 2", name, v)
		}
	}
	// No retry storm: each endpoint got at most the requests of two refreshes, nothing retried.
	for name, eps := range collectorEndpoints {
		for ep, n := range eps {
			if got := env.srv.Requests(ep); got > 2*n {
				t.Errorf("%s: %s requested %d times in two refreshes, want at most %d", name, ep, got, 2*n)
			}
		}
	}

	env.srv.ClearFaults()
	env.refresh(t)
	env.srv.InjectFault(marketplacetest.AllEndpoints, marketplacetest.Fault{Status: http.StatusForbidden})
	env.refresh(t)
	if lines := errorLines(); len(lines) != 2 || !strings.Contains(lines[1], "status=403") {
		t.Errorf("a new rejection after a success must be logged again, got:\n%s", strings.Join(lines, "\n"))
	}
}

// TestSlowCollectorDelaysNoOther holds every request of one collector open (evaluations, eight
// requests, hanging) while another collector refreshes on a short interval and /metrics is
// scraped: the other collector keeps refreshing and every scrape is answered. With two slots
// the hung collector could take both; its share leaves the other one free.
func TestSlowCollectorDelaysNoOther(t *testing.T) {
	env := newSimEnv(t, Config{
		// The interval is also feedback's refresh deadline: long enough under the race detector.
		Collectors:  []Setting{{"evaluations", time.Hour}, {"feedback", 300 * time.Millisecond}},
		Concurrency: 2,
	})
	for ep := range collectorEndpoints["evaluations"] {
		env.srv.InjectFault(ep, marketplacetest.Fault{Hang: true})
	}
	hung := func() int {
		n := 0
		for ep := range collectorEndpoints["evaluations"] {
			n += env.srv.Requests(ep)
		}
		return n
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		env.exp.Run(ctx)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()

	srv := httptest.NewServer(promhttp.HandlerFor(env.reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	feedback := func() int { return env.srv.Requests("feedback_type") }
	deadline := time.Now().Add(30 * time.Second)
	scrapes := 0
	// Three feedback refreshes (two windows each) while evaluations hang.
	for feedback() < 6 || hung() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: %d feedback_type requests, %d hung evaluation requests", feedback(), hung())
		}
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatalf("scrape %d: %v", scrapes, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("scrape %d: status %d", scrapes, resp.StatusCode)
		}
		scrapes++
		time.Sleep(10 * time.Millisecond)
	}
	if p := env.exp.byName["evaluations"]; !p.running.Load() {
		t.Error("the evaluations refresh is not running any more: the hang did not hold it")
	}
	if s := env.exp.byName["feedback"].state.Load(); s.lastSuccess.IsZero() {
		t.Error("feedback never refreshed successfully while evaluations hung")
	}
	if n := hung(); n != 1 {
		t.Errorf("%d evaluation requests reached the API, want 1: the collector's share is one slot", n)
	}
}
