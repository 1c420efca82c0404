package marketplacetest

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
)

// Partner-metrics paging: limit and offset count time buckets.
const (
	defaultBuckets = 7
	maxBuckets     = 14
)

// Recurring-revenue fields and their record keys.
var mrrFields = []struct{ name, key string }{
	{"OPENING_MRR", "openingMrr"}, {MRRNew, "newMrr"}, {MRRExpansion, "expansionMrr"},
	{MRRContraction, "contractionMrr"}, {MRRReactivated, "reactivatedMrr"}, {MRRExpired, "expiredMrr"},
	{"CLOSING_MRR", "closingMrr"}, {"ARR", "arr"},
}

// Metric sets, fields and attributes the API knows but the simulator does
// not produce: asking for them is a 400 that says so, not a silent gap.
var (
	otherMetricSets   = []string{"DISTRIBUTIONS", "FUNNEL_INSIGHTS", "DOWNLOADS", "GMV"}
	otherMetricFields = []string{
		"INSTALL_COUNT", "USER_COUNT", "PROSPECT", "D1_D6_AI", "AVERAGE_CHURN_DAY", "DOWNLOAD_COUNT", "LIFETIME_GMV",
		"NON_HARMONISED_FORGE_VERSIONS_LIFETIME_GMV", "STANDARD_FORGE_VERSIONS_LIFETIME_GMV",
	}
	otherAttributes = []string{
		"GRACE_PERIOD_IN_DAYS", "SUBSCRIPTION", "APP_VERSION", "APP_VERSION_TYPE", "PARENT_SOFTWARE",
		"PARENT_SOFTWARE_VERSION", "PARENT_SOFTWARE_MAJOR_VERSION", "PARENT_SOFTWARE_MINOR_VERSION", "HOSTING",
		"PARENT_PRODUCT", "PRODUCT_TYPE", "PARENT_PRODUCT_TENURE_LEVEL", "PARENT_PRODUCT_EDITION",
		"PARENT_PRODUCT_UNIT_COUNT", "LICENSE_STATUS", "LICENSE_TYPE", "PRODUCT_STATE", "PROSPECT_TYPE",
	}
)

type named struct {
	Name string `json:"name"`
}

// partnerMetricsRequest is ReportingMetricTimeSeriesRequestBody.
type partnerMetricsRequest struct {
	Metrics *struct {
		MetricSets   []named `json:"metricSets"`
		MetricFields []named `json:"metricFields"`
	} `json:"metrics"`
	DateRange *struct {
		StartDate string `json:"startDate"`
		EndDate   string `json:"endDate"`
	} `json:"dateRange"`
	Granularity string  `json:"granularity"`
	Attributes  []named `json:"attributes"`
}

// partnerMetrics serves POST partner-metrics with the RECURRING_REVENUE
// metrics, computed from the same Cloud subscription events as the churn
// metrics and transactions.
func (s *Simulator) partnerMetrics(c *call) error {
	var req partnerMetricsRequest
	dec := json.NewDecoder(http.MaxBytesReader(c.w, c.r.Body, 1<<20))
	if err := dec.Decode(&req); err != nil {
		return badRequest("Malformed request body: %v", err)
	}
	fields, err := requestedFields(&req)
	if err != nil {
		return err
	}
	perApp := false
	for _, a := range req.Attributes {
		switch {
		case a.Name == "APP_KEY" || a.Name == "APP_NAME":
			perApp = true
		case slices.Contains(otherAttributes, a.Name):
			return badRequest("attributes: %s is not simulated", a.Name)
		default:
			return badRequest("attributes: unknown attribute %s", a.Name)
		}
	}
	if req.DateRange == nil {
		return badRequest("dateRange: must not be null")
	}
	from, err1 := parseDay(req.DateRange.StartDate)
	to, err2 := parseDay(req.DateRange.EndDate)
	if err1 != nil || err2 != nil {
		return badRequest("Must be a date")
	}
	from, to = max(from, c.ds.first), min(to, c.today)
	var starts []day
	if from <= to {
		var next func(day) day
		switch req.Granularity {
		case "DAY":
			starts, next = []day{from}, func(d day) day { return d + 1 }
		case "WEEK":
			starts, next = []day{from.weekStart()}, func(d day) day { return d + 7 }
		case "MONTH", "":
			starts, next = []day{from.monthStart()}, func(d day) day { return d.addMonths(1) }
		case "YEAR":
			t := from.time()
			starts, next = []day{from - day(t.YearDay()-1)}, func(d day) day { return dayOf(d.time().AddDate(1, 0, 0)) }
		default:
			return badRequest("granularity: allowable values are [YEAR, MONTH, WEEK, DAY]")
		}
		for s := next(starts[0]); s <= to; s = next(s) {
			starts = append(starts, s)
		}
		starts = append(starts, next(starts[len(starts)-1]))
	} else if !slices.Contains([]string{"", "DAY", "WEEK", "MONTH", "YEAR"}, req.Granularity) {
		return badRequest("granularity: allowable values are [YEAR, MONTH, WEEK, DAY]")
	}
	offset, err := c.integer("offset", 0)
	if err != nil {
		return err
	}
	limit, err := c.integer("limit", defaultBuckets)
	if err != nil {
		return err
	}
	limit = min(max(limit, 1), maxBuckets)

	records := []map[string]any{}
	for b := offset; b < offset+limit && b+1 < len(starts); b++ {
		lo, hi := max(starts[b], from), min(starts[b+1]-1, to)
		var total [len(mrrKinds) + 1]int64
		for a := range c.ds.Apps {
			v := c.ds.mrrFlows(a, lo, hi)
			if perApp {
				app := &c.ds.Apps[a]
				rec := mrrRecord(starts[b], fields, v)
				rec["appKey"], rec["appName"] = app.Key, app.Name
				records = append(records, rec)
			}
			for i := range v {
				total[i] += v[i]
			}
		}
		if !perApp {
			records = append(records, mrrRecord(starts[b], fields, total))
		}
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"records": records})
	return nil
}

// requestedFields returns the record keys a request asks for.
func requestedFields(req *partnerMetricsRequest) (map[string]bool, error) {
	if req.Metrics == nil || len(req.Metrics.MetricSets)+len(req.Metrics.MetricFields) == 0 {
		return nil, badRequest("metrics: at least one of metricSets and metricFields is required")
	}
	fields := map[string]bool{}
	for _, set := range req.Metrics.MetricSets {
		switch {
		case set.Name == "RECURRING_REVENUE":
			for _, f := range mrrFields {
				fields[f.key] = true
			}
		case slices.Contains(otherMetricSets, set.Name):
			return nil, badRequest("metricSets: %s is not simulated", set.Name)
		default:
			return nil, badRequest("metricSets: unknown metric set %s", set.Name)
		}
	}
	for _, f := range req.Metrics.MetricFields {
		i := slices.IndexFunc(mrrFields, func(m struct{ name, key string }) bool { return m.name == f.Name })
		switch {
		case i >= 0:
			fields[mrrFields[i].key] = true
		case slices.Contains(otherMetricFields, f.Name):
			return nil, badRequest("metricFields: %s is not simulated", f.Name)
		default:
			return nil, badRequest("metricFields: unknown metric field %s", f.Name)
		}
	}
	return fields, nil
}

// mrrKinds are the flows of MRR, in the order mrrFlows returns them after
// the opening value.
var mrrKinds = [...]string{MRRNew, MRRExpansion, MRRContraction, MRRReactivated, MRRExpired}

// mrrFlows returns app a's opening MRR at the start of lo, then its flows of
// each kind over [lo, hi], in cents.
func (d *Dataset) mrrFlows(a int, lo, hi day) [len(mrrKinds) + 1]int64 {
	var v [len(mrrKinds) + 1]int64
	v[0] = d.idx.mrrBefore(d, a, lo)
	pos := d.idx.mrr[a]
	k := sort.Search(len(pos), func(i int) bool { return dayOf(d.MRR[pos[i]].Date) >= lo })
	for ; k < len(pos); k++ {
		m := &d.MRR[pos[k]]
		if dayOf(m.Date) > hi {
			break
		}
		v[1+slices.Index(mrrKinds[:], m.Kind)] += m.cents
	}
	return v
}

// mrrRecord renders a bucket's record: closing is opening plus every flow
// (contraction and expiry are negative), ARR twelve times closing.
func mrrRecord(start day, fields map[string]bool, v [len(mrrKinds) + 1]int64) map[string]any {
	var closing int64
	for _, x := range v {
		closing += x
	}
	values := map[string]int64{
		"openingMrr": v[0], "newMrr": v[1], "expansionMrr": v[2], "contractionMrr": v[3],
		"reactivatedMrr": v[4], "expiredMrr": v[5], "closingMrr": closing, "arr": 12 * closing,
	}
	rec := map[string]any{"date": start.String()}
	for k, x := range values {
		if fields[k] {
			rec[k] = json.Number(strconv.FormatFloat(cents(x), 'f', 2, 64))
		}
	}
	return rec
}
