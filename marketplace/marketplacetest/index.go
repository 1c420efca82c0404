package marketplacetest

import (
	"fmt"
	"sort"
	"time"
)

// The indexes below are built once at New so that aggregate endpoints cost
// O(events in range) with no allocation per event, however many apps and
// licenses there are. The ground-truth functions deliberately do not use
// them: they scan the Dataset's event slices, so a test comparing the two
// checks the indexes too.

// tally is what an aggregate element counts.
type tally struct {
	count, net, cents int64
}

func (t *tally) add(u tally) {
	t.count += u.count
	t.net += u.net
	t.cents += u.cents
}

// cell is one app's tally of one group on one day.
type cell struct {
	day   day
	group uint8
	tally
}

// cube holds one aggregate dimension: for each app, a cell for every (day,
// group) that has events, in day order.
type cube struct {
	groups []string
	index  map[string]uint8
	cells  [][]cell
}

func newCube(groups []string, apps int) *cube {
	c := &cube{groups: groups, index: make(map[string]uint8, len(groups)), cells: make([][]cell, apps)}
	for i, g := range groups {
		c.index[g] = uint8(i)
	}
	return c
}

// add counts an event. Events must arrive in day order for each app, so the
// cells of day d are at the tail of the app's slice.
func (c *cube) add(a int, d day, group string, t tally) {
	g, ok := c.index[group]
	if !ok {
		panic(fmt.Sprintf("marketplacetest: group %q missing from its dimension", group))
	}
	cs := c.cells[a]
	for j := len(cs) - 1; j >= 0 && cs[j].day == d; j-- {
		if cs[j].group == g {
			cs[j].add(t)
			return
		}
	}
	c.cells[a] = append(cs, cell{day: d, group: g, tally: t})
}

// rangeCells returns app a's cells for days from to to, inclusive.
func (c *cube) rangeCells(a int, from, to day) []cell {
	cs := c.cells[a]
	lo := sort.Search(len(cs), func(i int) bool { return cs[i].day >= from })
	hi := sort.Search(len(cs), func(i int) bool { return cs[i].day > to })
	return cs[lo:hi]
}

// aggregate returns app a's tallies over [from, to] by group and bucket; a
// group without events in range is nil.
func (c *cube) aggregate(a int, from, to day, b buckets) [][]tally {
	out := make([][]tally, len(c.groups))
	for _, x := range c.rangeCells(a, from, to) {
		if out[x.group] == nil {
			out[x.group] = make([]tally, len(b.starts))
		}
		out[x.group][b.of(x.day)].add(x.tally)
	}
	return out
}

// buckets are the time buckets of an aggregate response.
type buckets struct {
	monthly bool
	starts  []day
}

// newBuckets returns the buckets covering [from, to]: weeks dated on their
// Sunday or months dated on the 1st. The first bucket may start before from.
func newBuckets(from, to day, monthly bool) buckets {
	b := buckets{monthly: monthly}
	if from > to {
		return b
	}
	for s := b.start(from); s <= to; s = b.next(s) {
		b.starts = append(b.starts, s)
	}
	return b
}

func (b buckets) start(d day) day {
	if b.monthly {
		return d.monthStart()
	}
	return d.weekStart()
}

func (b buckets) next(s day) day {
	if b.monthly {
		return s.addMonths(1)
	}
	return s + 7
}

// of returns the index of the bucket holding d.
func (b buckets) of(d day) int {
	if b.monthly {
		return monthNumber(d) - monthNumber(b.starts[0])
	}
	return int(d.weekStart()-b.starts[0]) / 7
}

// monthNumber counts months since year 0, for month arithmetic.
func monthNumber(d day) int {
	t := d.time()
	return t.Year()*12 + int(t.Month()) - 1
}

// Cloud metric groups: dataset and series joined by a slash.
func cloudGroup(dataset, series string) string { return dataset + "/" + series }

// Series names of the Cloud metrics.
const (
	seriesCustomers     = "Customers"
	seriesCancellations = "Cancellations"
	seriesOpportunities = "Renewal opportunities"
	seriesRenewals      = "Renewals"
	seriesEvaluations   = "Evaluations"
	seriesConversions   = "Conversions"
)

// cloudMetrics describes the datasets and series of each Cloud metric.
var cloudMetrics = map[string]struct {
	datasets []string
	series   []string
}{
	"churn":      {billingPeriods, []string{seriesCustomers, seriesCancellations}},
	"renewal":    {billingPeriods, []string{seriesOpportunities, seriesRenewals}},
	"conversion": {[]string{""}, []string{seriesEvaluations, seriesConversions}},
}

// cloudGroups lists a Cloud metric's groups, datasets outer.
func cloudGroups(metric string) []string {
	m := cloudMetrics[metric]
	var out []string
	for _, d := range m.datasets {
		for _, s := range m.series {
			out = append(out, cloudGroup(d, s))
		}
	}
	return out
}

// indexes are the per-app, per-day structures behind the aggregate and
// monthly endpoints.
type indexes struct {
	evaluations map[string]*cube // by path metric
	sales       map[string]*cube
	feedback    map[string]*cube
	cloud       map[string]*cube // churn, renewal, conversion
	// billing holds, per app, the positions in Dataset.Billing, by date.
	billing [][]int
	// mrr holds, per app, the positions in Dataset.MRR by date, and the
	// app's MRR in cents after each of them.
	mrr        [][]int
	mrrRunning [][]int64
}

// Group accessors of each aggregate family, by path metric.
var (
	evaluationGroups = map[string]func(*Evaluation) string{
		"hosting": func(e *Evaluation) string { return e.Hosting },
		"region":  func(e *Evaluation) string { return e.Region },
		"country": func(e *Evaluation) string { return e.Country },
		"partner": func(e *Evaluation) string { return e.Partner },
	}
	salesGroups = map[string]func(*Transaction) string{
		"hosting": func(t *Transaction) string { return t.Hosting },
		"region":  func(t *Transaction) string { return t.Region },
		"country": func(t *Transaction) string { return t.Country },
		"partner": func(t *Transaction) string { return t.Partner },
		"tier":    func(t *Transaction) string { return t.Tier },
		"type":    func(t *Transaction) string { return t.SaleType },
	}
	feedbackGroups = map[string]func(*Feedback) string{
		"type":   func(f *Feedback) string { return f.Type },
		"reason": func(f *Feedback) string { return f.ReasonKey },
	}
)

// dimensionGroups lists every group of a path metric, in series order.
func dimensionGroups(metric string) []string {
	switch metric {
	case "hosting":
		return hostings
	case "region":
		return regions
	case "country":
		names := make([]string, len(countries))
		for i, c := range countries {
			names[i] = c.name
		}
		return names
	case "partner":
		return partnerTypes
	case "tier":
		names := make([]string, len(tiers))
		for i, t := range tiers {
			names[i] = t.name
		}
		return names
	case "type":
		return saleTypes
	}
	panic("marketplacetest: unknown metric " + metric)
}

// netOf is a sale's contribution to netCount: refunds take a unit back.
func netOf(t *Transaction) int64 {
	if t.SaleType == SaleRefund {
		return -1
	}
	return 1
}

// buildIndexes indexes ds.
func buildIndexes(ds *Dataset) *indexes {
	n := len(ds.Apps)
	x := &indexes{
		cloud:   map[string]*cube{},
		billing: make([][]int, n), mrr: make([][]int, n), mrrRunning: make([][]int64, n),
	}
	x.evaluations = cubesOf(ds, ds.Evaluations, evaluationGroups, dimensionGroups,
		func(e *Evaluation) (string, time.Time, tally) { return e.AddonKey, e.Date, tally{count: 1} })
	x.sales = cubesOf(ds, ds.Transactions, salesGroups, dimensionGroups,
		func(t *Transaction) (string, time.Time, tally) {
			return t.AddonKey, t.SaleDate, tally{count: 1, net: netOf(t), cents: t.vendorCents}
		})
	x.feedback = cubesOf(ds, ds.Feedback, feedbackGroups,
		func(metric string) []string {
			return map[string][]string{"type": feedbackTypes, "reason": feedbackReasons}[metric]
		},
		func(f *Feedback) (string, time.Time, tally) { return f.AddonKey, f.Date, tally{count: 1} })

	churn, renewal, conversion := newCube(cloudGroups("churn"), n), newCube(cloudGroups("renewal"), n), newCube(cloudGroups("conversion"), n)
	one := tally{count: 1}
	// The group names, joined once rather than for every event.
	group := map[string]map[string]string{}
	for _, p := range billingPeriods {
		group[p] = map[string]string{}
		for _, s := range []string{seriesCustomers, seriesOpportunities, seriesRenewals, seriesCancellations} {
			group[p][s] = cloudGroup(p, s)
		}
	}
	for i := range ds.Billing {
		b := &ds.Billing[i]
		a, d, g := ds.appIndex[b.AddonKey], dayOf(b.Date), group[b.BillingPeriod]
		x.billing[a] = append(x.billing[a], i)
		churn.add(a, d, g[seriesCustomers], one)
		renewal.add(a, d, g[seriesOpportunities], one)
		if b.Renewed {
			renewal.add(a, d, g[seriesRenewals], one)
		} else {
			churn.add(a, d, g[seriesCancellations], one)
		}
	}
	// Evaluation starts and conversions are two date-sorted streams; merge
	// them so that each app's cells stay in day order.
	evals, convs := 0, 0
	for evals < len(ds.Evaluations) || convs < len(ds.Conversions) {
		if convs == len(ds.Conversions) || evals < len(ds.Evaluations) && !ds.Evaluations[evals].Date.After(ds.Conversions[convs].Date) {
			e := &ds.Evaluations[evals]
			evals++
			if e.Hosting == HostingCloud {
				conversion.add(ds.appIndex[e.AddonKey], dayOf(e.Date), cloudGroup("", seriesEvaluations), one)
			}
			continue
		}
		c := &ds.Conversions[convs]
		convs++
		conversion.add(ds.appIndex[c.AddonKey], dayOf(c.Date), cloudGroup("", seriesConversions), one)
	}
	x.cloud["churn"], x.cloud["renewal"], x.cloud["conversion"] = churn, renewal, conversion

	for i := range ds.MRR {
		m := &ds.MRR[i]
		a := ds.appIndex[m.AddonKey]
		running := m.cents
		if k := len(x.mrrRunning[a]); k > 0 {
			running += x.mrrRunning[a][k-1]
		}
		x.mrr[a] = append(x.mrr[a], i)
		x.mrrRunning[a] = append(x.mrrRunning[a], running)
	}
	return x
}

// cubesOf builds a cube for each metric of a family of date-sorted events.
func cubesOf[T any](ds *Dataset, events []T, groupOf map[string]func(*T) string, groups func(string) []string,
	at func(*T) (addonKey string, date time.Time, t tally)) map[string]*cube {
	cubes := map[string]*cube{}
	for metric, group := range groupOf {
		c := newCube(groups(metric), len(ds.Apps))
		for i := range events {
			e := &events[i]
			key, date, t := at(e)
			c.add(ds.appIndex[key], dayOf(date), group(e), t)
		}
		cubes[metric] = c
	}
	return cubes
}

// mrrBefore returns app a's MRR in cents at the start of day d.
func (x *indexes) mrrBefore(ds *Dataset, a int, d day) int64 {
	pos := x.mrr[a]
	k := sort.Search(len(pos), func(i int) bool { return dayOf(ds.MRR[pos[i]].Date) >= d })
	if k == 0 {
		return 0
	}
	return x.mrrRunning[a][k-1]
}
