package marketplace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
)

func TestAppsListFollowsArrayNextLinks(t *testing.T) {
	ts := setup(t)
	ts.handle("GET /rest/2/addons/vendor/12345", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("offset") {
		case "":
			serve(t, "GET", url.Values{"limit": {"50"}}, "addons-page-1.json")(w, r)
		case "1":
			// The link asked for limit=1; the client asks for 50 regardless.
			serve(t, "GET", url.Values{"offset": {"1"}, "limit": {"50"}}, "addons-page-2.json")(w, r)
		}
	})
	got, resp, err := ts.client.Apps.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if resp.NextURL != "" {
		t.Errorf("last Response.NextURL = %q", resp.NextURL)
	}
	equal(t, got, []App{
		{
			Key: "com.example.alpha", Name: "Alpha for Jira", Status: "public",
			Distribution: &Distribution{Downloads: 18342, TotalInstalls: ptr(int64(2741)), TotalUsers: ptr(int64(186520))},
			Reviews:      &ReviewSummary{Count: 42, AverageStars: 3.8},
		},
		{Key: "com.example.beta", Name: "Beta for Confluence", Status: "private", Distribution: &Distribution{Downloads: 310, BundledCloud: true}},
	})
	for _, h := range ts.hookCalls() {
		if h.Endpoint != "apps" {
			t.Errorf("endpoint = %s", h.Endpoint)
		}
	}
}

func TestAppsListV3ProductListing(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), withoutVendorID, WithDeveloperID(testDevID))
	ts.handle("GET /rest/3/product-listing/developer-space/"+testDevID, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			serve(t, "GET", url.Values{"limit": {"50"}}, "product-listing.json")(w, r)
			return
		}
		checkRequest(t, r, "GET", url.Values{"cursor": {"abc=="}, "limit": {"50"}})
		w.Write([]byte(`{"items": [{"productId": "p2", "appKey": "com.example.beta", "appName": "Beta"}], "links": {}}`))
	})
	got, _, err := ts.client.Apps.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, []App{
		{Key: "com.example.alpha", Name: "Alpha for Jira", Status: "PUBLIC", ProductID: "5f0c6d8e-0000-4000-8000-000000000001"},
		{Key: "com.example.beta", Name: "Beta", ProductID: "p2"},
	})
}

func TestAppsUseTheCatalogURL(t *testing.T) {
	catalog := setup(t)
	catalog.handle("GET /rest/2/addons/com.example.alpha/distribution", serve(t, "GET", nil, "fixtures/addon-distribution-summary.json"))
	ts := setup(t, WithCatalogURL(catalog.server.URL+testPrefix))
	got, _, err := ts.client.Apps.Distribution(context.Background(), "com.example.alpha")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, &Distribution{Downloads: 18342, TotalInstalls: ptr(int64(2741)), TotalUsers: ptr(int64(186520))})
	if h := ts.hookCalls(); len(h) != 1 || h[0].Endpoint != "app_distribution" {
		t.Errorf("hooks = %+v", h)
	}
}

func TestAppsGet(t *testing.T) {
	ts := setup(t)
	ts.handle("GET /rest/2/addons/com.example.alpha", serveJSON(200, `{"key": "com.example.alpha", "name": "Alpha", "status": "public",
		"_embedded": {"reviews": {"averageStars": 4.5, "count": 2}}}`))
	got, _, err := ts.client.Apps.Get(context.Background(), "com.example.alpha")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, &App{Key: "com.example.alpha", Name: "Alpha", Status: "public", Reviews: &ReviewSummary{Count: 2, AverageStars: 4.5}})

	ts.handle("GET /rest/2/addons/com.example.gone", status(404))
	if _, _, err := ts.client.Apps.Get(context.Background(), "com.example.gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
	if _, _, err := ts.client.Apps.Get(context.Background(), ""); err == nil {
		t.Error("empty key accepted")
	}
	if _, _, err := ts.client.Apps.Distribution(context.Background(), ""); err == nil {
		t.Error("empty key accepted")
	}
}

func TestAppsListErrors(t *testing.T) {
	ts := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	ts.handle("GET /rest/2/addons/vendor/12345", status(502))
	if _, _, err := ts.client.Apps.List(context.Background()); err == nil {
		t.Error("no error")
	}
	v3 := setup(t, WithAPI(APIv3), WithRetryPolicy(RetryPolicy{MaxAttempts: 1}), withoutVendorID, WithDeveloperID(testDevID))
	v3.client.developerID = ""
	if _, _, err := v3.client.Apps.List(context.Background()); err == nil {
		t.Error("no error without ids")
	}
}

// withoutVendorID undoes the vendor id setup configures, leaving a client
// that knows only its developer id.
func withoutVendorID(c *Client) error {
	c.vendorID = 0
	return nil
}

func TestAppsListV3ProductListingHALForm(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), withoutVendorID, WithDeveloperID(testDevID))
	path := "/rest/3/product-listing/developer-space/" + testDevID
	ts.handle("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			fmt.Fprintf(w, `{"_links": {"next": {"href": "%s?cursor=c1&limit=10"}}, "products": [{"productId": "p1", "appKey": "a1", "name": "A1", "hosting": ["cloud"]}], "nextCursor": "c1", "totalCount": 2}`, path)
			return
		}
		io.WriteString(w, `{"_links": {}, "products": [{"productId": "p2", "appKey": "a2", "name": "A2"}], "totalCount": 2}`)
	})
	got, resp, err := ts.client.Apps.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, []App{{Key: "a1", Name: "A1", ProductID: "p1"}, {Key: "a2", Name: "A2", ProductID: "p2"}})
	if resp.TotalCount != 2 {
		t.Errorf("TotalCount = %d", resp.TotalCount)
	}
}
