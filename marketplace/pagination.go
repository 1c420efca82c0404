package marketplace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// pageSize is the most rows the API returns per page of licenses,
// transactions and feedback. It is always sent: the default is smaller and
// undocumented.
const pageSize = 50

// link is a link from a response: a Link object ({"href": ...}), a bare
// href string (the v3 product listing), or an array of Links (the
// AddonCollection's next and prev), of which the first counts.
type link struct {
	Href string
}

func (l *link) UnmarshalJSON(b []byte) error {
	var obj struct {
		Href string `json:"href"`
	}
	switch firstByte(b) {
	case 'n':
		*l = link{}
		return nil
	case '"':
		return json.Unmarshal(b, &l.Href)
	case '[':
		var all []link
		if err := json.Unmarshal(b, &all); err != nil {
			return err
		}
		*l = link{}
		if len(all) > 0 {
			*l = all[0]
		}
		return nil
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	l.Href = obj.Href
	return nil
}

// LinkTemplate is a link template from a response: v2 sends
// {"template": ...}, v3 HAL-style {"href": ..., "templated": true}; both
// decode into Template. A plain Link decodes with Templated false.
type LinkTemplate struct {
	// Template is the RFC 6570 URI template, or the plain href.
	Template string
	// Templated reports whether Template contains template expressions.
	Templated bool
	// Type is the content type, e.g. "application/json".
	Type string
	// Name tells links of one relation apart, e.g. "aggregated".
	Name string
}

// UnmarshalJSON accepts both link-template forms and plain links.
func (t *LinkTemplate) UnmarshalJSON(b []byte) error {
	var w struct {
		Template  *string `json:"template"`
		Href      string  `json:"href"`
		Templated bool    `json:"templated"`
		Type      string  `json:"type"`
		Name      string  `json:"name"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = LinkTemplate{Template: w.Href, Templated: w.Templated, Type: w.Type, Name: w.Name}
	if w.Template != nil {
		t.Template, t.Templated = *w.Template, true
	}
	return nil
}

// oneOrMany decodes a JSON array of T, or a single T as a one-element
// slice, for the places where the spec and the live API disagree.
type oneOrMany[T any] []T

func (s *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case '[':
		return json.Unmarshal(b, (*[]T)(s))
	case 'n':
		*s = nil
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*s = oneOrMany[T]{one}
	return nil
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// pager is the wire form of one page of a collection.
type pager[T any] interface {
	rows() []T
	next() string
	totalCount() int
}

// reportingPage holds what every reporting collection carries besides its
// rows: a single next Link and, on v3, the total count.
type reportingPage struct {
	Links struct {
		Next link `json:"next"`
	} `json:"_links"`
	TotalCount *int `json:"totalCount"`
}

func (p *reportingPage) next() string { return p.Links.Next.Href }

func (p *reportingPage) totalCount() int {
	if p.TotalCount == nil {
		return -1
	}
	return *p.TotalCount
}

// listPage reads the page at u.
func listPage[T any](ctx context.Context, c *Client, endpoint string, u *url.URL, p pager[T]) ([]T, *Response, *url.URL, error) {
	req, err := c.newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	resp, err := c.Do(req, endpoint, p)
	if err != nil {
		return nil, resp, nil, err
	}
	resp.TotalCount = p.totalCount()
	var next *url.URL
	if href := p.next(); href != "" {
		if next, err = c.resolve(u, href); err != nil {
			// An unusable link is as much a bad response as a body that does not decode.
			return nil, resp, nil, &DecodeError{Endpoint: endpoint, Err: fmt.Errorf("next link: %w", err)}
		}
		// The link repeats the page size the server chose; ask for the
		// maximum again rather than trusting it.
		q := next.Query()
		q.Set("limit", strconv.Itoa(pageSize))
		next.RawQuery = q.Encode()
		resp.NextURL = redact(next)
	}
	return p.rows(), resp, next, nil
}

// walk reads the pages from u on, following the next links, and hands the
// rows and response of each page to visit until it returns false or the
// last page is read.
func walk[T any](ctx context.Context, c *Client, endpoint string, u *url.URL, newPage func() pager[T], visit func([]T, *Response) bool) error {
	seen := make(map[string]bool)
	for u != nil {
		key := u.String()
		if seen[key] {
			return fmt.Errorf("marketplace: %s: %w at %s", endpoint, ErrPaginationLoop, redact(u))
		}
		seen[key] = true
		rows, resp, next, err := listPage(ctx, c, endpoint, u, newPage())
		if err != nil {
			return err
		}
		if !visit(rows, resp) {
			return nil
		}
		u = next
	}
	return nil
}

// listAll yields every row from the page at first on, following the next
// links. newPage returns an empty wire page for each request.
func listAll[T any](ctx context.Context, c *Client, endpoint string, first func(context.Context) (*url.URL, error), newPage func() pager[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		u, err := first(ctx)
		if err != nil {
			yield(zero, err)
			return
		}
		stopped := false
		err = walk(ctx, c, endpoint, u, newPage, func(rows []T, _ *Response) bool {
			for _, r := range rows {
				if !yield(r, nil) {
					stopped = true
					return false
				}
			}
			return true
		})
		if err != nil && !stopped {
			yield(zero, err)
		}
	}
}

// collection describes a paged reporting list and, where it has one, its
// JSON export twin at path + "export".
type collection[T any] struct {
	endpoint string   // e.g. "licenses"; the export is endpoint + "_export"
	path     []string // below the reporting root, e.g. "sales", "transactions"
	newPage  func() pager[T]
}

// pageURL returns a function building the URL of the page at offset. The
// developer id it may need is resolved only when the URL is built.
func (l collection[T]) pageURL(c *Client, q url.Values, offset int) func(context.Context) (*url.URL, error) {
	return func(ctx context.Context) (*url.URL, error) {
		query(q).page(offset)
		return c.reportingURL(ctx, q, l.path...)
	}
}

// list reads the page at offset.
func (l collection[T]) list(ctx context.Context, c *Client, q url.Values, offset int) ([]T, *Response, error) {
	u, err := l.pageURL(c, q, offset)(ctx)
	if err != nil {
		return nil, nil, err
	}
	rows, resp, _, err := listPage(ctx, c, l.endpoint, u, l.newPage())
	return rows, resp, err
}

// all yields every row from offset on.
func (l collection[T]) all(ctx context.Context, c *Client, q url.Values, offset int) iter.Seq2[T, error] {
	return listAll(ctx, c, l.endpoint, l.pageURL(c, q, offset), l.newPage)
}

// export streams the rows of the JSON export.
func (l collection[T]) export(ctx context.Context, c *Client, q url.Values) iter.Seq2[T, error] {
	return export[T](ctx, c, l.endpoint+"_export", func(ctx context.Context) (*url.URL, error) {
		q.Set("accept", "json")
		return c.reportingURL(ctx, q, slices.Concat(l.path, []string{"export"})...)
	})
}

// export yields the rows of a JSON export, a bare array, decoding one row
// at a time from the body as it arrives. The whole export is bounded by the
// export timeout.
func export[T any](ctx context.Context, c *Client, endpoint string, build func(context.Context) (*url.URL, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		ctx, cancel := context.WithTimeout(ctx, c.exportTimeout)
		defer cancel()
		u, err := build(ctx)
		if err != nil {
			yield(zero, err)
			return
		}
		req, err := c.newRequest(ctx, http.MethodGet, u, nil)
		if err != nil {
			yield(zero, err)
			return
		}
		resp, err := c.stream(req, endpoint)
		if err != nil {
			yield(zero, err)
			return
		}
		body := &readRecorder{r: resp.Body}
		defer closeBody(resp.Body)

		dec := json.NewDecoder(body)
		// fail tells a body that broke off (a transport failure, reported
		// like one) from one that arrived whole but is not the JSON
		// promised (a DecodeError).
		fail := func(err error) {
			if body.err != nil && !errors.Is(body.err, io.EOF) {
				err = fmt.Errorf("marketplace: %s: read export: %w", endpoint, body.err)
			} else {
				err = &DecodeError{Endpoint: endpoint, Err: err}
			}
			yield(zero, err)
		}
		if tok, err := dec.Token(); err != nil {
			fail(err)
			return
		} else if tok != json.Delim('[') {
			fail(fmt.Errorf("export is not a JSON array (starts with %v)", tok))
			return
		}
		for dec.More() {
			var row T
			if err := dec.Decode(&row); err != nil {
				fail(err)
				return
			}
			if !yield(row, nil) {
				return
			}
		}
		if _, err := dec.Token(); err != nil {
			fail(err)
		}
	}
}

// readRecorder remembers the last read error of r.
type readRecorder struct {
	r   io.Reader
	err error
}

func (r *readRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil {
		r.err = err
	}
	return n, err
}

// closeBody drains a little of what is left, so that a body that was nearly
// read lets its connection be reused, and closes it. It does not drain an
// export the caller stopped early: reading megabytes to save a connection
// is the worse trade.
func closeBody(b io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, b, 4<<10)
	_ = b.Close()
}

// errSeq yields err once.
func errSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
