package marketplace

import (
	"net/url"
	"strconv"
)

// query builds a query string, leaving out zero values so that the API's
// defaults apply. Arrays are sent as repeated keys: the comma form is not
// understood by the API.
type query url.Values

func (q query) str(key, v string) {
	if v != "" {
		url.Values(q).Set(key, v)
	}
}

func (q query) strs(key string, vs []string) {
	for _, v := range vs {
		url.Values(q).Add(key, v)
	}
}

func (q query) date(key string, d Date) { q.str(key, d.String()) }

func (q query) flag(key string, b bool) {
	if b {
		url.Values(q).Set(key, "true")
	}
}

// page asks for the page of pageSize rows at offset.
func (q query) page(offset int) {
	if offset > 0 {
		url.Values(q).Set("offset", strconv.Itoa(offset))
	}
	url.Values(q).Set("limit", strconv.Itoa(pageSize))
}

func (q query) values() url.Values { return url.Values(q) }

// orZero returns p, or a pointer to a zero T when p is nil, so that nil
// options mean "no filters".
func orZero[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}
