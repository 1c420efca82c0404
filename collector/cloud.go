package collector

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

func init() {
	registerCollector("cloud", "Cloud churn, conversion and renewal numerators and denominators", true, time.Hour,
		func(d deps) source { return newCloudCollector(d.client.CloudMetrics, d.windows, d.addons) })
}

// cloudAPI is the part of the client the cloud collector uses.
type cloudAPI interface {
	Get(ctx context.Context, metric marketplace.CloudMetric, opts *marketplace.AggregateOptions) (*marketplace.CalculatedMetric, *marketplace.Response, error)
}

const labelBillingPeriod = "billing_period"

// The families come in numerator/denominator pairs rather than as rates: a rate over a window
// cannot be summed across apps or billing periods, the parts can, and PromQL divides.
var (
	cloudChurnCustomers = newGauge("cloud", "churn_customers",
		windowedHelp("Cloud customers who could churn (the churn report's distinct count of Customers, the churn rate's denominator), by billing period,", "cloud"),
		labelAddonKey, labelBillingPeriod, labelWindow)
	cloudChurnCancellations = newGauge("cloud", "churn_cancellations",
		windowedHelp("Cloud cancellations (the churn report's distinct count of Cancellations, the churn rate's numerator), by billing period,", "cloud"),
		labelAddonKey, labelBillingPeriod, labelWindow)
	cloudConversionEvaluations = newGauge("cloud", "conversion_evaluations",
		windowedHelp("Cloud evaluations that could convert (the conversion report's Evaluations, the conversion rate's denominator)", "cloud"),
		labelAddonKey, labelWindow)
	cloudConversions = newGauge("cloud", "conversions",
		windowedHelp("Cloud evaluations that converted to paid (the conversion report's Conversions)", "cloud"),
		labelAddonKey, labelWindow)
	cloudRenewalOpportunities = newGauge("cloud", "renewal_opportunities",
		windowedHelp("Cloud subscriptions that were due to renew (the renewal report's Renewal opportunities), by billing period,", "cloud"),
		labelAddonKey, labelBillingPeriod, labelWindow)
	cloudRenewals = newGauge("cloud", "renewals",
		windowedHelp("Cloud subscriptions that renewed (the renewal report's Renewals), by billing period,", "cloud"),
		labelAddonKey, labelBillingPeriod, labelWindow)
)

// cloudSeries says which family a series of a Cloud report feeds, and how: churn's
// uniqueTotal is a distinct count over the whole range, the others are summed buckets.
type cloudSeries struct {
	family *Family
	unique bool
}

// cloudReports maps each report's series names (compared lower-case: they are display text
// and have changed case between API versions) to families. Other series are ignored.
var cloudReports = []struct {
	metric marketplace.CloudMetric
	series map[string]cloudSeries
}{
	{marketplace.CloudChurn, map[string]cloudSeries{
		"customers":     {cloudChurnCustomers, true},
		"cancellations": {cloudChurnCancellations, true},
	}},
	{marketplace.CloudConversion, map[string]cloudSeries{
		"evaluations": {cloudConversionEvaluations, false},
		"conversions": {cloudConversions, false},
	}},
	{marketplace.CloudRenewal, map[string]cloudSeries{
		"renewal opportunities": {cloudRenewalOpportunities, false},
		"renewals":              {cloudRenewals, false},
	}},
}

// newCloudCollector asks for each window separately, like the other windowed collectors.
// Churn's uniqueTotal cannot be cut into windows after the fact, so its query is distinct: a
// backfill asks for it per step instead of cutting one long answer.
func newCloudCollector(api cloudAPI, windows []Window, keep addonFilter) *windowedCollector {
	c := &windowedCollector{windows: windows}
	for _, r := range cloudReports {
		var fs []*Family
		distinct := false
		for _, s := range r.series {
			fs = append(fs, s.family)
			distinct = distinct || s.unique
		}
		// Map order would make the family order, and so Describe, vary between runs.
		slices.SortFunc(fs, func(a, b *Family) int { return strings.Compare(a.Name, b.Name) })
		c.queries = append(c.queries, windowedQuery{
			what:     "cloud " + string(r.metric),
			families: fs,
			distinct: distinct,
			fetch: func(ctx context.Context, opts *marketplace.AggregateOptions) (weeklyReport, error) {
				res, _, err := api.Get(ctx, r.metric, opts)
				return calculatedReport{res, func(res *marketplace.CalculatedMetric, w Window) []Sample {
					return cloudSamples(r.series, res, w, keep)
				}}, err
			},
		})
	}
	return c
}

// cloudSamples turns one Cloud report for one window into samples. Datasets are billing
// periods (Monthly, Annual); conversion has a single unnamed one and no billing_period label.
// A churn series without uniqueTotal gets no sample: its bucket counts count a customer once
// per week, which is not the number the churn rate divides by.
func cloudSamples(series map[string]cloudSeries, res *marketplace.CalculatedMetric, w Window, keep addonFilter) []Sample {
	var set sampleSet
	if res == nil {
		return nil
	}
	for _, a := range res.Addons {
		if !keep.keep(a.AddonKey) {
			continue
		}
		for _, ds := range a.Datasets {
			for _, s := range ds.Series {
				cs, ok := series[strings.ToLower(strings.TrimSpace(s.Name))]
				if !ok {
					continue
				}
				var v float64
				if cs.unique {
					if s.UniqueTotal == nil {
						continue
					}
					v = float64(*s.UniqueTotal)
				} else {
					v = float64(sumCounts(s))
				}
				labels := []string{a.AddonKey}
				if len(cs.family.Labels) == 3 {
					labels = append(labels, lower(ds.Name))
				}
				set.add(cs.family, v, append(labels, w.String())...)
			}
		}
	}
	return set.samples()
}
