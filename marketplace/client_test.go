package marketplace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestNewClientValidates(t *testing.T) {
	creds := WithCredentials(testUser, testToken)
	tests := []struct {
		name string
		opts []Option
		want string // part of the error; "" for success
	}{
		{"v2 with vendor", []Option{creds, WithVendorID(1)}, ""},
		{"v3 with developer", []Option{creds, WithAPI(APIv3), WithDeveloperID(testDevID)}, ""},
		{"v3 with vendor", []Option{creds, WithAPI(APIv3), WithVendorID(1)}, ""},
		{"no credentials", []Option{WithVendorID(1)}, "credentials are required"},
		{"empty token", []Option{WithCredentials(testUser, ""), WithVendorID(1)}, "both a user and a token"},
		{"colon in user", []Option{WithCredentials("a:b", testToken), WithVendorID(1)}, "cannot contain ':'"},
		{"v2 without vendor", []Option{creds}, "needs a vendor id"},
		{"v2 with developer only", []Option{creds, WithDeveloperID(testDevID)}, "needs a vendor id"},
		{"v3 without ids", []Option{creds, WithAPI(APIv3)}, "developer id or a vendor id"},
		{"unknown API", []Option{creds, WithVendorID(1), WithAPI("v9")}, "unknown API generation"},
		{"negative vendor", []Option{creds, WithVendorID(-1)}, "must be positive"},
		{"empty developer", []Option{creds, WithDeveloperID("")}, "must not be empty"},
		{"relative base", []Option{creds, WithVendorID(1), WithBaseURL("/rest")}, "absolute http or https"},
		{"ftp base", []Option{creds, WithVendorID(1), WithBaseURL("ftp://host")}, "absolute http or https"},
		{"base with query", []Option{creds, WithVendorID(1), WithBaseURL("https://host/?a=b")}, "query or fragment"},
		{"catalog not a URL", []Option{creds, WithVendorID(1), WithCatalogURL("https://host:port:x")}, "absolute http or https"},
		{"nil http client", []Option{creds, WithVendorID(1), WithHTTPClient(nil)}, "must not be nil"},
		{"empty user agent", []Option{creds, WithVendorID(1), WithUserAgent("")}, "must not be empty"},
		{"zero timeout", []Option{creds, WithVendorID(1), WithRequestTimeout(0)}, "must be positive"},
		{"zero export timeout", []Option{creds, WithVendorID(1), WithExportTimeout(0)}, "must be positive"},
		{"negative retry", []Option{creds, WithVendorID(1), WithRetryPolicy(RetryPolicy{MaxAttempts: -1})}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.opts...)
			if tt.want == "" {
				if err != nil || c == nil {
					t.Fatalf("NewClient = %v, %v; want a client", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewClient error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestBaseURLWithCredentialsIsRejectedWithoutEchoingThem(t *testing.T) {
	_, err := NewClient(WithCredentials(testUser, testToken), WithVendorID(1),
		WithBaseURL("https://user:"+testToken+"@host"))
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Fatalf("error = %v; want a rejection that does not repeat the token", err)
	}
}

func TestNewClientDefaults(t *testing.T) {
	c, err := NewClient(WithCredentials(testUser, testToken), WithVendorID(7))
	if err != nil {
		t.Fatal(err)
	}
	if c.API() != APIv2 || c.VendorID() != 7 {
		t.Errorf("API, VendorID = %s, %d; want v2, 7", c.API(), c.VendorID())
	}
	if c.reportingBase.String() != DefaultBaseURL || c.catalogBase.String() != DefaultBaseURL || c.v3Base.String() != DefaultV3BaseURL {
		t.Errorf("bases = %s, %s, %s", c.reportingBase, c.catalogBase, c.v3Base)
	}
	if c.userAgent != DefaultUserAgent || c.retry != DefaultRetryPolicy || c.httpClient != http.DefaultClient {
		t.Errorf("defaults not applied: %q %+v", c.userAgent, c.retry)
	}

	c, err = NewClient(WithCredentials(testUser, testToken), WithAPI(APIv3), WithDeveloperID(testDevID),
		WithCatalogURL("https://catalog.example/"), WithRetryPolicy(RetryPolicy{MaxAttempts: 2}))
	if err != nil {
		t.Fatal(err)
	}
	if c.reportingBase.String() != DefaultV3BaseURL || c.catalogBase.String() != "https://catalog.example" {
		t.Errorf("v3 bases = %s, %s", c.reportingBase, c.catalogBase)
	}
	want := DefaultRetryPolicy
	want.MaxAttempts = 2
	if c.retry != want {
		t.Errorf("retry = %+v, want %+v", c.retry, want)
	}
}

func TestCatalogURLOverridesBaseURLInAnyOrder(t *testing.T) {
	for _, opts := range [][]Option{
		{WithCatalogURL("https://catalog.example"), WithBaseURL("https://base.example/p")},
		{WithBaseURL("https://base.example/p"), WithCatalogURL("https://catalog.example")},
	} {
		c, err := NewClient(append(opts, WithCredentials(testUser, testToken), WithVendorID(1))...)
		if err != nil {
			t.Fatal(err)
		}
		if c.catalogBase.String() != "https://catalog.example" || c.reportingBase.String() != "https://base.example/p" || c.v3Base.String() != "https://base.example/p" {
			t.Errorf("bases = %s, %s, %s", c.reportingBase, c.catalogBase, c.v3Base)
		}
	}
}

func TestClientDoesNotPrintToken(t *testing.T) {
	ts := setup(t)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, ts.client); strings.Contains(s, testToken) || strings.Contains(s, "Basic ") {
			t.Errorf("Sprintf(%q, client) shows the credentials", format)
		}
	}
}

func TestAPIGenerationPaths(t *testing.T) {
	for _, tt := range []struct {
		api  API
		opts []Option
		root string
	}{
		{APIv2, nil, v2Root},
		{APIv3, []Option{WithAPI(APIv3), WithDeveloperID(testDevID)}, v3Root},
	} {
		t.Run(string(tt.api), func(t *testing.T) {
			ts := setup(t, tt.opts...)
			ts.handle("GET "+tt.root+"/evaluations/hosting", serve(t, "GET", nil, "fixtures/evaluations-by-hosting.json"))
			if _, _, err := ts.client.Evaluations.Aggregate(context.Background(), EvaluationsByHosting, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDeveloperIDLookedUpOnceAndCached(t *testing.T) {
	ts := setup(t, WithAPI(APIv3))
	var lookups atomic.Int32
	ts.handle("GET /rest/3/developer-space/vendor/12345", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, "GET", nil)
		lookups.Add(1)
		fmt.Fprintf(w, `{"developerId": %q}`, testDevID)
	})
	ts.handle("GET "+v3Root+"/evaluations/region", serveJSON(200, `{"total": {"name": "All apps", "series": []}, "addons": []}`))
	for range 3 {
		if _, _, err := ts.client.Evaluations.Aggregate(context.Background(), EvaluationsByRegion, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := lookups.Load(); n != 1 {
		t.Errorf("developer-space lookups = %d, want 1", n)
	}
	if id, err := ts.client.DeveloperID(context.Background()); id != testDevID || err != nil {
		t.Errorf("DeveloperID = %q, %v", id, err)
	}
}

func TestDeveloperIDRetriedAfterFailure(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	var calls atomic.Int32
	ts.handle("GET /rest/3/developer-space/vendor/12345", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, `{"developerId": %q}`, testDevID)
	})
	_, err := ts.client.DeveloperID(context.Background())
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("first DeveloperID error = %v, want ErrNotFound", err)
	}
	if id, err := ts.client.DeveloperID(context.Background()); id != testDevID || err != nil {
		t.Fatalf("second DeveloperID = %q, %v", id, err)
	}
}

func TestDeveloperSpaceLookup(t *testing.T) {
	ts := setup(t)
	ts.handle("GET /rest/3/developer-space/vendor/12345", serveJSON(200, `{"developerId": ""}`))
	var de *DecodeError
	if _, _, err := ts.client.DeveloperSpace.Lookup(context.Background(), testVendorID); !errors.As(err, &de) || de.Endpoint != "developer_space" {
		t.Errorf("Lookup of an empty id: error = %v, want a DecodeError", err)
	}
	if _, _, err := ts.client.DeveloperSpace.Lookup(context.Background(), 0); err == nil {
		t.Error("Lookup(0) succeeded")
	}
}

func TestDoRefusesForeignHosts(t *testing.T) {
	ts := setup(t)
	var hit atomic.Bool
	other := setup(t)
	other.handle("GET /x", func(w http.ResponseWriter, r *http.Request) { hit.Store(true) })
	req, err := http.NewRequest("GET", other.server.URL+testPrefix+"/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.client.Do(req, "test", nil); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("Do to another host: error = %v", err)
	}
	if _, err := ts.client.NewRequest(context.Background(), "GET", other.server.URL+"/x", nil); err == nil {
		t.Error("NewRequest accepted another host")
	}
	if hit.Load() {
		t.Error("the other host was called")
	}
}

func TestNewRequestAndDo(t *testing.T) {
	ts := setup(t)
	ts.handle("POST /rest/2/custom", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, "POST", map[string][]string{"a": {"1"}})
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		fmt.Fprint(w, `{"ok": true}`)
	})
	req, err := ts.client.NewRequest(context.Background(), "POST", "/rest/2/custom?a=1", map[string]int{"x": 1})
	if err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("NewRequest put credentials on the request the caller holds")
	}
	var v struct{ OK bool }
	resp, err := ts.client.Do(req, "custom", &v)
	if err != nil || !v.OK || resp.StatusCode != 200 || resp.TotalCount != -1 {
		t.Fatalf("Do = %+v, %v, %+v", resp, err, v)
	}
	if _, err := ts.client.NewRequest(context.Background(), "GET", "/x", func() {}); err == nil {
		t.Error("NewRequest encoded a func")
	}
	if _, err := ts.client.NewRequest(context.Background(), "GET", "%zz", nil); err == nil {
		t.Error("NewRequest accepted an unreadable URL")
	}
}

func TestReportingLinks(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root, serve(t, "GET", nil, "fixtures/reporting-links.json"))
	links, _, err := ts.client.ReportingLinks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 19 {
		t.Errorf("got %d relations, want 19", len(links))
	}
	equal(t, links["self"], []LinkTemplate{{Template: "/rest/2/vendors/12345/reporting"}})
	equal(t, links["licenses"], []LinkTemplate{{
		Template:  "/rest/2/vendors/12345/reporting/licenses{?addon*,startDate,endDate,text,tier*,dateType,licenseType*,partnerType*,hosting*,status*,withDataInsights,lastUpdated,sortBy,order,offset,limit}",
		Templated: true,
		Type:      "application/json",
	}})
	if churn := links["cloudChurn"]; len(churn) != 2 || churn[1].Name != "details" || !churn[1].Templated {
		t.Errorf("cloudChurn = %+v", churn)
	}
}

func TestReportingLinksV3HrefTemplates(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), WithDeveloperID(testDevID))
	ts.handle("GET "+v3Root, serve(t, "GET", nil, "v3-reporting-links.json"))
	links, _, err := ts.client.ReportingLinks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, links["cloudChurnBenchmark"], []LinkTemplate{{
		Template:  "/rest/3/reporting/developer-space/" + testDevID + "/sales/metrics/churn/benchmark{?addon*,startDate,endDate}",
		Templated: true,
		Type:      "application/json",
	}})
	if fl := links["feedbackLinks"]; len(fl) != 2 || fl[1].Name != "reason" || !fl[1].Templated {
		t.Errorf("feedbackLinks = %+v", fl)
	}
}
