package collector

import (
	"io"
	"net/http"
	"sync"

	"golang.org/x/sync/semaphore"
)

// limitedTransport bounds the number of HTTP attempts in flight across every collector.
//
// It sits below the client's retry loop on purpose: a slot is taken per attempt and given back
// when the response body is closed (or read to the end), so a collector waiting out a retry
// back-off or a Retry-After holds no slot, and a streamed license export holds one only while
// it streams.
type limitedTransport struct {
	sem  *semaphore.Weighted
	next http.RoundTripper
}

func newLimitedTransport(limit int64, next http.RoundTripper) *limitedTransport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &limitedTransport{sem: semaphore.NewWeighted(limit), next: next}
}

// RoundTrip implements http.RoundTripper.
func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.sem.Acquire(req.Context(), 1); err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.sem.Release(1)
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: sync.OnceFunc(func() { t.sem.Release(1) })}
	return resp, nil
}

// releasingBody gives the semaphore slot back exactly once, at EOF or Close, whichever comes
// first: a reader done with the stream should not make other collectors wait until it gets
// round to closing.
type releasingBody struct {
	io.ReadCloser
	release func()
}

// Read implements io.Reader.
func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.release()
	}
	return n, err
}

// Close implements io.Closer.
func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
