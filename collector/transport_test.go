package collector

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLimitedTransportBoundsConcurrency fires more requests than the limit at a server that
// records how many it serves at once.
func TestLimitedTransportBoundsConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	const limit = 3
	hc := newHTTPClient(limit, nil)
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			resp, err := hc.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	if p := peak.Load(); p > limit || p == 0 {
		t.Fatalf("peak concurrency %d, want 1..%d", p, limit)
	}
}

// TestLimitedTransportHoldsSlotUntilBodyClosed checks that a streamed body keeps its slot and
// that closing it gives the slot back.
func TestLimitedTransportHoldsSlotUntilBodyClosed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "streamed body")
	}))
	defer srv.Close()
	lt := newLimitedTransport(1, nil)
	hc := &http.Client{Transport: lt}

	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if lt.sem.TryAcquire(1) {
		t.Fatal("slot free while the body is still open")
	}
	resp.Body.Close()
	resp.Body.Close() // a second Close must not release twice
	if !lt.sem.TryAcquire(1) {
		t.Fatal("slot not released by Close")
	}
	if lt.sem.TryAcquire(1) {
		t.Fatal("slot released twice")
	}
	lt.sem.Release(1)

	// Reading to EOF releases too, before Close.
	resp, err = hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	if !lt.sem.TryAcquire(1) {
		t.Fatal("slot not released at EOF")
	}
	lt.sem.Release(1)
	resp.Body.Close()
	if !lt.sem.TryAcquire(1) {
		t.Fatal("Close after EOF released a second time or leaked")
	}
}

// TestLimitedTransportWaitRespectsContext checks that a request waiting for a slot gives up
// with its context instead of hanging.
func TestLimitedTransportWaitRespectsContext(t *testing.T) {
	lt := newLimitedTransport(1, nil)
	if !lt.sem.TryAcquire(1) {
		t.Fatal("cannot take the only slot")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/", nil)
	if _, err := lt.RoundTrip(req); err == nil {
		t.Fatal("RoundTrip succeeded without a slot")
	}
}
