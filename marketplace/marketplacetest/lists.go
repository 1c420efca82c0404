package marketplacetest

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// listLinks are the links of a reporting list body.
type listLinks struct {
	Self   link         `json:"self"`
	Query  linkTemplate `json:"query"`
	Export []link       `json:"export,omitempty"`
	Next   *link        `json:"next,omitempty"`
	Prev   *link        `json:"prev,omitempty"`
}

// list is a filtered reporting list: n candidate rows (those already
// served), a filter and a renderer. Paged and export endpoints share it.
type list struct {
	n      int
	match  func(i int) bool
	render func(b []byte, i int) []byte
}

// Query templates of the lists, as in the reporting links.
const (
	licensesVars     = "{?addon*,startDate,endDate,text,tier*,dateType,licenseType*,partnerType*,hosting*,status*,withDataInsights,lastUpdated,sortBy,order,offset,limit}"
	transactionsVars = "{?addon*,startDate,endDate,text,tier*,saleType*,partnerType*,hosting*,lastUpdated,paymentStatus*,sortBy,order,offset,limit}"
	feedbackVars     = "{?type*,anonymous,reason*,addon*,hosting*,startDate,endDate,text,offset,limit}"
	detailsVars      = "{?addon*,hosting*,lastUpdated,partnerType*,text,startDate,endDate,sortBy,order,offset,limit}"
)

// servedBefore returns how many of n date-sorted items fall on or before
// today.
func (c *call) servedBefore(n int, date func(i int) time.Time) int {
	return sort.Search(n, func(i int) bool { return dayOf(date(i)) > c.today })
}

// servePage writes one page of a list. body builds the response from the
// rows and the links; exportLinks adds links to the list's exports.
func (c *call) servePage(l list, body func(rows []json.RawMessage, links listLinks, total int) any, suffix, vars string, exportLinks bool) error {
	var hits []int
	for i := range l.n {
		if l.match(i) {
			hits = append(hits, i)
		}
	}
	lo, hi, next, prev, err := c.page(len(hits))
	if err != nil {
		return err
	}
	rows := make([]json.RawMessage, 0, hi-lo)
	for _, i := range hits[lo:hi] {
		rows = append(rows, l.render(nil, i))
	}
	links := listLinks{Self: c.self(), Query: c.template(suffix, vars, ""), Next: next, Prev: prev}
	if exportLinks {
		q := url.Values{}
		for k, v := range c.q {
			if k != "offset" && k != "limit" {
				q[k] = v
			}
		}
		base := c.reportingBase() + suffix + "/export?"
		for _, f := range []struct{ accept, contentType string }{{"csv", "text/csv"}, {"json", "application/json"}} {
			q.Set("accept", f.accept)
			links.Export = append(links.Export, link{Href: base + q.Encode(), Type: f.contentType})
		}
	}
	writeJSON(c.w, http.StatusOK, body(rows, links, len(hits)))
	return nil
}

// serveExport streams the matching rows as one bare JSON array. Rows are
// encoded and flushed one by one, so an export of any size never builds the
// whole body in memory.
func (c *call) serveExport(l list) error {
	accept := c.q.Get("accept")
	if accept == "" && strings.Contains(c.r.Header.Get("Accept"), "text/csv") {
		accept = "csv"
	}
	switch accept {
	case "", "json":
	case "csv":
		return &apiError{http.StatusNotAcceptable, "the simulator serves JSON exports only (accept=json)"}
	default:
		return badRequest("accept: allowable values are [csv, json]")
	}
	streamArray(c.w, l)
	return nil
}

// flushEvery is how many rows go out between flushes of an export.
const flushEvery = 256

// streamArray writes the rows of l that match as a JSON array, one row per
// line.
func streamArray(w http.ResponseWriter, l list) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	rc := http.NewResponseController(w)
	var row []byte
	n := 0
	bw.WriteByte('[')
	for i := range l.n {
		if !l.match(i) {
			continue
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		row = append(l.render(row[:0], i), '\n')
		if _, err := bw.Write(row); err != nil {
			return // the client went away; nothing more can be said
		}
		if n++; n%flushEvery == 0 {
			if bw.Flush() != nil {
				return
			}
			rc.Flush() // not every ResponseWriter can flush; buffering is fine then
		}
	}
	bw.WriteString("]\n")
	bw.Flush()
}

// filters common to the lists.
type filters struct {
	addons, hostings, partners map[string]bool
	from, to                   day
	hasFrom, hasTo             bool
	lastUpdated                day
	hasLastUpdated             bool
	text                       string
}

func (c *call) commonFilters() (f filters, err error) {
	f.addons = c.set("addon")
	if f.hostings, err = c.enums("hosting", hostingFilters); err != nil {
		return f, err
	}
	if f.partners, err = c.enums("partnerType", partnerFilters); err != nil {
		return f, err
	}
	if f.from, f.hasFrom, err = c.date("startDate"); err != nil {
		return f, err
	}
	if f.to, f.hasTo, err = c.date("endDate"); err != nil {
		return f, err
	}
	if f.lastUpdated, f.hasLastUpdated, err = c.date("lastUpdated"); err != nil {
		return f, err
	}
	f.text = strings.ToLower(c.q.Get("text"))
	return f, nil
}

// in reports whether v passes a set filter (nil passes everything).
func in(set map[string]bool, v string) bool { return set == nil || set[v] }

// inRange reports whether d passes the startDate/endDate filters.
func (f *filters) inRange(d day) bool {
	return (!f.hasFrom || d >= f.from) && (!f.hasTo || d <= f.to)
}

// matchText reports whether any of fields contains the text filter.
func (f *filters) matchText(fields ...string) bool {
	if f.text == "" {
		return true
	}
	for _, s := range fields {
		if strings.Contains(strings.ToLower(s), f.text) {
			return true
		}
	}
	return false
}

// partnerType is a license's partner type as partnerType filters see it.
func partnerType(p *Partner) string {
	if p == nil {
		return partnerDirect
	}
	return p.Type
}

// tierFilter reads the tier filter: user counts.
func (c *call) tierFilter() (map[int]bool, error) {
	if len(c.q["tier"]) == 0 {
		return nil, nil
	}
	set := map[int]bool{}
	for _, v := range c.q["tier"] {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, badRequest("tier: Type mismatch")
		}
		set[n] = true
	}
	return set, nil
}

// licenses builds the licenses list as of today.
func (c *call) licenses() (list, error) {
	f, err := c.commonFilters()
	if err != nil {
		return list{}, err
	}
	statusSet, err := c.enums("status", map[string]string{"active": StatusActive, "inactive": StatusInactive, "cancelled": StatusCancelled})
	if err != nil {
		return list{}, err
	}
	typeSet, err := c.enums("licenseType", licenseTypeFilters)
	if err != nil {
		return list{}, err
	}
	tierSet, err := c.tierFilter()
	if err != nil {
		return list{}, err
	}
	byEnd := false
	switch c.q.Get("dateType") {
	case "", "start":
	case "end":
		byEnd = true
	default:
		return list{}, badRequest("dateType: allowable values are [start, end]")
	}
	insights, _, err := c.boolean("withDataInsights")
	if err != nil {
		return list{}, err
	}
	ls := c.ds.Licenses
	return list{
		n: c.servedBefore(len(ls), func(i int) time.Time { return ls[i].Start }),
		match: func(i int) bool {
			l := &ls[i]
			if !in(f.addons, l.AddonKey) || !in(f.hostings, l.Hosting) || !in(typeSet, l.LicenseType) ||
				!in(f.partners, partnerType(l.Partner)) {
				return false
			}
			if !f.matchText(l.LicenseID, l.AppEntitlementID, l.CloudID, l.CloudSiteHostname, l.Customer.Company,
				l.Customer.TechnicalContact.Email, l.Customer.BillingContact.Email) {
				return false
			}
			st := stateAt(l, c.today)
			date := st.maintStart
			if byEnd {
				date = st.maintEnd
			}
			if !in(statusSet, st.status) || !f.inRange(date) || f.hasLastUpdated && st.lastUpdated < f.lastUpdated ||
				tierSet != nil && !tierSet[st.tier.Users] {
				return false
			}
			return true
		},
		render: func(b []byte, i int) []byte { return c.appendLicense(b, i, stateAt(&ls[i], c.today), insights) },
	}, nil
}

// transactions builds the transactions list.
func (c *call) transactions() (list, error) {
	f, err := c.commonFilters()
	if err != nil {
		return list{}, err
	}
	saleSet, err := c.enums("saleType", map[string]string{
		"new": SaleNew, "renewal": SaleRenewal, "upgrade": SaleUpgrade, "refund": SaleRefund, "downgrade": "Downgrade",
	})
	if err != nil {
		return list{}, err
	}
	paySet, err := c.enums("paymentStatus", map[string]string{
		"paid": "Paid", "open": "Open", "uncollectible": "Uncollectible", "refunded": "Refunded",
	})
	if err != nil {
		return list{}, err
	}
	tierSet, err := c.tierFilter()
	if err != nil {
		return list{}, err
	}
	ts := c.ds.Transactions
	return list{
		n: c.servedBefore(len(ts), func(i int) time.Time { return ts[i].SaleDate }),
		match: func(i int) bool {
			t := &ts[i]
			l := &c.ds.Licenses[t.License]
			d := dayOf(t.SaleDate)
			return in(f.addons, t.AddonKey) && in(f.hostings, t.Hosting) && in(saleSet, t.SaleType) &&
				in(f.partners, t.Partner) && in(paySet, t.PaymentStatus) && f.inRange(d) &&
				(!f.hasLastUpdated || d >= f.lastUpdated) && (tierSet == nil || tierSet[tierUsers(t.Tier)]) &&
				f.matchText(t.TransactionID, l.LicenseID, l.AppEntitlementID, l.CloudID, l.Customer.Company,
					l.Customer.TechnicalContact.Email, l.Customer.BillingContact.Email)
		},
		render: c.appendTransaction,
	}, nil
}

// tierUsers returns the user count of a tier name.
func tierUsers(name string) int {
	for _, t := range tiers {
		if t.name == name {
			return t.users
		}
	}
	return 0
}

// feedbackList builds the feedback details list.
func (c *call) feedbackList() (list, error) {
	f, err := c.commonFilters()
	if err != nil {
		return list{}, err
	}
	typeSet, err := c.enums("type", map[string]string{"uninstall": "uninstall", "disable": "disable", "unsubscribe": "unsubscribe"})
	if err != nil {
		return list{}, err
	}
	anonymous, anonFilter, err := c.boolean("anonymous")
	if err != nil {
		return list{}, err
	}
	reasons := c.set("reason")
	fb := c.ds.Feedback
	return list{
		n: c.servedBefore(len(fb), func(i int) time.Time { return fb[i].Date }),
		match: func(i int) bool {
			e := &fb[i]
			return in(f.addons, e.AddonKey) && in(f.hostings, e.Hosting) && in(typeSet, e.Type) && in(reasons, e.ReasonKey) &&
				(!anonFilter || anonymous == (e.Email == "")) && f.inRange(dayOf(e.Date)) &&
				f.matchText(e.LicenseID, e.Email, e.AppEntitlementID, e.AppEntitlementNumber, e.CloudID, e.Message)
		},
		render: c.appendFeedback,
	}, nil
}

// listResource is a reporting list and its export.
type listResource struct {
	build func(*call) (list, error)
	// suffix is the list's path below the reporting root; the export is at
	// suffix + "/export".
	suffix string
	// vars is the query template; rowsKey the body's array of rows.
	vars, rowsKey string
	// exportLinks adds links to the CSV and JSON exports to each page.
	exportLinks bool
}

// page serves one page of the list: the rows under rowsKey, the links, and
// on v3 the totalCount.
func (lr listResource) page() handler {
	return func(c *call) error {
		l, err := lr.build(c)
		if err != nil {
			return err
		}
		return c.servePage(l, func(rows []json.RawMessage, links listLinks, total int) any {
			body := map[string]any{"_links": links, lr.rowsKey: rows}
			if c.v3 {
				body["totalCount"] = total
			}
			return body
		}, lr.suffix, lr.vars, lr.exportLinks)
	}
}

// export serves the whole list as a streamed export.
func (lr listResource) export() handler {
	return func(c *call) error {
		l, err := lr.build(c)
		if err != nil {
			return err
		}
		return c.serveExport(l)
	}
}

// details builds the sales metric details list: churn details are
// cancellations, renewal details renewals, conversion details conversions.
func (c *call) details(metric string) (list, error) {
	f, err := c.commonFilters()
	if err != nil {
		return list{}, err
	}
	type event struct {
		date                 time.Time
		license, transaction int
	}
	var events []event
	switch metric {
	case "conversion":
		for _, cv := range c.ds.Conversions {
			events = append(events, event{cv.Date, cv.License, cv.Transaction})
		}
	default:
		for _, b := range c.ds.Billing {
			if b.Renewed == (metric == "renewal") {
				events = append(events, event{b.Date, b.License, b.Transaction})
			}
		}
	}
	return list{
		n: c.servedBefore(len(events), func(i int) time.Time { return events[i].date }),
		match: func(i int) bool {
			e := events[i]
			l := &c.ds.Licenses[e.license]
			return in(f.addons, l.AddonKey) && in(f.hostings, l.Hosting) && in(f.partners, partnerType(l.Partner)) &&
				f.inRange(dayOf(e.date)) && (!f.hasLastUpdated || dayOf(e.date) >= f.lastUpdated) &&
				f.matchText(l.LicenseID, l.AppEntitlementID, l.CloudID, l.Customer.Company)
		},
		render: func(b []byte, i int) []byte {
			e := events[i]
			return c.appendTransition(b, &c.ds.Licenses[e.license], dayOf(e.date), e.transaction)
		},
	}, nil
}
