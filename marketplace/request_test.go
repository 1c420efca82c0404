package marketplace

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const hostingPath = v2Root + "/evaluations/hosting"

// sequence answers the n-th request with handlers[n], repeating the last.
func sequence(handlers ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		handlers[min(i, len(handlers)-1)](w, r)
	}
}

func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

// hangUp closes the connection without a response.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

const emptyAggregate = `{"total": {"name": "All apps", "series": []}, "addons": []}`

var ok = serveJSON(200, emptyAggregate)

func aggregate(ts *testServer) error {
	_, _, err := ts.client.Evaluations.Aggregate(context.Background(), EvaluationsByHosting, nil)
	return err
}

func TestErrorResponses(t *testing.T) {
	tests := []struct {
		status      int
		body        string
		credentials bool
		notFound    bool
		messages    []string
	}{
		{status: 400, body: string(fixture(t, "fixtures/error-400.json")), messages: []string{"Must be a date"}},
		{status: 400, body: `{"errors": [{"message": "Type mismatch", "path": "/startDate", "code": "x"}, {"message": "Must be a jira or confluence"}]}`, messages: []string{"Type mismatch", "Must be a jira or confluence"}},
		{status: 401, credentials: true},
		{status: 403, body: `{"errors": [{"message": "Forbidden"}]}`, credentials: true, messages: []string{"Forbidden"}},
		{status: 404, notFound: true},
		{status: 500, body: "<html>oops</html>"},
		{status: 501},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			ts := setup(t)
			ts.handle("GET "+hostingPath, serveJSON(tt.status, tt.body))
			err := aggregate(ts)
			var er *ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("error = %v, want an *ErrorResponse", err)
			}
			if er.StatusCode != tt.status || er.Endpoint != "evaluations_hosting" || er.Method != "GET" ||
				er.URL != ts.server.URL+testPrefix+hostingPath {
				t.Errorf("ErrorResponse = %+v", er)
			}
			var msgs []string
			for _, e := range er.Errors {
				msgs = append(msgs, e.Message)
				if !strings.Contains(err.Error(), e.Message) {
					t.Errorf("Error() = %q lacks %q", err, e.Message)
				}
			}
			equal(t, msgs, tt.messages)
			if IsCredentialError(err) != tt.credentials || errors.Is(err, ErrCredentials) != tt.credentials {
				t.Errorf("IsCredentialError = %v, want %v", IsCredentialError(err), tt.credentials)
			}
			if errors.Is(err, ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
			if hooks := ts.hookCalls(); len(hooks) != 1 || hooks[0].Retry || hooks[0].StatusCode != tt.status {
				t.Errorf("hooks = %+v; want one attempt, not retried", hooks)
			}
		})
	}
}

func TestErrorResponseDetails(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+hostingPath, serveJSON(400, `{"errors": [{"message": "Type mismatch", "path": "/startDate", "code": "x"}]}`))
	var er *ErrorResponse
	if err := aggregate(ts); !errors.As(err, &er) {
		t.Fatal(err)
	}
	equal(t, er.Errors, []APIError{{Message: "Type mismatch", Path: "/startDate", Code: "x"}})
	if !strings.Contains(er.Error(), "(at /startDate)") {
		t.Errorf("Error() = %q, want the path", er.Error())
	}
}

func TestRetriedStatusesThenSuccess(t *testing.T) {
	for _, code := range []int{429, 502, 503, 504} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			ts := setup(t)
			ts.handle("GET "+hostingPath, sequence(status(code), ok))
			if err := aggregate(ts); err != nil {
				t.Fatal(err)
			}
			equal(t, ts.waits(), []time.Duration{500 * time.Millisecond})
			hooks := ts.hookCalls()
			if len(hooks) != 2 {
				t.Fatalf("hooks = %+v, want 2 attempts", hooks)
			}
			want := []RequestInfo{
				{Endpoint: "evaluations_hosting", Method: "GET", StatusCode: code, Attempt: 1, Retry: true},
				{Endpoint: "evaluations_hosting", Method: "GET", StatusCode: 200, Attempt: 2},
			}
			for i := range hooks {
				if hooks[i].Duration <= 0 {
					t.Errorf("attempt %d: Duration = %v", i+1, hooks[i].Duration)
				}
				hooks[i].Duration = 0
			}
			equal(t, hooks, want)
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header string
		want   time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"HTTP-date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"past date falls back to backoff", now.Add(-time.Hour).Format(http.TimeFormat), 500 * time.Millisecond},
		{"garbage falls back to backoff", "soon", 500 * time.Millisecond},
		{"missing", "", 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := setup(t)
			ts.client.now = func() time.Time { return now }
			ts.handle("GET "+hostingPath, sequence(status(429, "Retry-After", tt.header), ok))
			if err := aggregate(ts); err != nil {
				t.Fatal(err)
			}
			equal(t, ts.waits(), []time.Duration{tt.want})
		})
	}
}

func TestRetryAfterOn503IsHonoured(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+hostingPath, sequence(status(503, "Retry-After", "3"), ok))
	if err := aggregate(ts); err != nil {
		t.Fatal(err)
	}
	equal(t, ts.waits(), []time.Duration{3 * time.Second})
}

func TestRateLimitGivesUp(t *testing.T) {
	t.Run("attempts exhausted", func(t *testing.T) {
		ts := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 3}))
		ts.handle("GET "+hostingPath, status(429, "Retry-After", "2"))
		err := aggregate(ts)
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second || rl.StatusCode != 429 {
			t.Fatalf("error = %v, want a RateLimitError with RetryAfter 2s", err)
		}
		var er *ErrorResponse
		if !errors.As(err, &er) {
			t.Error("a RateLimitError should also be an *ErrorResponse")
		}
		if !strings.Contains(err.Error(), "retry after 2s") || !strings.Contains(err.Error(), "after 3 attempts") {
			t.Errorf("Error() = %q", err)
		}
		equal(t, ts.waits(), []time.Duration{2 * time.Second, 2 * time.Second})
	})
	t.Run("Retry-After beyond MaxRetryAfter", func(t *testing.T) {
		ts := setup(t, WithRetryPolicy(RetryPolicy{MaxRetryAfter: time.Minute}))
		ts.handle("GET "+hostingPath, status(429, "Retry-After", "600"))
		err := aggregate(ts)
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != 10*time.Minute {
			t.Fatalf("error = %v, want a RateLimitError with RetryAfter 10m", err)
		}
		if len(ts.waits()) != 0 || len(ts.hookCalls()) != 1 || ts.hookCalls()[0].Retry {
			t.Errorf("waited %v with hooks %+v; want one attempt and no wait", ts.waits(), ts.hookCalls())
		}
	})
	t.Run("no Retry-After", func(t *testing.T) {
		ts := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
		ts.handle("GET "+hostingPath, status(429))
		var rl *RateLimitError
		if err := aggregate(ts); !errors.As(err, &rl) || rl.RetryAfter != 0 || strings.Contains(err.Error(), "retry after") {
			t.Fatalf("error = %v, want a RateLimitError without RetryAfter", err)
		}
	})
}

func TestPersistent503GivesUpWithLastError(t *testing.T) {
	ts := setup(t)
	var n atomic.Int32
	ts.handle("GET "+hostingPath, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		fmt.Fprintf(w, `{"errors": [{"message": "attempt %d"}]}`, n.Add(1))
	})
	err := aggregate(ts)
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 503 {
		t.Fatalf("error = %v, want the 503", err)
	}
	if len(er.Errors) != 1 || er.Errors[0].Message != "attempt 4" {
		t.Errorf("Errors = %+v, want those of the 4th and last attempt", er.Errors)
	}
	if !strings.Contains(err.Error(), "after 4 attempts") {
		t.Errorf("Error() = %q", err)
	}
	equal(t, ts.waits(), []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second})
	hooks := ts.hookCalls()
	if len(hooks) != 4 || !hooks[2].Retry || hooks[3].Retry {
		t.Errorf("hooks = %+v; want 4 attempts, the last not retried", hooks)
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	ts := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 6, BaseDelay: 300 * time.Millisecond, MaxDelay: time.Second}))
	var windows []time.Duration
	ts.client.jitter = func(limit time.Duration) time.Duration {
		windows = append(windows, limit)
		return limit / 3
	}
	ts.handle("GET "+hostingPath, status(502))
	if err := aggregate(ts); err == nil {
		t.Fatal("no error")
	}
	ms := time.Millisecond
	equal(t, windows, []time.Duration{300 * ms, 600 * ms, time.Second, time.Second, time.Second})
	equal(t, ts.waits(), []time.Duration{100 * ms, 200 * ms, time.Second / 3, time.Second / 3, time.Second / 3})
}

func TestFullJitterStaysInWindow(t *testing.T) {
	if d := fullJitter(0); d != 0 {
		t.Errorf("fullJitter(0) = %v", d)
	}
	for range 1000 {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("fullJitter(1s) = %v", d)
		}
	}
}

func TestConnectionDropThenSuccess(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+hostingPath, sequence(hangUp, ok))
	if err := aggregate(ts); err != nil {
		t.Fatal(err)
	}
	hooks := ts.hookCalls()
	if len(hooks) != 2 || hooks[0].StatusCode != 0 || hooks[0].Err == nil || !hooks[0].Retry || hooks[1].StatusCode != 200 {
		t.Fatalf("hooks = %+v; want a failed attempt without status, then a 200", hooks)
	}
}

func TestPersistentConnectionDrop(t *testing.T) {
	ts := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 2}))
	ts.handle("GET "+hostingPath, hangUp)
	err := aggregate(ts)
	if err == nil || !strings.Contains(err.Error(), "evaluations_hosting") || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Fatalf("error = %v", err)
	}
}

func TestNoRetryOnOther4xx(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 422} {
		ts := setup(t)
		var n atomic.Int32
		ts.handle("GET "+hostingPath, func(w http.ResponseWriter, r *http.Request) { n.Add(1); w.WriteHeader(code) })
		if err := aggregate(ts); err == nil {
			t.Fatalf("%d: no error", code)
		}
		if n.Load() != 1 || len(ts.waits()) != 0 {
			t.Errorf("%d: %d requests, waits %v; want exactly one request", code, n.Load(), ts.waits())
		}
	}
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	ts := setup(t)
	var n atomic.Int32
	ts.handle("GET "+hostingPath, func(w http.ResponseWriter, r *http.Request) { n.Add(1); w.WriteHeader(503) })
	ctx, cancel := context.WithCancel(context.Background())
	ts.client.sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return sleepContext(ctx, d)
	}
	_, _, err := ts.client.Evaluations.Aggregate(ctx, EvaluationsByHosting, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 503 {
		t.Errorf("error = %v; want it to carry the 503 it was waiting to retry", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d requests, want 1", n.Load())
	}
}

func TestContextCancelledIsNotRetried(t *testing.T) {
	ts := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	ts.handle("GET "+hostingPath, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	_, _, err := ts.client.Evaluations.Aggregate(ctx, EvaluationsByHosting, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if hooks := ts.hookCalls(); len(hooks) != 1 || hooks[0].Retry || !errors.Is(hooks[0].Err, context.Canceled) {
		t.Errorf("hooks = %+v; want one cancelled attempt, not retried", hooks)
	}
}

func TestSleepContext(t *testing.T) {
	if err := sleepContext(context.Background(), 0); err != nil {
		t.Errorf("sleepContext(0) = %v", err)
	}
	if err := sleepContext(context.Background(), time.Nanosecond); err != nil {
		t.Errorf("sleepContext(1ns) = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepContext(cancelled, 1h) = %v", err)
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	ts := setup(t, WithRequestTimeout(20*time.Millisecond), WithRetryPolicy(RetryPolicy{MaxAttempts: 2}))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	ts.handle("GET "+hostingPath, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	err := aggregate(ts)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no response within 20ms") {
		t.Fatalf("error = %v, want a per-attempt timeout", err)
	}
	hooks := ts.hookCalls()
	if len(hooks) != 2 || hooks[0].StatusCode != 0 || !hooks[0].Retry || hooks[1].Retry || !errors.Is(hooks[1].Err, context.DeadlineExceeded) {
		t.Errorf("hooks = %+v; want two timed-out attempts", hooks)
	}
}

func TestBodyBrokenOffIsRetried(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+hostingPath, sequence(func(w http.ResponseWriter, r *http.Request) {
		// Promise more than is sent, then hang up: a read error, not bad JSON.
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		io.WriteString(w, `{"total":`)
		w.(http.Flusher).Flush()
		hangUp(w, r)
	}, ok))
	if err := aggregate(ts); err != nil {
		t.Fatal(err)
	}
	if hooks := ts.hookCalls(); len(hooks) != 2 || hooks[0].StatusCode != 200 || hooks[0].Err == nil {
		t.Errorf("hooks = %+v", hooks)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, body string }{
		{"truncated", `{"total": {"name": "All apps", "series": [{"name": "Cloud", "elements": [{"date": "2026-03-01", "cou`},
		{"malformed", `{"total": nonsense}`},
		{"empty", ``},
		{"count as string", `{"total": {"series": [{"name": "Cloud", "elements": [{"date": "2026-03-01", "count": "12"}]}]}}`},
		{"count as object", `{"total": {"series": [{"name": "Cloud", "elements": [{"date": "2026-03-01", "count": {"n": 12}}]}]}}`},
		{"count fractional", `{"total": {"series": [{"name": "Cloud", "elements": [{"date": "2026-03-01", "count": 1.5}]}]}}`},
		{"date as number", `{"total": {"series": [{"name": "Cloud", "elements": [{"date": 20260301, "count": 1}]}]}}`},
		{"date not midnight", `{"total": {"series": [{"name": "Cloud", "elements": [{"date": "2026-03-01T10:00:00Z", "count": 1}]}]}}`},
		{"series as object", `{"total": {"series": {"name": "Cloud"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := setup(t)
			ts.handle("GET "+hostingPath, serveJSON(200, tt.body))
			err := aggregate(ts)
			var de *DecodeError
			if !errors.As(err, &de) || de.Endpoint != "evaluations_hosting" || !strings.Contains(err.Error(), "evaluations_hosting") {
				t.Fatalf("error = %v, want a DecodeError naming the endpoint", err)
			}
			if de.Unwrap() == nil {
				t.Error("DecodeError without cause")
			}
			if len(ts.hookCalls()) != 1 {
				t.Errorf("a decode error was retried: %+v", ts.hookCalls())
			}
		})
	}
}

func TestPostIsRetriedWithItsBody(t *testing.T) {
	ts := setup(t)
	var bodies []string
	ts.handle("POST "+"/rest/2/vendors/12345/partner-metrics", sequence(
		func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			w.WriteHeader(502)
		},
		func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			fmt.Fprint(w, `{"records": []}`)
		}))
	_, _, err := ts.client.PartnerMetrics.Query(context.Background(), &PartnerMetricsRequest{MetricSets: []string{"RECURRING_REVENUE"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || bodies[0] == "" || bodies[0] != bodies[1] {
		t.Errorf("bodies = %q; want the same body twice", bodies)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":            0,
		"0":           0,
		"-5":          0,
		" 12 ":        12 * time.Second,
		"99999999999": 0,
		now.Add(time.Minute).Format(http.TimeFormat): time.Minute,
		"Sun, 06 Nov 1994 08:49:37 GMT":              0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCheckResponse(t *testing.T) {
	if err := CheckResponse(&http.Response{StatusCode: 204}); err != nil {
		t.Errorf("CheckResponse(204) = %v", err)
	}
	req, _ := http.NewRequest("GET", "https://u:p@host/x", nil)
	r := &http.Response{
		StatusCode: 429,
		Header:     http.Header{"Retry-After": {"5"}},
		Body:       io.NopCloser(strings.NewReader(`{"errors": [{"message": "slow down"}]}`)),
		Request:    req,
	}
	var rl *RateLimitError
	if err := CheckResponse(r); !errors.As(err, &rl) || rl.RetryAfter != 5*time.Second || rl.URL != "https://host/x" || rl.Errors[0].Message != "slow down" {
		t.Errorf("CheckResponse(429) = %#v", err)
	}
}

// TestNoSecretsInErrors runs every failure path and checks that neither the
// token nor the Authorization value shows up in the error, in the hook's
// values, or in the printed RequestInfo.
func TestNoSecretsInErrors(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testToken))
	echo := func(w http.ResponseWriter, r *http.Request) {
		// A server that echoes the credentials back must not make them
		// part of the error.
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"errors": [{"message": "bad auth %s / %s"}]}`, r.Header.Get("Authorization"), testToken)
	}
	paths := []struct {
		name    string
		handler http.HandlerFunc
		opts    []Option
		call    func(*testServer) error
	}{
		{name: "400", handler: serveJSON(400, `{"errors": [{"message": "Must be a date"}]}`)},
		{name: "401", handler: status(401)},
		{name: "403", handler: status(403)},
		{name: "404", handler: status(404)},
		{name: "429", handler: status(429, "Retry-After", "1")},
		{name: "503", handler: status(503)},
		{name: "echoed credentials", handler: echo},
		{name: "connection drop", handler: hangUp},
		{name: "timeout", handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, opts: []Option{WithRequestTimeout(10 * time.Millisecond)}},
		{name: "decode", handler: serveJSON(200, `{"total": {"series": "x"}}`)},
		{name: "pagination loop", handler: serveJSON(200, `{"_links": {"next": {"href": "`+testPrefix+v2Root+`/licenses?limit=50"}}, "licenses": []}`),
			call: func(ts *testServer) error {
				_, err := collect(ts.client.Licenses.All(context.Background(), nil))
				return err
			}},
		{name: "export broken off", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, `[{"addonKey": "a"},`)
			w.(http.Flusher).Flush()
			hangUp(w, r)
		}, call: func(ts *testServer) error {
			_, err := collect(ts.client.Licenses.Export(context.Background(), nil))
			return err
		}},
		{name: "cancelled in backoff", handler: status(503), call: func(ts *testServer) error {
			ctx, cancel := context.WithCancel(context.Background())
			ts.client.sleep = func(context.Context, time.Duration) error { cancel(); return ctx.Err() }
			_, _, err := ts.client.Evaluations.Aggregate(ctx, EvaluationsByHosting, nil)
			return err
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			ts := setup(t, append([]Option{WithRetryPolicy(RetryPolicy{MaxAttempts: 2})}, p.opts...)...)
			ts.mux.HandleFunc("/", p.handler)
			call := p.call
			if call == nil {
				call = aggregate
			}
			err := call(ts)
			if err == nil {
				t.Fatal("no error")
			}
			texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
			for _, h := range ts.hookCalls() {
				texts = append(texts, fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", h))
				if h.Err != nil {
					texts = append(texts, h.Err.Error())
				}
			}
			for _, s := range texts {
				if strings.Contains(s, testToken) || strings.Contains(s, basic) {
					t.Errorf("secret in %q", s)
				}
			}
		})
	}
}

// TestWrongTypesAreDecodeErrors serves a body per endpoint in which one
// number or list has the wrong JSON type: each must fail with a DecodeError
// naming the endpoint, never come back as a zero.
func TestWrongTypesAreDecodeErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		fixture, path, endpoint string
		call                    func(*Client) error
	}{
		{"transactions-price-as-string.json", v2Root + "/sales/transactions", "transactions", func(c *Client) error {
			_, _, err := c.Transactions.List(ctx, nil)
			return err
		}},
		{"churn-unique-total-as-string.json", v2Root + "/sales/metrics/churn", "churn", func(c *Client) error {
			_, _, err := c.CloudMetrics.Get(ctx, CloudChurn, nil)
			return err
		}},
		{"partner-metrics-mrr-as-object.json", "/rest/2/vendors/12345/partner-metrics", "partner_metrics", func(c *Client) error {
			_, _, err := c.PartnerMetrics.Query(ctx, &PartnerMetricsRequest{MetricSets: []string{"RECURRING_REVENUE"}})
			return err
		}},
		{"evaluation-benchmark-count-as-string.json", v2Root + "/benchmark/evaluations", "evaluation_benchmark", func(c *Client) error {
			_, _, err := c.Benchmarks.Evaluations(ctx, nil)
			return err
		}},
		{"distribution-downloads-as-float.json", "/rest/2/addons/a/distribution", "app_distribution", func(c *Client) error {
			_, _, err := c.Apps.Distribution(ctx, "a")
			return err
		}},
		// A count that is null or missing reads as zero unless refused.
		{"evaluations-count-null.json", v2Root + "/evaluations/hosting", "evaluations_hosting", func(c *Client) error {
			_, _, err := c.Evaluations.Aggregate(ctx, EvaluationsByHosting, nil)
			return err
		}},
		{"churn-count-missing.json", v2Root + "/sales/metrics/churn", "churn", func(c *Client) error {
			_, _, err := c.CloudMetrics.Get(ctx, CloudChurn, nil)
			return err
		}},
		{"distribution-downloads-null.json", "/rest/2/addons/a/distribution", "app_distribution", func(c *Client) error {
			_, _, err := c.Apps.Distribution(ctx, "a")
			return err
		}},
		{"addons-reviews-without-average.json", "/rest/2/addons/vendor/12345", "apps", func(c *Client) error {
			_, _, err := c.Apps.List(ctx)
			return err
		}},
		{"licenses-as-object.json", v2Root + "/licenses", "licenses", func(c *Client) error {
			_, err := collect(c.Licenses.All(ctx, nil))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ts := setup(t)
			body := fixture(t, "wrong-types/"+tt.fixture)
			ts.mux.HandleFunc(testPrefix+tt.path, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
			var de *DecodeError
			if err := tt.call(ts.client); !errors.As(err, &de) || de.Endpoint != tt.endpoint {
				t.Fatalf("error = %v, want a DecodeError for %s", err, tt.endpoint)
			}
		})
	}
}
