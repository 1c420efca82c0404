package marketplacetest

import (
	"time"
)

// Fault is a misbehaviour injected into the responses of one endpoint. The
// fields combine: Latency delays whatever the other fields produce.
type Fault struct {
	// Latency is added before the response, unless the request is
	// cancelled first.
	Latency time.Duration
	// Status, if non-zero, answers with this status and a JsonErrorsDoc
	// body. 401 and 403 simulate rejected credentials.
	Status int
	// RetryAfter, with Status, sends a Retry-After header in whole seconds,
	// rounded up.
	RetryAfter time.Duration
	// Truncate sends a valid response cut off in the middle of its body.
	Truncate bool
	// Malformed sends a 200 response whose body is not JSON.
	Malformed bool
	// Drop closes the connection without any response.
	Drop bool
	// Hang never answers, until the request's context is done or the
	// server closes.
	Hang bool
	// Rewrite rewrites the body of a successful response.
	Rewrite func(body []byte) []byte
	// Times applies the fault to the next Times matching requests only; 0
	// keeps it until ClearFaults.
	Times int
}

// AllEndpoints is the endpoint name that matches every endpoint in
// InjectFault. A fault for a named endpoint takes precedence over it.
const AllEndpoints = "*"

// faultState is an injected fault and the uses it has left.
type faultState struct {
	Fault
	left int // < 0: unlimited
}

// InjectFault makes endpoint (a name from the endpoint table in the package
// documentation, or AllEndpoints) misbehave as f says, replacing any fault
// injected for it before.
func (s *Simulator) InjectFault(endpoint string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	left := f.Times
	if left == 0 {
		left = -1
	}
	s.faults[endpoint] = &faultState{Fault: f, left: left}
}

// ClearFaults removes every injected fault.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// takeFault returns the fault that applies to a request for endpoint, and
// uses it up once.
func (s *Simulator) takeFault(endpoint string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range []string{endpoint, AllEndpoints} {
		f, ok := s.faults[name]
		if !ok {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				delete(s.faults, name)
			}
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// Requests returns how many requests an endpoint has received since New or
// ResetCounts, including rejected and faulted ones. Requests for an unknown
// metric path segment belong to no endpoint and are not counted.
func (s *Simulator) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[endpoint]
}

// RequestCounts returns a copy of the request count of every endpoint that
// has received requests.
func (s *Simulator) RequestCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// RequestTimes returns when the last requests counted by Requests(endpoint)
// arrived (up to 1024), in order, on the wall clock whatever Options.Clock
// says: the gap between a failed attempt and its retry is how long the
// client waited.
func (s *Simulator) RequestTimes(endpoint string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.times[endpoint]...)
}

// ResetCounts sets every request count back to zero and forgets the
// request times.
func (s *Simulator) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
	clear(s.times)
}
