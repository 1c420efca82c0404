package marketplace

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testUser      = "vendor@example.com"
	testToken     = "s3cr3t-T0KEN-0123456789"
	testUserAgent = "marketplace_exporter/1.2.3 (test)"
	testVendorID  = 12345
	testDevID     = "0d8c1a52-5e2b-4f4e-9d55-0123456789ab"
	// testPrefix is the base path the test server is mounted at, so that
	// every test also checks that host-relative links keep it.
	testPrefix = "/marketplace"
)

// v2Root and v3Root are the reporting roots below testPrefix.
const (
	v2Root = "/rest/2/vendors/12345/reporting"
	v3Root = "/rest/3/reporting/developer-space/" + testDevID
)

// testServer is an httptest server with a mux per test and a client
// pointed at it, in the manner of go-github's setup.
type testServer struct {
	t      *testing.T
	mux    *http.ServeMux
	server *httptest.Server
	client *Client

	mu     sync.Mutex
	hooks  []RequestInfo
	sleeps []time.Duration
}

// setup starts a server and a v2 client for it. The client never really
// sleeps: waits are recorded and skipped, and jitter always picks the top of
// the window, so that retry tests are neither slow nor random.
func setup(t *testing.T, opts ...Option) *testServer {
	t.Helper()
	ts := &testServer{t: t, mux: http.NewServeMux()}
	ts.server = httptest.NewServer(ts.mux)
	t.Cleanup(ts.server.Close)
	all := append([]Option{
		WithBaseURL(ts.server.URL + testPrefix),
		WithCredentials(testUser, testToken),
		WithVendorID(testVendorID),
		WithUserAgent(testUserAgent),
		WithRequestHook(func(ri RequestInfo) {
			ts.mu.Lock()
			defer ts.mu.Unlock()
			ts.hooks = append(ts.hooks, ri)
		}),
	}, opts...)
	c, err := NewClient(all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		ts.mu.Lock()
		ts.sleeps = append(ts.sleeps, d)
		ts.mu.Unlock()
		return ctx.Err()
	}
	c.jitter = func(limit time.Duration) time.Duration { return limit }
	ts.client = c
	return ts
}

// handle registers h for "METHOD /path", the path taken below testPrefix.
func (ts *testServer) handle(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	ts.mux.HandleFunc(method+" "+testPrefix+path, h)
}

func (ts *testServer) hookCalls() []RequestInfo {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]RequestInfo(nil), ts.hooks...)
}

func (ts *testServer) waits() []time.Duration {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]time.Duration(nil), ts.sleeps...)
}

// checkRequest asserts what every request carries: method, credentials,
// headers and the exact query (repeated keys in order).
func checkRequest(t *testing.T, r *http.Request, method string, query url.Values) {
	t.Helper()
	if r.Method != method {
		t.Errorf("method = %s, want %s", r.Method, method)
	}
	if u, p, ok := r.BasicAuth(); !ok || u != testUser || p != testToken {
		t.Errorf("Basic auth = %q, %q, %v; want the test credentials", u, p, ok)
	}
	if got := r.Header.Get("User-Agent"); got != testUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, testUserAgent)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q, want application/json", got)
	}
	if query == nil {
		query = url.Values{}
	}
	if got := r.URL.Query(); !reflect.DeepEqual(got, query) {
		t.Errorf("query = %v, want %v", got, query)
	}
}

// fixture returns a file below testdata.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve returns a handler that checks the request and answers with the
// fixture.
func serve(t *testing.T, method string, query url.Values, name string) http.HandlerFunc {
	body := fixture(t, name)
	return func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, method, query)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}
}

// serveJSON returns a handler that answers with body.
func serveJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

// equal reports a mismatch between got and want as a diff of their JSON
// forms, which show pointer targets where %v would show addresses.
func equal(t *testing.T, got, want any) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			lo := max(0, i-3)
			t.Fatalf("mismatch at line %d:\ngot:\n%s\nwant:\n%s", i+1,
				strings.Join(gl[lo:min(len(gl), i+3)], "\n"), strings.Join(wl[lo:min(len(wl), i+3)], "\n"))
		}
	}
	t.Fatalf("values differ but their JSON is equal:\ngot  %#v\nwant %#v", got, want)
}

func ptr[T any](v T) *T { return &v }

func date(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// seq returns elements starting at first, step days apart, with counts.
func seq(first string, step int, counts ...int64) []Element {
	d := date(first)
	els := make([]Element, len(counts))
	for i, n := range counts {
		els[i] = Element{Date: d, Count: n}
		if step == 0 {
			d = NewDate(d.Year, d.Month+1, 1)
		} else {
			d = d.AddDays(step)
		}
	}
	return els
}

// weekly and monthly build the element lists of the fixtures.
func weekly(first string, counts ...int64) []Element  { return seq(first, 7, counts...) }
func monthly(first string, counts ...int64) []Element { return seq(first, 0, counts...) }

// collect drains an iterator, stopping at the first error.
func collect[T any](it func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range it {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
