package marketplacetest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testToday is the clock of most tests: a Saturday, so the current week is
// complete up to today.
var testToday = time.Date(2026, 8, 15, 13, 0, 0, 0, time.UTC)

// newTestServer starts a simulator on a manual clock at testToday.
func newTestServer(t testing.TB, opts Options) (*Server, *ManualClock) {
	t.Helper()
	clock := NewManualClock(testToday)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	s, err := NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s, clock
}

// v2 and v3 return the reporting prefixes of s.
func v2(s *Server) string { return "/rest/2/vendors/12345/reporting" }
func v3(s *Server) string { return "/rest/3/reporting/developer-space/" + s.Options().DeveloperID }

// fetch sends an authenticated request and returns the status and body.
func fetch(t testing.TB, s *Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(DefaultUser, DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// getJSON GETs path, requires 200 and decodes the body into v.
func getJSON(t testing.TB, s *Server, path string, v any) {
	t.Helper()
	status, body := fetch(t, s, http.MethodGet, path, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: decode: %v\n%s", path, err, body)
	}
}

// The test's own view of the wire format, written from the reference rather
// than shared with the simulator.

type tElement struct {
	Date     string   `json:"date"`
	Count    int64    `json:"count"`
	NetCount *int64   `json:"netCount"`
	Revenue  *float64 `json:"revenue"`
}

type tSeries struct {
	Name        string     `json:"name"`
	UniqueTotal *int64     `json:"uniqueTotal"`
	Elements    []tElement `json:"elements"`
}

type tDataset struct {
	Name   string    `json:"name"`
	Series []tSeries `json:"series"`
}

type tPart struct {
	AddonKey  string     `json:"addonKey"`
	ProductID string     `json:"productId"`
	Name      string     `json:"name"`
	Series    []tSeries  `json:"series"`
	Datasets  []tDataset `json:"datasets"`
}

type tAggregate struct {
	Links struct {
		Self  struct{ Href string }      `json:"self"`
		Query map[string]json.RawMessage `json:"query"`
	} `json:"_links"`
	Total  tPart   `json:"total"`
	Addons []tPart `json:"addons"`
}

// sums returns a part's series sums by name: count, netCount, revenue.
func sums(series []tSeries) map[string]SalesSum {
	out := map[string]SalesSum{}
	for _, s := range series {
		var sum SalesSum
		for _, e := range s.Elements {
			sum.Count += e.Count
			if e.NetCount != nil {
				sum.NetCount += *e.NetCount
			}
			if e.Revenue != nil {
				sum.Revenue += *e.Revenue
			}
		}
		out[s.Name] = sum
	}
	return out
}

// grand adds up every series.
func grand(series []tSeries) SalesSum {
	var g SalesSum
	for _, s := range sums(series) {
		g.Count += s.Count
		g.NetCount += s.NetCount
		g.Revenue += s.Revenue
	}
	return g
}

func day0(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// closeEnough compares money sums computed in different orders.
func closeEnough(a, b float64) bool {
	d := a - b
	return d < 0.005 && d > -0.005
}

// pageThrough follows next links from path and returns every row under key.
func pageThrough(t *testing.T, s *Server, path, key string) []json.RawMessage {
	t.Helper()
	var rows []json.RawMessage
	for pages := 0; path != ""; pages++ {
		if pages > 10000 {
			t.Fatalf("paging %s does not end", path)
		}
		var body map[string]json.RawMessage
		getJSON(t, s, path, &body)
		var page []json.RawMessage
		if err := json.Unmarshal(body[key], &page); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		rows = append(rows, page...)
		var links struct {
			Next *struct{ Href string } `json:"next"`
		}
		json.Unmarshal(body["_links"], &links)
		path = ""
		if links.Next != nil {
			path = links.Next.Href
		}
	}
	return rows
}
