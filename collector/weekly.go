package collector

import (
	"fmt"
	"slices"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// weeklyReport is one answer of an aggregated endpoint, asked for in weekly buckets. The live
// path turns an answer for one window into that window's samples; a backfill asks once for a
// long range and cuts the answer into the windows of every step, which is exact because a
// window of whole weeks ending on a Saturday is a run of whole Sunday-dated buckets.
type weeklyReport interface {
	// samples sums every bucket of the report into the samples of window w.
	samples(w Window) []Sample
	// eachSeries calls fn with a pointer to every series of the report, the total's included.
	eachSeries(fn func(*marketplace.Series))
	// within returns the report cut to the buckets dated in [from, to]. The series must be
	// sorted by date (see alignWeeks). Distinct counts (uniqueTotal) do not survive a cut.
	within(from, to marketplace.Date) weeklyReport
}

// aggregateReport is an evaluations, sales or feedback aggregate and its transformation.
type aggregateReport struct {
	agg       *marketplace.Aggregate
	transform func(*marketplace.Aggregate, Window) []Sample
}

func (r aggregateReport) samples(w Window) []Sample { return r.transform(r.agg, w) }

func (r aggregateReport) eachSeries(fn func(*marketplace.Series)) {
	if r.agg == nil {
		return
	}
	for _, g := range append([]marketplace.AggregateGroup{r.agg.Total}, r.agg.Addons...) {
		for i := range g.Series {
			fn(&g.Series[i])
		}
	}
}

func (r aggregateReport) within(from, to marketplace.Date) weeklyReport {
	if r.agg == nil {
		return r
	}
	cutGroup := func(g marketplace.AggregateGroup) marketplace.AggregateGroup {
		g.Series = cutSeries(g.Series, from, to)
		return g
	}
	agg := &marketplace.Aggregate{Total: cutGroup(r.agg.Total), Addons: make([]marketplace.AggregateGroup, len(r.agg.Addons))}
	for i, g := range r.agg.Addons {
		agg.Addons[i] = cutGroup(g)
	}
	return aggregateReport{agg, r.transform}
}

// calculatedReport is a Cloud churn, conversion or renewal answer and its transformation.
type calculatedReport struct {
	res       *marketplace.CalculatedMetric
	transform func(*marketplace.CalculatedMetric, Window) []Sample
}

func (r calculatedReport) samples(w Window) []Sample { return r.transform(r.res, w) }

func (r calculatedReport) eachSeries(fn func(*marketplace.Series)) {
	if r.res == nil {
		return
	}
	for _, g := range append([]marketplace.CalculatedGroup{r.res.Total}, r.res.Addons...) {
		for _, ds := range g.Datasets {
			for i := range ds.Series {
				fn(&ds.Series[i])
			}
		}
	}
}

func (r calculatedReport) within(from, to marketplace.Date) weeklyReport {
	if r.res == nil {
		return r
	}
	cutGroup := func(g marketplace.CalculatedGroup) marketplace.CalculatedGroup {
		ds := make([]marketplace.Dataset, len(g.Datasets))
		for i, d := range g.Datasets {
			ds[i] = marketplace.Dataset{Name: d.Name, Series: cutSeries(d.Series, from, to)}
		}
		g.Datasets = ds
		return g
	}
	res := &marketplace.CalculatedMetric{Total: cutGroup(r.res.Total), Addons: make([]marketplace.CalculatedGroup, len(r.res.Addons))}
	for i, g := range r.res.Addons {
		res.Addons[i] = cutGroup(g)
	}
	return calculatedReport{res, r.transform}
}

// cutSeries returns copies of ss holding only the elements dated in [from, to]; the elements
// are shared with ss, not copied. uniqueTotal is dropped: it counts over the whole range.
func cutSeries(ss []marketplace.Series, from, to marketplace.Date) []marketplace.Series {
	out := make([]marketplace.Series, len(ss))
	for i, s := range ss {
		lo, _ := slices.BinarySearchFunc(s.Elements, from, compareElementDate)
		hi, found := slices.BinarySearchFunc(s.Elements, to, compareElementDate)
		if found {
			hi++
		}
		s.Elements = s.Elements[lo:hi:hi]
		s.UniqueTotal = nil
		out[i] = s
	}
	return out
}

func compareElementDate(e marketplace.Element, d marketplace.Date) int {
	return e.Date.Time().Compare(d.Time())
}

// alignWeeks checks that every bucket of a report asked for over [start, end] (start a Sunday,
// end a Saturday) is a whole week inside the range, dated on its Sunday, and sorts each
// series by date so that it can be cut. An API that bucketed otherwise would make every cut
// window silently wrong, so that is an error instead.
func alignWeeks(r weeklyReport, start, end marketplace.Date) error {
	var err error
	r.eachSeries(func(s *marketplace.Series) {
		for _, e := range s.Elements {
			if err == nil && (e.Date.Time().Weekday() != time.Sunday || e.Date.Before(start) || e.Date.After(end.AddDays(-6))) {
				err = fmt.Errorf("the API sent a weekly bucket dated %s, which is not a Sunday starting a week within %s..%s: windows cannot be cut from it exactly", e.Date, start, end)
			}
		}
		slices.SortStableFunc(s.Elements, func(a, b marketplace.Element) int { return a.Date.Time().Compare(b.Date.Time()) })
	})
	return err
}
