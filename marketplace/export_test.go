package marketplace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestExportYieldsRowsBeforeTheBodyEnds proves the export is decoded as a
// stream: the server sends two rows and then waits for the test to have
// received them before it sends the rest. A client that read the whole body
// first would only see the rows after the server gave up waiting.
func TestExportYieldsRowsBeforeTheBodyEnds(t *testing.T) {
	ts := setup(t)
	proceed := make(chan struct{})
	var finished atomic.Bool
	ts.handle("GET "+v2Root+"/licenses/export", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, "GET", url.Values{"accept": {"json"}, "status": {"active"}})
		io.WriteString(w, `[{"licenseId": "L1"}, {"licenseId": "L2"},`)
		w.(http.Flusher).Flush()
		select {
		case <-proceed:
		case <-r.Context().Done():
		case <-time.After(10 * time.Second): // only reached when streaming is broken
		}
		io.WriteString(w, `{"licenseId": "L3"}]`)
		finished.Store(true)
	})
	var got []string
	for l, err := range ts.client.Licenses.Export(context.Background(), &LicenseOptions{Statuses: []string{"active"}, Offset: 99}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l.LicenseID)
		if len(got) == 2 {
			if finished.Load() {
				t.Fatal("the second row arrived only after the server finished the body")
			}
			close(proceed)
		}
	}
	equal(t, got, []string{"L1", "L2", "L3"})
	if h := ts.hookCalls(); len(h) != 1 || h[0].Endpoint != "licenses_export" {
		t.Errorf("hooks = %+v", h)
	}
}

func TestExportsDecodeFixtureRows(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), WithDeveloperID(testDevID))
	rows := func(name, key string) string {
		// The export is the bare array of a list page's rows.
		b := fixture(t, name)
		i := strings.Index(string(b), `"`+key+`": [`)
		return string(b[i+len(key)+4 : strings.LastIndex(string(b), "]")+1])
	}
	ts.handle("GET "+v3Root+"/licenses/export", serveJSON(200, rows("fixtures/licenses-page.json", "licenses")))
	ts.handle("GET "+v3Root+"/sales/transactions/export", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, "GET", url.Values{"accept": {"json"}, "saleType": {"refund"}})
		io.WriteString(w, rows("fixtures/transactions-page.json", "transactions"))
	})
	ts.handle("GET "+v3Root+"/feedback/details/export", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, "GET", url.Values{"accept": {"json"}, "type": {"uninstall"}})
		io.WriteString(w, rows("fixtures/feedback-details.json", "feedback"))
	})
	ctx := context.Background()
	licenses, err := collect(ts.client.Licenses.Export(ctx, nil))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, licenses, wantLicenses)
	txs, err := collect(ts.client.Transactions.Export(ctx, &TransactionOptions{SaleTypes: []string{"refund"}}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, txs, wantTransactions)
	fb, err := collect(ts.client.Feedback.Export(ctx, &FeedbackOptions{Types: []string{"uninstall"}}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, fb, wantFeedback)
}

func TestExportFailures(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		rows   int
		decode bool // a DecodeError, rather than a transport error
	}{
		{name: "empty array", body: `[]`},
		{name: "wrapper object", body: `{"licenses": []}`, decode: true},
		{name: "empty body", body: ``, decode: true},
		{name: "truncated", body: `[{"licenseId": "L1"}, {"licenseId": "L2"`, rows: 1, decode: true},
		{name: "unterminated", body: `[{"licenseId": "L1"}`, rows: 1, decode: true},
		{name: "malformed row", body: `[{"licenseId": "L1"}, {licenseId}]`, rows: 1, decode: true},
		{name: "wrong type", body: `[{"licenseId": "L1"}, {"licenseId": 17}]`, rows: 1, decode: true},
		{name: "bad date", body: `[{"lastUpdated": "yesterday"}]`, decode: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := setup(t)
			ts.handle("GET "+v2Root+"/licenses/export", serveJSON(200, tt.body))
			got, err := collect(ts.client.Licenses.Export(context.Background(), nil))
			if len(got) != tt.rows {
				t.Errorf("got %d rows, want %d", len(got), tt.rows)
			}
			var de *DecodeError
			if tt.decode != errors.As(err, &de) || (tt.decode && de.Endpoint != "licenses_export") {
				t.Errorf("error = %v, want DecodeError: %v", err, tt.decode)
			}
			if !tt.decode && err != nil {
				t.Errorf("error = %v", err)
			}
		})
	}
}

func TestExportBrokenOffIsATransportError(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/licenses/export", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10000")
		io.WriteString(w, `[{"licenseId": "L1"}, {"licenseId": "L2"},`)
		w.(http.Flusher).Flush()
		hangUp(w, r)
	})
	got, err := collect(ts.client.Licenses.Export(context.Background(), nil))
	var de *DecodeError
	if err == nil || errors.As(err, &de) || !strings.Contains(err.Error(), "read export") {
		t.Fatalf("error = %v, want a read error", err)
	}
	if len(got) != 2 {
		t.Errorf("got %d rows before the break, want 2", len(got))
	}
	if len(ts.hookCalls()) != 1 {
		t.Error("an export that had yielded rows was retried")
	}
}

func TestExportRetriesBeforeTheFirstRow(t *testing.T) {
	ts := setup(t)
	// Connection: close keeps net/http from quietly retrying the hang-up
	// itself on a reused connection.
	ts.handle("GET "+v2Root+"/sales/transactions/export", sequence(status(503, "Connection", "close"), hangUp, serveJSON(200, `[{"transactionId": "T1"}]`)))
	got, err := collect(ts.client.Transactions.Export(context.Background(), nil))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, []Transaction{{TransactionID: "T1"}})
	if h := ts.hookCalls(); len(h) != 3 || h[0].StatusCode != 503 || h[1].StatusCode != 0 || h[2].StatusCode != 200 {
		t.Errorf("hooks = %+v", h)
	}
}

func TestExportErrorResponse(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/licenses/export", status(403))
	if _, err := collect(ts.client.Licenses.Export(context.Background(), nil)); !IsCredentialError(err) {
		t.Fatalf("error = %v, want a credential error", err)
	}
}

func TestExportTimeoutBoundsTheWholeExport(t *testing.T) {
	// The per-attempt timeout covers only the wait for headers; the export
	// timeout ends a body that stalls.
	ts := setup(t, WithExportTimeout(50*time.Millisecond), WithRequestTimeout(time.Hour))
	ts.handle("GET "+v2Root+"/licenses/export", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `[{"licenseId": "L1"},`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	got, err := collect(ts.client.Licenses.Export(context.Background(), nil))
	if !errors.Is(err, context.DeadlineExceeded) || len(got) != 1 {
		t.Fatalf("got %d rows, error %v; want 1 row, then the deadline", len(got), err)
	}
}

// fakeTimer fires only when told to, and not once stopped.
type fakeTimer struct {
	f       func()
	stopped atomic.Bool
}

func (t *fakeTimer) Stop() bool { return !t.stopped.Swap(true) }

func (t *fakeTimer) fire() {
	if !t.stopped.Load() {
		t.f()
	}
}

func TestExportRequestTimeoutStopsAtHeaders(t *testing.T) {
	// A body that takes longer than the request timeout is fine once its
	// headers are in: the attempt's timer must be stopped by then.
	ts := setup(t)
	var timers []*fakeTimer
	ts.client.afterFunc = func(_ time.Duration, f func()) stopper {
		timer := &fakeTimer{f: f}
		timers = append(timers, timer)
		return timer
	}
	release := make(chan struct{})
	ts.handle("GET "+v2Root+"/licenses/export", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `[{"licenseId": "L1"},`)
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, `{"licenseId": "L2"}]`)
	})
	var got []string
	for l, err := range ts.client.Licenses.Export(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l.LicenseID)
		if len(got) == 1 {
			if len(timers) != 1 {
				t.Fatalf("%d timers, want 1", len(timers))
			}
			timers[0].fire() // the request timeout "expires" mid-body
			close(release)
		}
	}
	equal(t, got, []string{"L1", "L2"})
}

func TestRequestTimeoutCoversTheBodyOfOtherCalls(t *testing.T) {
	ts := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	var timer atomic.Pointer[fakeTimer]
	ts.client.afterFunc = func(_ time.Duration, f func()) stopper {
		ft := &fakeTimer{f: f}
		timer.Store(ft)
		return ft
	}
	ts.handle("GET "+hostingPath, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"total": `)
		w.(http.Flusher).Flush()
		timer.Load().fire()
		<-r.Context().Done()
	})
	if err := aggregate(ts); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the request timeout", err)
	}
}

func TestExportStopsWhenTheCallerDoes(t *testing.T) {
	ts := setup(t)
	var rows strings.Builder
	rows.WriteString("[")
	for i := range 10000 {
		if i > 0 {
			rows.WriteString(",")
		}
		fmt.Fprintf(&rows, `{"licenseId": "L%d"}`, i)
	}
	rows.WriteString("]")
	ts.handle("GET "+v2Root+"/licenses/export", serveJSON(200, rows.String()))
	n := 0
	for _, err := range ts.client.Licenses.Export(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("read %d rows", n)
	}
}
