package marketplacetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestPagination(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, base := range []string{v2(s), v3(s)} {
		var first struct {
			Links struct {
				Next, Prev *struct{ Href string }
			} `json:"_links"`
			Licenses   []json.RawMessage
			TotalCount *int `json:"totalCount"`
		}
		getJSON(t, s, base+"/licenses?limit=500", &first)
		if len(first.Licenses) != maxLimit {
			t.Fatalf("limit=500 gave %d rows, want the cap of %d", len(first.Licenses), maxLimit)
		}
		if first.Links.Prev != nil || first.Links.Next == nil {
			t.Fatalf("first page links: %+v", first.Links)
		}
		next, _ := url.Parse(first.Links.Next.Href)
		if !strings.HasPrefix(next.Path, base) || next.Query().Get("offset") != "50" || next.Query().Get("limit") != "50" {
			t.Errorf("next link %s", first.Links.Next.Href)
		}
		v3Path := strings.HasPrefix(base, "/rest/3")
		if v3Path != (first.TotalCount != nil) {
			t.Errorf("%s: totalCount present = %v", base, first.TotalCount != nil)
		}

		var second struct {
			Links struct{ Next, Prev *struct{ Href string } } `json:"_links"`
		}
		getJSON(t, s, first.Links.Next.Href, &second)
		if second.Links.Prev == nil || !strings.Contains(second.Links.Prev.Href, "offset=0") {
			t.Errorf("second page prev: %+v", second.Links.Prev)
		}

		var def struct{ Licenses []json.RawMessage }
		getJSON(t, s, base+"/licenses", &def)
		if len(def.Licenses) != defaultLimit {
			t.Errorf("default page has %d rows, want %d", len(def.Licenses), defaultLimit)
		}

		// Paging the whole history would take hundreds of pages; a few
		// weeks of it take dozens.
		recent := "startDate=2026-07-01"
		all := pageThrough(t, s, base+"/licenses?limit=50&"+recent, "licenses")
		var export []json.RawMessage
		getJSON(t, s, base+"/licenses/export?"+recent, &export)
		if len(all) != len(export) || len(all) == 0 {
			t.Errorf("paging found %d licenses, export %d", len(all), len(export))
		}
		var filtered struct {
			TotalCount *int `json:"totalCount"`
		}
		getJSON(t, s, base+"/licenses?"+recent, &filtered)
		if v3Path && *filtered.TotalCount != len(all) {
			t.Errorf("totalCount %d, rows %d", *filtered.TotalCount, len(all))
		}
	}
}

// errorMessage decodes a JsonErrorsDoc and returns its first message.
func errorMessage(t *testing.T, body []byte) string {
	t.Helper()
	var doc struct{ Errors []struct{ Message string } }
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Errors) == 0 {
		t.Fatalf("not a JsonErrorsDoc: %s", body)
	}
	return doc.Errors[0].Message
}

func TestAuthentication(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, tc := range []struct {
		name string
		set  func(*http.Request)
	}{
		{"missing", func(*http.Request) {}},
		{"wrong token", func(r *http.Request) { r.SetBasicAuth(DefaultUser, "nope") }},
		{"wrong user", func(r *http.Request) { r.SetBasicAuth("someone@example.com", DefaultToken) }},
	} {
		req, _ := http.NewRequest("GET", s.URL+v2(s)+"/licenses", nil)
		tc.set(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s credentials: status %d", tc.name, resp.StatusCode)
		}
		errorMessage(t, body)
	}
	s.InjectFault("licenses", Fault{Status: http.StatusForbidden})
	if status, body := fetch(t, s, "GET", v2(s)+"/licenses", ""); status != http.StatusForbidden {
		t.Errorf("403 fault: status %d", status)
	} else {
		errorMessage(t, body)
	}
}

func TestNotFound(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, path := range []string{
		"/rest/2/vendors/999/reporting/licenses",
		"/rest/3/reporting/developer-space/00000000-0000-4000-8000-000000000000/licenses",
		"/rest/2/addons/com.example.nothing",
		"/rest/2/addons/com.example.nothing/distribution",
		"/rest/2/addons/vendor/999",
		"/rest/3/developer-space/vendor/999",
		"/rest/2/vendors/12345/reporting/no-such-thing",
	} {
		status, body := fetch(t, s, "GET", path, "")
		if status != http.StatusNotFound {
			t.Errorf("%s: status %d", path, status)
			continue
		}
		errorMessage(t, body)
	}
}

func TestValidation(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, tc := range []struct{ method, path, body, message string }{
		{"GET", v2(s) + "/evaluations/hosting?startDate=2026-13-01", "", "Must be a date"},
		{"GET", v3(s) + "/sales/transactions/tier?endDate=15/08/2026", "", "Must be a date"},
		{"GET", v2(s) + "/licenses?lastUpdated=yesterday", "", "Must be a date"},
		{"GET", v2(s) + "/evaluations/hosting?aggregation=WEEK", "", "aggregation"},
		{"GET", v2(s) + "/sales/metrics/churn?aggregation=day", "", "aggregation"},
		{"GET", v2(s) + "/evaluations/planet", "", "metric"},
		{"GET", v2(s) + "/sales/transactions/colour", "", "metric"},
		{"GET", v2(s) + "/feedback/metrics/mood", "", "metric"},
		{"GET", v2(s) + "/sales/metrics/happiness", "", "metric"},
		{"GET", v2(s) + "/licenses?hosting=mainframe", "", "hosting"},
		{"GET", v2(s) + "/licenses?status=sleeping", "", "status"},
		{"GET", v2(s) + "/sales/transactions?saleType=gift", "", "saleType"},
		{"GET", v2(s) + "/licenses?limit=ten", "", "limit"},
		{"GET", v2(s) + "/licenses?offset=-1", "", "offset"},
		{"GET", v2(s) + "/customer-insights/tiers?product=bitbucket", "", "Must be a jira or confluence"},
		{"POST", "/rest/2/vendors/12345/partner-metrics", "{not json", "Malformed"},
		{"POST", "/rest/2/vendors/12345/partner-metrics", `{"dateRange":{"startDate":"2026-01-01","endDate":"2026-02-01"}}`, "metrics"},
		{"POST", "/rest/2/vendors/12345/partner-metrics", `{"metrics":{"metricSets":[{"name":"RECURRING_REVENUE"}]},"dateRange":{"startDate":"2026-01-01","endDate":"soon"}}`, "Must be a date"},
		{"POST", "/rest/2/vendors/12345/partner-metrics", `{"metrics":{"metricSets":[{"name":"RECURRING_REVENUE"}]},"dateRange":{"startDate":"2026-01-01","endDate":"2026-02-01"},"granularity":"HOUR"}`, "granularity"},
	} {
		status, body := fetch(t, s, tc.method, tc.path, tc.body)
		if status != http.StatusBadRequest {
			t.Errorf("%s %s: status %d, want 400", tc.method, tc.path, status)
			continue
		}
		if msg := errorMessage(t, body); !strings.Contains(msg, tc.message) {
			t.Errorf("%s %s: message %q, want it to mention %q", tc.method, tc.path, msg, tc.message)
		}
	}
	// Repeated keys filter by every value.
	var both, alpha, beacon []json.RawMessage
	getJSON(t, s, v2(s)+"/licenses/export?addon=com.example.alpha&addon=com.example.beacon", &both)
	getJSON(t, s, v2(s)+"/licenses/export?addon=com.example.alpha", &alpha)
	getJSON(t, s, v2(s)+"/licenses/export?addon=com.example.beacon", &beacon)
	if len(both) != len(alpha)+len(beacon) || len(alpha) == 0 || len(beacon) == 0 {
		t.Errorf("addon=alpha&addon=beacon: %d rows; alpha %d, beacon %d", len(both), len(alpha), len(beacon))
	}
}

// do sends an authenticated GET with client.
func do(client *http.Client, s *Server, path string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.SetBasicAuth(DefaultUser, DefaultToken)
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestFaults(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	path := v2(s) + "/evaluations/hosting?" + window
	client := &http.Client{}
	_, normal, err := do(client, s, path)
	if err != nil || !json.Valid(normal) {
		t.Fatalf("normal response: %v", err)
	}

	t.Run("status with Retry-After", func(t *testing.T) {
		s.InjectFault("evaluations_hosting", Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 1})
		resp, body, err := do(client, s, path)
		if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
			t.Fatalf("got %v %v Retry-After %q", err, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		errorMessage(t, body)
		if resp, _, _ := do(client, s, path); resp.StatusCode != 200 {
			t.Errorf("Times: 1 fault still applies: %d", resp.StatusCode)
		}
	})
	t.Run("truncate", func(t *testing.T) {
		s.InjectFault("evaluations_hosting", Fault{Truncate: true, Times: 1})
		resp, body, err := do(client, s, path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("got %v %v", err, resp)
		}
		if json.Valid(body) || len(body) == 0 || !bytes.HasPrefix(normal, body) {
			t.Errorf("truncated body is not a cut-off prefix of the normal one: %.80s", body)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		s.InjectFault("evaluations_hosting", Fault{Malformed: true, Times: 1})
		resp, body, err := do(client, s, path)
		if err != nil || resp.StatusCode != 200 || json.Valid(body) {
			t.Errorf("got %v %v %.80s", err, resp.StatusCode, body)
		}
	})
	t.Run("rewrite", func(t *testing.T) {
		s.InjectFault("evaluations_hosting", Fault{Times: 1, Rewrite: func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"count":`), []byte(`"count":"x",`+`"was":`), 1)
		}})
		_, body, _ := do(client, s, path)
		if !bytes.Contains(body, []byte(`"count":"x"`)) {
			t.Errorf("body not rewritten: %.200s", body)
		}
	})
	t.Run("drop", func(t *testing.T) {
		// Not Times: 1, since the transport retries an idempotent request
		// once when a reused connection closes before answering.
		s.InjectFault("evaluations_hosting", Fault{Drop: true})
		defer s.ClearFaults()
		if _, _, err := do(client, s, path); err == nil {
			t.Error("dropped connection gave a response")
		}
	})
	t.Run("hang", func(t *testing.T) {
		s.InjectFault("evaluations_hosting", Fault{Hang: true, Times: 1})
		_, _, err := do(&http.Client{Timeout: 200 * time.Millisecond}, s, path)
		var ue *url.Error
		if !errors.As(err, &ue) || !ue.Timeout() {
			t.Errorf("hung request: %v, want a client timeout", err)
		}
		if resp, _, err := do(client, s, path); err != nil || resp.StatusCode != 200 {
			t.Errorf("after a hang: %v", err)
		}
	})
	t.Run("latency respects cancellation", func(t *testing.T) {
		s.InjectFault("evaluations_hosting", Fault{Latency: time.Hour, Times: 1})
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+path, nil)
		req.SetBasicAuth(DefaultUser, DefaultToken)
		cancel()
		if _, err := client.Do(req); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled slow request: %v", err)
		}
		s.InjectFault("evaluations_hosting", Fault{Latency: 20 * time.Millisecond, Times: 1})
		start := time.Now()
		if resp, body, err := do(client, s, path); err != nil || !bytes.Equal(body, normal) || resp.StatusCode != 200 {
			t.Errorf("slow response: %v", err)
		}
		if time.Since(start) < 20*time.Millisecond {
			t.Error("latency not applied")
		}
	})
	t.Run("every endpoint, named ones first, cleared", func(t *testing.T) {
		s.InjectFault(AllEndpoints, Fault{Status: 502})
		s.InjectFault("licenses", Fault{Status: 503})
		if resp, _, _ := do(client, s, v2(s)+"/licenses"); resp.StatusCode != 503 {
			t.Errorf("licenses: %d, want 503", resp.StatusCode)
		}
		if resp, _, _ := do(client, s, path); resp.StatusCode != 502 {
			t.Errorf("evaluations: %d, want 502", resp.StatusCode)
		}
		s.ClearFaults()
		if resp, _, _ := do(client, s, path); resp.StatusCode != 200 {
			t.Errorf("after ClearFaults: %d", resp.StatusCode)
		}
	})
}

func TestServerCloseReleasesHungRequests(t *testing.T) {
	s, err := NewServer(Options{Clock: NewManualClock(testToday)})
	if err != nil {
		t.Fatal(err)
	}
	s.InjectFault(AllEndpoints, Fault{Hang: true})
	done := make(chan error, 1)
	go func() {
		_, _, err := do(http.DefaultClient, s, v2(s))
		done <- err
	}()
	// Close must not wait for the hung request; the client sees the
	// connection go. The request count is the only sign that the request
	// has reached its handler, so the test yields until it moves.
	for s.Requests("reporting_links") == 0 {
		runtime.Gosched()
	}
	s.Close()
	if err := <-done; err == nil {
		t.Error("hung request got a response")
	}
}

func TestRequestCounts(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	fetch(t, s, "GET", v2(s)+"/licenses", "")
	fetch(t, s, "GET", v3(s)+"/licenses?limit=1", "")
	fetch(t, s, "GET", v2(s)+"/sales/transactions/tier", "")
	s.InjectFault("churn", Fault{Status: 500})
	fetch(t, s, "GET", v2(s)+"/sales/metrics/churn", "")
	req, _ := http.NewRequest("GET", s.URL+v2(s)+"/licenses/export", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	fetch(t, s, "POST", "/rest/3/partner-metrics/developer-space/"+s.Options().DeveloperID, "{}")
	fetch(t, s, "GET", "/rest/2/addons/com.example.alpha/distribution", "")
	want := map[string]int{"licenses": 2, "sales_tier": 1, "churn": 1, "licenses_export": 1, "partner_metrics": 1, "app_distribution": 1}
	got := s.RequestCounts()
	for k, v := range want {
		if got[k] != v || s.Requests(k) != v {
			t.Errorf("%s: %d requests counted, want %d", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	s.ResetCounts()
	if n := len(s.RequestCounts()); n != 0 {
		t.Errorf("after ResetCounts: %d endpoints counted", n)
	}
}

// TestLatencyOption checks that Options.Latency delays every endpoint, rejected requests
// included, adds to a fault's latency, and gives way to a cancelled request.
func TestLatencyOption(t *testing.T) {
	const latency = 30 * time.Millisecond
	s, _ := newTestServer(t, Options{Latency: latency})
	slow := func(what string, minimum time.Duration, send func()) {
		t.Helper()
		start := time.Now()
		send()
		if took := time.Since(start); took < minimum {
			t.Errorf("%s answered after %v, want at least %v", what, took, minimum)
		}
	}
	slow("licenses", latency, func() { fetch(t, s, "GET", v2(s)+"/licenses", "") })
	slow("partner metrics", latency, func() {
		fetch(t, s, "POST", "/rest/3/partner-metrics/developer-space/"+s.Options().DeveloperID, "{}")
	})
	slow("a request without credentials", latency, func() {
		resp, err := http.Get(s.URL + v2(s) + "/licenses")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
	})
	s.InjectFault("licenses", Fault{Latency: latency, Times: 1})
	slow("a slow fault", 2*latency, func() { fetch(t, s, "GET", v2(s)+"/licenses", "") })

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+v2(s)+"/licenses", nil)
	req.SetBasicAuth(DefaultUser, DefaultToken)
	cancel()
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v", err)
	}
}

func TestOptions(t *testing.T) {
	if _, err := New(Options{Apps: -1, HistoryDays: 99999, Latency: -time.Second}); err == nil || !strings.Contains(err.Error(), "Apps") ||
		!strings.Contains(err.Error(), "HistoryDays") || !strings.Contains(err.Error(), "Latency") {
		t.Errorf("bad options: %v", err)
	}
	s, err := New(Options{Clock: NewManualClock(testToday)})
	if err != nil {
		t.Fatal(err)
	}
	o := s.Options()
	if o.Seed != 1 || o.Apps != 3 || o.HistoryDays != 730 || o.VendorID != 12345 || o.User != DefaultUser ||
		o.Token != DefaultToken || len(o.DeveloperID) != 36 || o.Licenses == 0 || o.Transactions == 0 {
		t.Errorf("defaults: %+v", o)
	}
	if len(s.Data().Apps) != 3 {
		t.Errorf("%d apps", len(s.Data().Apps))
	}
}
