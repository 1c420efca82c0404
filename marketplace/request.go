package marketplace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBodyBytes bounds the bodies read into memory. The largest known
// non-export body (churn without dates) is about 340 KB; anything near this
// limit is not a reporting response.
const maxBodyBytes = 64 << 20

// maxErrorBodyBytes bounds how much of an error body is read for messages.
const maxErrorBodyBytes = 64 << 10

// errAttemptTimeout is the cause of an attempt's context when the
// per-attempt timeout ends it. It matches context.DeadlineExceeded.
var errAttemptTimeout = fmt.Errorf("marketplace: attempt timed out: %w", context.DeadlineExceeded)

// NewRequest returns a request for urlStr, which may be absolute (on one of
// the client's hosts) or host-relative like the links in API responses. A
// non-nil body is sent as JSON. Credentials are not part of the returned
// request: Do adds them to each attempt.
func (c *Client) NewRequest(ctx context.Context, method, urlStr string, body any) (*http.Request, error) {
	u, err := c.resolve(c.reportingBase, urlStr)
	if err != nil {
		return nil, err
	}
	return c.newRequest(ctx, method, u, body)
}

func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, body any) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("marketplace: encode request body: %w", err)
		}
		// A bytes.Reader lets http.NewRequest set GetBody, which each retry
		// needs to send the body again.
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("marketplace: build %s request for %s: %w", method, u.Redacted(), err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Do sends req, retrying as the RetryPolicy allows, and decodes a 2xx JSON
// body into v unless v is nil. endpoint is the bounded name that errors and
// the request hook carry. A non-2xx response is an *ErrorResponse (a
// *RateLimitError for 429); a body that does not decode is a *DecodeError.
//
// Do refuses a URL on a host other than the client's own, so that the
// credentials it adds never leave for a server the caller did not configure.
func (c *Client) Do(req *http.Request, endpoint string, v any) (*Response, error) {
	resp, body, err := c.send(req, endpoint, false)
	if err != nil {
		return newResponse(resp), err
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			return newResponse(resp), &DecodeError{Endpoint: endpoint, Err: err}
		}
	}
	return newResponse(resp), nil
}

func newResponse(r *http.Response) *Response {
	if r == nil {
		return nil
	}
	return &Response{StatusCode: r.StatusCode, Header: r.Header, TotalCount: -1}
}

// stream sends req like Do but returns the 2xx response with its body
// unread, for the caller to decode as it arrives and close. Only the wait
// for the response headers is retried: once rows have been handed out, a
// retry would hand them out twice.
func (c *Client) stream(req *http.Request, endpoint string) (*http.Response, error) {
	resp, _, err := c.send(req, endpoint, true)
	return resp, err
}

// outcome is the result of one attempt.
type outcome struct {
	resp       *http.Response // nil when no response arrived
	body       []byte         // the whole body, unless streaming a 2xx
	err        error
	transport  bool // err is a connection-level error (for the hook)
	retryable  bool
	retryAfter time.Duration
	duration   time.Duration // until the response headers, or the failure
}

// send runs the attempts of req. On success with stream set, the body of
// the returned response is open; otherwise it has been read into the
// returned bytes and closed.
func (c *Client) send(req *http.Request, endpoint string, stream bool) (*http.Response, []byte, error) {
	if !c.ownsHost(req.URL) {
		return nil, nil, fmt.Errorf("marketplace: %s: refusing to send credentials to %s, which is not a configured API host", endpoint, redact(req.URL))
	}
	ctx := req.Context()
	p := c.retry
	for attempt := 1; ; attempt++ {
		o := c.attempt(req, endpoint, stream)

		retry := o.retryable && attempt < p.MaxAttempts && ctx.Err() == nil
		var wait time.Duration
		if retry {
			wait = c.backoff(attempt)
			if o.retryAfter > 0 {
				// The server knows better than our backoff when it can
				// serve again; a wait beyond our patience ends the call.
				wait = o.retryAfter
				retry = o.retryAfter <= p.MaxRetryAfter
			}
		}
		if c.hook != nil {
			info := RequestInfo{Endpoint: endpoint, Method: req.Method, Duration: o.duration, Attempt: attempt, Retry: retry}
			if o.resp != nil {
				info.StatusCode = o.resp.StatusCode
			}
			if o.transport {
				info.Err = o.err
			}
			c.hook(info)
		}
		if o.err == nil {
			return o.resp, o.body, nil
		}
		if !retry {
			if attempt > 1 {
				return o.resp, nil, fmt.Errorf("%w (after %d attempts)", o.err, attempt)
			}
			return o.resp, nil, o.err
		}
		if err := c.sleep(ctx, wait); err != nil {
			return o.resp, nil, fmt.Errorf("marketplace: %s: %w while waiting to retry after: %w", endpoint, err, o.err)
		}
	}
}

// attempt sends one copy of req, bounded by the request timeout.
func (c *Client) attempt(req *http.Request, endpoint string, stream bool) (o outcome) {
	var duration time.Duration
	defer func() { o.duration = duration }()
	parent := req.Context()
	ctx, cancel := context.WithCancelCause(parent)
	// A timer rather than context.WithTimeout: for a stream the timeout
	// must stop once the headers are in, while the body keeps flowing.
	timer := c.afterFunc(c.requestTimeout, func() { cancel(errAttemptTimeout) })
	release := func() {
		timer.Stop()
		cancel(nil)
	}

	r := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			release()
			return outcome{err: fmt.Errorf("marketplace: %s: rewind request body: %w", endpoint, err)}
		}
		r.Body = body
	}
	r.Header.Set("Authorization", c.auth.header())
	r.Header.Set("Accept", "application/json")
	r.Header.Set("User-Agent", c.userAgent)

	start := time.Now()
	resp, err := c.httpClient.Do(r)
	duration = time.Since(start)
	if err != nil {
		release()
		return c.transportError(parent, ctx, r, endpoint, err)
	}

	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok && stream {
		timer.Stop()
		resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
		return outcome{resp: resp}
	}

	limit := int64(maxBodyBytes)
	if !ok {
		limit = maxErrorBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	if err != nil {
		release()
		o := c.transportError(parent, ctx, r, endpoint, fmt.Errorf("read body: %w", err))
		o.resp = resp
		return o
	}
	release()
	if !ok {
		o := outcome{resp: resp, err: c.checkResponse(resp, body, endpoint)}
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			o.retryable = true
			o.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		}
		return o
	}
	if int64(len(body)) > limit {
		return outcome{resp: resp, err: &DecodeError{Endpoint: endpoint, Err: fmt.Errorf("body larger than %d bytes", limit)}}
	}
	return outcome{resp: resp, body: body}
}

// transportError turns an error of the HTTP client into the outcome of an
// attempt. net/http's *url.Error repeats the request URL; it is rebuilt
// around the redacted URL so that nothing a URL might hold reaches the
// error text.
func (c *Client) transportError(parent, attemptCtx context.Context, r *http.Request, endpoint string, err error) outcome {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	wrap := func(err error) error {
		return fmt.Errorf("marketplace: %s: %w", endpoint, &url.Error{Op: r.Method, URL: redact(r.URL), Err: err})
	}
	if parent.Err() != nil {
		// The caller's context ended: not a failure of the server, and not
		// something a retry can fix.
		return outcome{err: wrap(parent.Err()), transport: true}
	}
	if errors.Is(context.Cause(attemptCtx), errAttemptTimeout) {
		err = fmt.Errorf("no response within %s: %w", c.requestTimeout, errAttemptTimeout)
	} else if msg := c.auth.scrub(err.Error()); msg != err.Error() {
		err = errors.New(msg)
	}
	return outcome{err: wrap(err), transport: true, retryable: true}
}

// releasingBody releases an attempt's context and timer when the streamed
// body is closed.
type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// ownsHost reports whether u is on one of the hosts the client was
// configured for.
func (c *Client) ownsHost(u *url.URL) bool {
	for _, b := range []*url.URL{c.reportingBase, c.catalogBase, c.v3Base} {
		if strings.EqualFold(u.Scheme, b.Scheme) && strings.EqualFold(u.Host, b.Host) {
			return true
		}
	}
	return false
}

// redact returns u as text without userinfo. The client never puts
// credentials into URLs; this guards against a caller who did.
func redact(u *url.URL) string {
	v := *u
	v.User = nil
	return v.String()
}

// backoff returns the wait before retry number attempt (1-based): full
// jitter over an exponentially growing, capped window.
func (c *Client) backoff(attempt int) time.Duration {
	window := c.retry.MaxDelay
	if shift := attempt - 1; shift < 32 {
		if w := c.retry.BaseDelay << shift; w > 0 && w < window {
			window = w
		}
	}
	return c.jitter(window)
}

// parseRetryAfter reads a Retry-After value, either delay seconds or an
// HTTP-date. It returns 0 for a missing, unreadable or past value.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	const maxRetryAfter = 365 * 24 * time.Hour // beyond this the value is nonsense, not a wait
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 || secs > int64(maxRetryAfter/time.Second) {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil || !t.After(now) || t.Sub(now) > maxRetryAfter {
		return 0
	}
	return t.Sub(now)
}

// CheckResponse returns nil for a 2xx response. Otherwise it reads the body
// (up to a limit, leaving r.Body closed) and returns an *ErrorResponse, or a
// *RateLimitError for 429.
func CheckResponse(r *http.Response) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBodyBytes))
	r.Body.Close()
	return newErrorResponse(r, body, "", nil, time.Now())
}

func (c *Client) checkResponse(r *http.Response, body []byte, endpoint string) error {
	return newErrorResponse(r, body, endpoint, c.auth, c.now())
}

func newErrorResponse(r *http.Response, body []byte, endpoint string, auth *credentials, now time.Time) error {
	e := &ErrorResponse{Endpoint: endpoint, StatusCode: r.StatusCode}
	if r.Request != nil {
		e.Method = r.Request.Method
		e.URL = redact(r.Request.URL)
	}
	var doc struct {
		Errors []APIError `json:"errors"`
	}
	// Error bodies are not always JsonErrorsDoc (proxies send HTML); what
	// does not decode simply leaves Errors empty.
	if json.Unmarshal(body, &doc) == nil {
		for _, m := range doc.Errors {
			m.Message = auth.scrub(m.Message)
			e.Errors = append(e.Errors, m)
		}
	}
	if r.StatusCode == http.StatusTooManyRequests {
		return &RateLimitError{ErrorResponse: e, RetryAfter: parseRetryAfter(r.Header.Get("Retry-After"), now)}
	}
	return e
}

// resolve turns a link from the response to a request for current (or a
// URL given to NewRequest) into an absolute URL. Host-relative links
// ("/rest/2/...") are placed below the path of the configured base they
// belong to, so that a base like https://host/marketplace keeps its prefix;
// a link that already starts with the prefix is taken as is. Absolute links
// must stay on a configured host.
func (c *Client) resolve(current *url.URL, href string) (*url.URL, error) {
	ref, err := url.Parse(href)
	if err != nil {
		return nil, errors.New("marketplace: unreadable link in response")
	}
	if ref.Host != "" {
		if ref.Scheme == "" {
			ref.Scheme = current.Scheme
		}
		if !c.ownsHost(ref) {
			return nil, fmt.Errorf("marketplace: link to %s leaves the API host", redact(ref))
		}
		ref.User = nil
		return ref, nil
	}
	if !strings.HasPrefix(ref.Path, "/") {
		// A relative link stays on current's host, unless it names another scheme ("a:").
		u := current.ResolveReference(ref)
		if !c.ownsHost(u) {
			return nil, errors.New("marketplace: link in response leaves the API host")
		}
		return u, nil
	}
	base := c.baseFor(current)
	u := *base
	u.RawQuery, u.Fragment = ref.RawQuery, ""
	prefix := base.Path
	if prefix != "" && (ref.Path == prefix || strings.HasPrefix(ref.Path, prefix+"/")) {
		u.Path, u.RawPath = ref.Path, ref.RawPath
	} else {
		u.Path = prefix + ref.Path
		u.RawPath = ""
		if ref.RawPath != "" {
			u.RawPath = base.EscapedPath() + ref.RawPath
		}
	}
	return &u, nil
}

// baseFor returns the configured base that u was built on: the one on u's
// host with the longest path that prefixes u's path.
func (c *Client) baseFor(u *url.URL) *url.URL {
	best := c.reportingBase
	bestLen := -1
	for _, b := range []*url.URL{c.reportingBase, c.catalogBase, c.v3Base} {
		if strings.EqualFold(u.Host, b.Host) && strings.HasPrefix(u.Path, b.Path) && len(b.Path) > bestLen {
			best, bestLen = b, len(b.Path)
		}
	}
	return best
}
