package marketplacetest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// call is one request being served, with the helpers endpoints share for
// reading parameters and building links.
type call struct {
	s     *Simulator
	ds    *Dataset
	w     http.ResponseWriter
	r     *http.Request
	q     url.Values
	v3    bool
	today day
}

// Paging limits of the reporting lists.
const (
	defaultLimit = 10
	maxLimit     = 50
)

// reportingBase is the reporting path prefix of the call's API version.
func (c *call) reportingBase() string {
	if c.v3 {
		return "/rest/3/reporting/developer-space/" + c.s.opts.DeveloperID
	}
	return "/rest/2/vendors/" + strconv.FormatInt(c.s.opts.VendorID, 10) + "/reporting"
}

// link is the API's Link object.
type link struct {
	Href string `json:"href"`
	Type string `json:"type,omitempty"`
}

// linkTemplate is a link template: v2 spells it {template}, v3 in HAL style
// {href, templated: true}.
type linkTemplate struct {
	Template  string `json:"template,omitempty"`
	Href      string `json:"href,omitempty"`
	Templated bool   `json:"templated,omitempty"`
	Type      string `json:"type,omitempty"`
	Name      string `json:"name,omitempty"`
}

// template returns a link template for a reporting path suffix; vars is the
// RFC 6570 query expression, such as "{?aggregation,startDate,endDate}".
func (c *call) template(suffix, vars, name string) linkTemplate {
	t := linkTemplate{Type: "application/json", Name: name}
	uri := c.reportingBase() + suffix + vars
	if c.v3 {
		t.Href, t.Templated = uri, true
	} else {
		t.Template = uri
	}
	return t
}

// self links to the request itself, host-relative like every API link.
func (c *call) self() link { return link{Href: c.r.URL.RequestURI()} }

// withQuery returns the request path with the query changed by set.
func (c *call) withQuery(set map[string]string) string {
	q := url.Values{}
	for k, v := range c.q {
		q[k] = v
	}
	for k, v := range set {
		q.Set(k, v)
	}
	return c.r.URL.Path + "?" + q.Encode()
}

// date reads an optional date parameter.
func (c *call) date(name string) (day, bool, error) {
	v := c.q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	d, err := parseDay(v)
	if err != nil {
		return 0, false, badRequest("Must be a date")
	}
	return d, true, nil
}

// dateRange reads startDate and endDate, defaulting to the whole history and
// cut at today: later days are never served. from > to means an empty range.
func (c *call) dateRange() (from, to day, err error) {
	from, ok, err := c.date("startDate")
	if err != nil {
		return 0, 0, err
	}
	if !ok || from < c.ds.first {
		from = c.ds.first
	}
	to, ok, err = c.date("endDate")
	if err != nil {
		return 0, 0, err
	}
	if !ok || to > c.today {
		to = c.today
	}
	return from, to, nil
}

// monthRange is dateRange moved to month starts, as benchmark and insights
// endpoints do.
func (c *call) monthRange() (from, to day, err error) {
	from, to, err = c.dateRange()
	return from.monthStart(), to.monthStart(), err
}

// monthly reads aggregation: week (the default) or month, case-sensitive.
func (c *call) monthly() (bool, error) {
	switch c.q.Get("aggregation") {
	case "", "week":
		return false, nil
	case "month":
		return true, nil
	}
	return false, badRequest("aggregation: allowable values are [week, month]")
}

// buckets reads the date range and aggregation of an aggregate endpoint.
func (c *call) buckets() (from, to day, b buckets, err error) {
	monthly, err := c.monthly()
	if err != nil {
		return 0, 0, b, err
	}
	if from, to, err = c.dateRange(); err != nil {
		return 0, 0, b, err
	}
	return from, to, newBuckets(from, to, monthly), nil
}

// enums reads a repeated filter parameter whose lower-case values map to the
// values served; nil means no filter.
func (c *call) enums(name string, values map[string]string) (map[string]bool, error) {
	vs := c.q[name]
	if len(vs) == 0 {
		return nil, nil
	}
	set := map[string]bool{}
	for _, v := range vs {
		served, ok := values[strings.ToLower(v)]
		if !ok {
			return nil, badRequest("%s: allowable values are [%s]", name, strings.Join(sortedKeys(values), ", "))
		}
		set[served] = true
	}
	return set, nil
}

// set reads a repeated free-form filter parameter; nil means no filter.
func (c *call) set(name string) map[string]bool {
	if len(c.q[name]) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, v := range c.q[name] {
		set[v] = true
	}
	return set
}

// boolean reads an optional true/false parameter.
func (c *call) boolean(name string) (value, present bool, err error) {
	switch c.q.Get(name) {
	case "":
		return false, false, nil
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, false, badRequest("%s: Type mismatch", name)
}

// integer reads an optional non-negative integer parameter.
func (c *call) integer(name string, def int) (int, error) {
	v := c.q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badRequest("%s: Type mismatch", name)
	}
	return n, nil
}

// paging reads offset and limit; a limit above maxLimit is quietly capped,
// as the API does.
func (c *call) paging() (offset, limit int, err error) {
	if offset, err = c.integer("offset", 0); err != nil {
		return 0, 0, err
	}
	if limit, err = c.integer("limit", defaultLimit); err != nil {
		return 0, 0, err
	}
	if limit == 0 {
		return 0, 0, badRequest("limit: must be at least 1")
	}
	return offset, min(limit, maxLimit), nil
}

// page returns the part of total rows the paging parameters select, and the
// next and prev links: next only when rows remain, prev after the first page.
func (c *call) page(total int) (lo, hi int, next, prev *link, err error) {
	offset, limit, err := c.paging()
	if err != nil {
		return 0, 0, nil, nil, err
	}
	lo, hi = min(offset, total), min(offset+limit, total)
	lim := strconv.Itoa(limit)
	if hi < total {
		next = &link{Href: c.withQuery(map[string]string{"offset": strconv.Itoa(hi), "limit": lim})}
	}
	if offset > 0 {
		prev = &link{Href: c.withQuery(map[string]string{"offset": strconv.Itoa(max(0, offset-limit)), "limit": lim})}
	}
	return lo, hi, next, prev, nil
}
