package collector

import (
	"context"
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

// shareKey is the context key of a collector's share of the slots.
type shareKey struct{}

// withShare makes the attempts sent with ctx take a slot of share before one of the shared
// bound, so that one collector whose requests hang can hold at most its share and never every
// slot: the other collectors keep refreshing.
func withShare(ctx context.Context, share *semaphore.Weighted) context.Context {
	return context.WithValue(ctx, shareKey{}, share)
}

// shareOf returns a collector's share of the slots: all of them but one, so that another
// collector always has one, unless there is only one.
func shareOf(limit int64) *semaphore.Weighted {
	return semaphore.NewWeighted(max(1, limit-1))
}

// RoundTrip implements http.RoundTripper.
func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	share, _ := ctx.Value(shareKey{}).(*semaphore.Weighted)
	if share != nil {
		if err := share.Acquire(ctx, 1); err != nil {
			return nil, err
		}
	}
	release := func() {
		if share != nil {
			share.Release(1)
		}
	}
	if err := t.sem.Acquire(ctx, 1); err != nil {
		release()
		return nil, err
	}
	release = func() {
		t.sem.Release(1)
		if share != nil {
			share.Release(1)
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: sync.OnceFunc(release)}
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
