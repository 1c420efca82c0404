package collector

import (
	"context"
	"strings"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

func init() {
	registerCollector("evaluations", "new evaluations by hosting, region, country and partner", true, time.Hour,
		func(d deps) source { return newEvaluationsCollector(d.client.Evaluations, d.windows, d.addons) })
}

// evaluationsAPI is the part of the client the evaluations collector uses.
type evaluationsAPI interface {
	Aggregate(ctx context.Context, metric marketplace.EvaluationMetric, opts *marketplace.AggregateOptions) (*marketplace.Aggregate, *marketplace.Response, error)
}

// evaluationDim is one breakdown of the evaluations report: the API metric, the family it
// feeds, and how a series name becomes a label value.
type evaluationDim struct {
	metric marketplace.EvaluationMetric
	family *Family
	label  func(string) string
}

var evaluationDims = []evaluationDim{
	{marketplace.EvaluationsByHosting, newGauge("", "evaluations",
		windowedHelp("New evaluations of the app started, by hosting,", "evaluations"),
		labelAddonKey, "hosting", labelWindow), canonicalHosting},
	{marketplace.EvaluationsByRegion, newGauge("", "evaluations_by_region",
		windowedHelp("New evaluations of the app started, by customer region,", "evaluations"),
		labelAddonKey, "customer_region", labelWindow), strings.TrimSpace},
	{marketplace.EvaluationsByCountry, newGauge("", "evaluations_by_country",
		windowedHelp("New evaluations of the app started, by customer country,", "evaluations"),
		labelAddonKey, "customer_country", labelWindow), strings.TrimSpace},
	{marketplace.EvaluationsByPartner, newGauge("", "evaluations_by_partner",
		windowedHelp("New evaluations of the app started, by partner,", "evaluations"),
		labelAddonKey, "partner", labelWindow), strings.TrimSpace},
}

func newEvaluationsCollector(api evaluationsAPI, windows []Window, keep addonFilter) *windowedCollector {
	c := &windowedCollector{windows: windows}
	for _, d := range evaluationDims {
		c.queries = append(c.queries, windowedQuery{
			what:     "evaluations by " + string(d.metric),
			families: []*Family{d.family},
			fetch: func(ctx context.Context, opts *marketplace.AggregateOptions) (weeklyReport, error) {
				agg, _, err := api.Aggregate(ctx, d.metric, opts)
				return aggregateReport{agg, func(agg *marketplace.Aggregate, w Window) []Sample {
					return countSamples(d.family, d.label, agg, w, keep)
				}}, err
			},
		})
	}
	return c
}

// countSamples sums the counts of every bucket of every app's series: one sample per app and
// series name, for one window. The API's "All apps" total is left out.
func countSamples(f *Family, label func(string) string, agg *marketplace.Aggregate, w Window, keep addonFilter) []Sample {
	var set sampleSet
	if agg == nil {
		return nil
	}
	for _, a := range agg.Addons {
		if !keep.keep(a.AddonKey) {
			continue
		}
		for _, s := range a.Series {
			set.add(f, float64(sumCounts(s)), a.AddonKey, label(s.Name), w.String())
		}
	}
	return set.samples()
}

func sumCounts(s marketplace.Series) int64 {
	var n int64
	for _, e := range s.Elements {
		n += e.Count
	}
	return n
}
