package marketplacetest

import (
	"net/http"
	"sort"
)

// Bodies of the aggregate endpoints (AggregatedAddonsWithTotal and its
// relatives). Every series of a response covers the same bucket dates,
// zero-filled.

type aggLinks struct {
	Self  link         `json:"self"`
	Query linkTemplate `json:"query"`
}

type countElement struct {
	Date  string `json:"date"`
	Count int64  `json:"count"`
}

type salesElement struct {
	Date     string  `json:"date"`
	Count    int64   `json:"count"`
	NetCount int64   `json:"netCount"`
	Revenue  float64 `json:"revenue"`
}

type series[E any] struct {
	Name     string `json:"name"`
	Elements []E    `json:"elements"`
}

type addonSeries[E any] struct {
	AddonKey  string      `json:"addonKey"`
	ProductID string      `json:"productId,omitempty"`
	Name      string      `json:"name"`
	Series    []series[E] `json:"series"`
}

type aggregated[E any] struct {
	Links aggLinks `json:"_links"`
	Total struct {
		Name   string      `json:"name"`
		Series []series[E] `json:"series"`
	} `json:"total"`
	Addons []addonSeries[E] `json:"addons"`
}

// totalName is the name of the all-apps total.
const totalName = "All apps"

// aggregateQuery is the query template of every aggregate endpoint.
const aggregateQuery = "{?aggregation,startDate,endDate}"

func countOf(d day, t tally) countElement { return countElement{Date: d.String(), Count: t.count} }

func salesOf(d day, t tally) salesElement {
	return salesElement{Date: d.String(), Count: t.count, NetCount: t.net, Revenue: cents(t.cents)}
}

// aggregateEndpoint serves one dimension of evaluations, sales or feedback.
// Events are filtered to [startDate, endDate] and then bucketed. An app
// lists the series of the groups it has events for, or every group when
// allGroups; the total lists the union.
func aggregateEndpoint[E any](cubeOf func(*indexes) *cube, suffix string, allGroups bool, element func(day, tally) E) handler {
	return func(c *call) error {
		cb := cubeOf(c.ds.idx)
		from, to, b, err := c.buckets()
		if err != nil {
			return err
		}
		var resp aggregated[E]
		resp.Links = aggLinks{Self: c.self(), Query: c.template(suffix, aggregateQuery, "")}
		resp.Total.Name = totalName
		resp.Addons = []addonSeries[E]{}
		total := make([][]tally, len(cb.groups))
		if len(b.starts) > 0 {
			for a, app := range c.ds.Apps {
				tallies := cb.aggregate(a, from, to, b)
				for g, ts := range tallies {
					if ts == nil && allGroups {
						tallies[g] = make([]tally, len(b.starts))
					}
					if tallies[g] != nil && total[g] == nil {
						total[g] = make([]tally, len(b.starts))
					}
					for i, t := range tallies[g] {
						total[g][i].add(t)
					}
				}
				as := addonSeries[E]{AddonKey: app.Key, Name: app.Name, Series: toSeries(cb.groups, tallies, b, element)}
				if c.v3 {
					as.ProductID = app.ProductID
				}
				resp.Addons = append(resp.Addons, as)
			}
		}
		resp.Total.Series = toSeries(cb.groups, total, b, element)
		writeJSON(c.w, http.StatusOK, resp)
		return nil
	}
}

// toSeries turns tallies by group and bucket into series, skipping nil groups.
func toSeries[E any](groups []string, tallies [][]tally, b buckets, element func(day, tally) E) []series[E] {
	out := []series[E]{}
	for g, ts := range tallies {
		if ts == nil {
			continue
		}
		s := series[E]{Name: groups[g], Elements: make([]E, len(ts))}
		for i, t := range ts {
			s.Elements[i] = element(b.starts[i], t)
		}
		out = append(out, s)
	}
	return out
}

// Bodies of the Cloud churn, renewal and conversion metrics. Churn and
// renewal nest series in datasets; conversion has series directly.

type metricSeries struct {
	Name        string         `json:"name"`
	UniqueTotal *int64         `json:"uniqueTotal,omitempty"`
	Elements    []countElement `json:"elements"`
}

type metricDataset struct {
	Name   string         `json:"name"`
	Series []metricSeries `json:"series"`
}

type metricPart struct {
	AddonKey  string           `json:"addonKey,omitempty"`
	ProductID string           `json:"productId,omitempty"`
	Name      string           `json:"name"`
	Datasets  *[]metricDataset `json:"datasets,omitempty"`
	Series    *[]metricSeries  `json:"series,omitempty"`
}

type metricBody struct {
	Links  aggLinks     `json:"_links"`
	Total  metricPart   `json:"total"`
	Addons []metricPart `json:"addons"`
}

// cloudMetricEndpoint serves sales/metrics/{churn,renewal,conversion}.
func (s *Simulator) cloudMetricEndpoint(metric string) handler {
	shape := cloudMetrics[metric]
	return func(c *call) error {
		cb := c.ds.idx.cloud[metric]
		from, to, b, err := c.buckets()
		if err != nil {
			return err
		}
		resp := metricBody{
			Links: aggLinks{Self: c.self(), Query: c.template("/sales/metrics/"+metric, aggregateQuery, "")},
			Total: metricPart{Name: totalName}, Addons: []metricPart{},
		}
		total := make([][]tally, len(cb.groups))
		totalUnique := make([]int64, len(cb.groups))
		nonEmpty := len(b.starts) > 0
		for a, app := range c.ds.Apps {
			if !nonEmpty {
				break
			}
			tallies := cb.aggregate(a, from, to, b)
			var unique []int64
			if metric == "churn" {
				unique = c.ds.uniqueChurn(a, from, to)
				for g, u := range unique {
					totalUnique[g] += u
				}
			}
			for g := range tallies {
				if tallies[g] == nil {
					tallies[g] = make([]tally, len(b.starts))
				}
				if total[g] == nil {
					total[g] = make([]tally, len(b.starts))
				}
				for i, t := range tallies[g] {
					total[g][i].add(t)
				}
			}
			part := metricPart{AddonKey: app.Key, Name: app.Name}
			if c.v3 {
				part.ProductID = app.ProductID
			}
			fillMetric(&part, shape.datasets, shape.series, tallies, unique, b)
			resp.Addons = append(resp.Addons, part)
		}
		switch {
		case nonEmpty:
			if metric != "churn" {
				totalUnique = nil
			}
			fillMetric(&resp.Total, shape.datasets, shape.series, total, totalUnique, b)
		case metric == "conversion":
			resp.Total.Series = &[]metricSeries{}
		default:
			resp.Total.Datasets = &[]metricDataset{}
		}
		writeJSON(c.w, http.StatusOK, resp)
		return nil
	}
}

// fillMetric sets a part's datasets (or, for a single unnamed dataset, its
// series) from tallies by group; unique, when non-nil, gives uniqueTotal.
func fillMetric(p *metricPart, datasets, seriesNames []string, tallies [][]tally, unique []int64, b buckets) {
	out := []metricDataset{}
	g := 0
	for _, ds := range datasets {
		md := metricDataset{Name: ds, Series: []metricSeries{}}
		for _, name := range seriesNames {
			ms := metricSeries{Name: name, Elements: make([]countElement, len(b.starts))}
			for i, t := range tallies[g] {
				ms.Elements[i] = countOf(b.starts[i], t)
			}
			if unique != nil {
				u := unique[g]
				ms.UniqueTotal = &u
			}
			md.Series = append(md.Series, ms)
			g++
		}
		out = append(out, md)
	}
	if len(datasets) == 1 && datasets[0] == "" {
		p.Series = &out[0].Series
		return
	}
	p.Datasets = &out
}

// uniqueChurn counts, for each churn group of app a, the distinct licenses
// among its events in [from, to].
func (d *Dataset) uniqueChurn(a int, from, to day) []int64 {
	groups := cloudGroups("churn")
	index := map[string]int{}
	for i, g := range groups {
		index[g] = i
	}
	seen := make([]map[int]bool, len(groups))
	for i := range seen {
		seen[i] = map[int]bool{}
	}
	pos := d.idx.billing[a]
	k := sort.Search(len(pos), func(i int) bool { return dayOf(d.Billing[pos[i]].Date) >= from })
	for _, i := range pos[k:] {
		ev := &d.Billing[i]
		if dayOf(ev.Date) > to {
			break
		}
		seen[index[cloudGroup(ev.BillingPeriod, seriesCustomers)]][ev.License] = true
		if !ev.Renewed {
			seen[index[cloudGroup(ev.BillingPeriod, seriesCancellations)]][ev.License] = true
		}
	}
	out := make([]int64, len(groups))
	for i, m := range seen {
		out[i] = int64(len(m))
	}
	return out
}
