package marketplacetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Simulator is an http.Handler serving the v2 and v3 paths of the Marketplace
// vendor reporting API from one synthetic vendor. It is safe for concurrent
// use.
type Simulator struct {
	opts Options
	plan *vendorPlan
	// data is the current Dataset; extend serialises replacing it when the
	// clock passes its last day.
	data   atomic.Pointer[Dataset]
	extend sync.Mutex
	dist   distributionCache
	mux    *http.ServeMux
	// closing is closed when a Server shuts down, to release hung requests.
	closing   chan struct{}
	closeOnce sync.Once

	mu     sync.Mutex
	faults map[string]*faultState
	counts map[string]int
	// times holds when each counted request arrived, on the wall clock,
	// so that tests can measure waits between attempts.
	times map[string][]time.Time
}

// New generates the vendor described by opts and returns a simulator
// serving it. It fails only for invalid options.
func New(opts Options) (*Simulator, error) { return newSimulator(opts, true) }

// newSimulator is New; without shared, it generates the vendor even when
// the cache holds it (see vendorFor).
func newSimulator(opts Options, shared bool) (*Simulator, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	today := dayOf(o.Clock.Now())
	v := vendorFor(o, today, shared)
	o.Licenses, o.Transactions = v.licenses, v.transactions
	s := &Simulator{
		opts:    o,
		plan:    v.plan,
		mux:     http.NewServeMux(),
		closing: make(chan struct{}),
		faults:  map[string]*faultState{},
		counts:  map[string]int{},
		times:   map[string][]time.Time{},
	}
	s.data.Store(s.own(v.ds))
	s.routes()
	return s, nil
}

// own returns the simulator's view of a generated Dataset: a copy of the
// struct, sharing the events and indexes, with the simulator's ids and
// clock.
func (s *Simulator) own(generated *Dataset) *Dataset {
	ds := *generated
	ds.VendorID, ds.DeveloperID, ds.clock = s.opts.VendorID, s.opts.DeveloperID, s.opts.Clock
	return &ds
}

// dataset returns a Dataset holding day today. When the clock has passed
// the last generated day, it generates every day again up to marginDays
// past today: the days generated before come out the same, since a day's
// data does not depend on how many days follow it.
func (s *Simulator) dataset(today day) *Dataset {
	ds := s.data.Load()
	if today <= ds.last || ds.last >= s.plan.first+maxSpanDays {
		return ds
	}
	s.extend.Lock()
	defer s.extend.Unlock()
	if ds = s.data.Load(); today <= ds.last {
		return ds
	}
	ds = s.own(s.plan.build(today))
	s.data.Store(ds)
	return ds
}

// Options returns the options the simulator runs with, defaults filled in.
// Licenses and Transactions are the planned volumes over the history.
func (s *Simulator) Options() Options { return s.opts }

// Data returns the simulator's ground truth, holding at least the days up
// to the clock's today. It must not be modified. Once the clock has passed
// Dataset.Last, Data (like any request) returns a new, longer Dataset whose
// earlier days are the same.
func (s *Simulator) Data() *Dataset { return s.dataset(dayOf(s.opts.Clock.Now())) }

// ServeHTTP serves one API request.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// maxRequestTimes bounds the request times kept per endpoint, so that a
// long demo run does not grow without end.
const maxRequestTimes = 1024

// keepLast returns the last n elements of ts.
func keepLast(ts []time.Time, n int) []time.Time {
	if len(ts) <= n {
		return ts
	}
	return append(ts[:0], ts[len(ts)-n:]...)
}

// close releases requests held by a Hang fault.
func (s *Simulator) close() { s.closeOnce.Do(func() { close(s.closing) }) }

// handler serves one endpoint; an *apiError it returns becomes the response.
type handler func(c *call) error

// route is an endpoint of one API version.
type route struct {
	name string // endpoint name, "" for invalid-metric catch-alls
	v3   bool
	h    handler
}

// Path prefixes of the two API versions.
const (
	v2Vendor    = "/rest/2/vendors/{vendorId}"
	v3Reporting = "/rest/3/reporting/developer-space/{developerId}"
)

// handle registers a route at pattern.
func (s *Simulator) handle(pattern string, rt route) {
	s.mux.Handle(pattern, s.serveRoute(rt))
}

// reporting registers a reporting endpoint under both versions' prefixes;
// suffix follows "/reporting" in v2 and the developer id in v3.
func (s *Simulator) reporting(name, suffix string, h handler) {
	s.handle("GET "+v2Vendor+"/reporting"+suffix, route{name: name, h: h})
	s.handle("GET "+v3Reporting+suffix, route{name: name, v3: true, h: h})
}

// serveRoute wraps a route with what every endpoint shares: counting, the
// fixed latency, authentication, faults and the vendor or developer id check.
func (s *Simulator) serveRoute(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.name != "" {
			s.mu.Lock()
			s.counts[rt.name]++
			s.times[rt.name] = append(keepLast(s.times[rt.name], maxRequestTimes-1), time.Now())
			s.mu.Unlock()
		}
		// Aborted like a fault's latency: a request released early must
		// not end in an empty 200.
		if s.opts.Latency > 0 && !s.wait(r.Context(), s.opts.Latency) {
			panic(http.ErrAbortHandler)
		}
		if user, token, ok := r.BasicAuth(); !ok || user != s.opts.User || token != s.opts.Token {
			w.Header().Set("WWW-Authenticate", `Basic realm="Atlassian Marketplace"`)
			writeError(w, http.StatusUnauthorized, "Client must be authenticated to access this resource.")
			return
		}
		today := dayOf(s.opts.Clock.Now())
		ds := s.dataset(today)
		c := &call{s: s, ds: ds, w: w, r: r, q: r.URL.Query(), v3: rt.v3, today: min(today, ds.last)}
		serve := func(w http.ResponseWriter) {
			c.w = w
			err := s.checkOwner(r)
			if err == nil {
				err = rt.h(c)
			}
			if err != nil {
				writeAPIError(w, err)
			}
		}
		if rt.name != "" {
			if f, ok := s.takeFault(rt.name); ok {
				s.serveFault(w, r, f, serve)
				return
			}
		}
		serve(w)
	})
}

// checkOwner answers 404 for a vendor or developer id other than the
// simulator's, as the API does for resources the caller cannot see.
func (s *Simulator) checkOwner(r *http.Request) error {
	if v := r.PathValue("vendorId"); v != "" && v != strconv.FormatInt(s.opts.VendorID, 10) {
		return &apiError{http.StatusNotFound, fmt.Sprintf("Vendor %s not found", v)}
	}
	if v := r.PathValue("developerId"); v != "" && v != s.opts.DeveloperID {
		return &apiError{http.StatusNotFound, fmt.Sprintf("Developer space %s not found", v)}
	}
	return nil
}

// serveFault answers a request as the fault f says; serve produces the
// normal response.
func (s *Simulator) serveFault(w http.ResponseWriter, r *http.Request, f Fault, serve func(http.ResponseWriter)) {
	// net/http notices that a client went away only once the request body
	// is read: a POST (partner metrics) held without reading it would hang
	// until the server closes, even after its client has gone. The body is
	// kept for the handler.
	if f.Latency > 0 || f.Hang {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	// A request released early (cancelled, or the server closing) must not
	// end in an empty 200, so it is aborted.
	if f.Latency > 0 && !s.wait(r.Context(), f.Latency) {
		panic(http.ErrAbortHandler)
	}
	switch {
	case f.Hang:
		s.wait(r.Context(), math.MaxInt64)
		panic(http.ErrAbortHandler)
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		// Without a hijackable connection (HTTP/2, a recorder), aborting the
		// handler is how net/http drops a response.
		panic(http.ErrAbortHandler)
	case f.Status != 0:
		if f.RetryAfter > 0 {
			secs := int64(math.Ceil(f.RetryAfter.Seconds()))
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		}
		writeError(w, f.Status, http.StatusText(f.Status))
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<html><body><h1>Service temporarily unavailable</h1></body></html>\n")
	case f.Truncate || f.Rewrite != nil:
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		serve(rec)
		body := rec.body
		if f.Rewrite != nil && rec.status < 300 {
			body = f.Rewrite(body)
		}
		if f.Truncate {
			body = body[:len(body)/2]
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		w.Write(body)
	default:
		serve(w)
	}
}

// wait blocks for d, and reports false if the request was cancelled or the
// server closed first.
func (s *Simulator) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// recorder buffers a response so that a fault can rewrite or cut it.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(p []byte) (int, error) { r.body = append(r.body, p...); return len(p), nil }

// apiError is a response with a JsonErrorsDoc body.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

// badRequest returns a 400 error.
func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// notFound returns a 404 error.
func notFound(format string, args ...any) error {
	return &apiError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

// errorsDoc is the API's JsonErrorsDoc.
type errorsDoc struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Message string `json:"message"`
}

func writeAPIError(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, ae.status, ae.msg)
		return
	}
	writeError(w, http.StatusInternalServerError, err.Error())
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorsDoc{Errors: []errorItem{{Message: msg}}})
}

// writeJSON writes v as the whole body. Large lists go through streamArray
// instead.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var body bytes.Buffer
	if err := newEncoder(&body).Encode(v); err != nil {
		status = http.StatusInternalServerError
		body.Reset()
		newEncoder(&body).Encode(errorsDoc{Errors: []errorItem{{Message: err.Error()}}})
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body.Bytes())
}

// newEncoder returns a JSON encoder that leaves &, < and > alone: the
// bodies are not HTML, and links read better with a plain &.
func newEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// encodeCursor and decodeCursor turn an offset into the opaque cursor of v3
// cursor paging and back.
func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodeCursor(s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), "offset:"); ok {
			if off, err := strconv.Atoi(n); err == nil && off >= 0 {
				return off, nil
			}
		}
	}
	return 0, badRequest("Invalid cursor")
}
