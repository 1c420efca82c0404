package collector

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

func init() {
	registerCollector("mrr", "monthly recurring revenue movements and ARR from partner metrics, latest month", true, 3*time.Hour,
		func(d deps) source {
			return &mrrCollector{api: d.client.PartnerMetrics, addons: d.addons}
		})
}

// partnerMetricsAPI is the part of the client the mrr collector uses.
type partnerMetricsAPI interface {
	Query(ctx context.Context, req *marketplace.PartnerMetricsRequest) ([]marketplace.PartnerMetricsRecord, *marketplace.Response, error)
}

// mrrLookback is how many months the collector asks for: the current month can be empty for a
// day or two after it starts, and then the previous one is the latest with data.
const mrrLookback = 3

const mrrNote = " Monthly: the value is for the latest month with data, see atlassian_marketplace_mrr_month_timestamp_seconds; the current month is month-to-date. "

var (
	mrrFamily = newGauge("", "mrr_usd",
		"Monthly recurring revenue of the app in US dollars by movement: opening and closing MRR of the month, and the new, expansion, contraction, reactivated and expired MRR that moved it (contraction and expired are negative as the API reports them)."+mrrNote+cachedNote("mrr"),
		labelAddonKey, "movement")
	arrFamily = newGauge("", "arr_usd",
		"Annual recurring revenue of the app in US dollars (closing MRR times 12, as the API reports it)."+mrrNote+cachedNote("mrr"),
		labelAddonKey)
	mrrMonth = newGauge("mrr", "month_timestamp_seconds",
		"Start of the month (UTC) that the app's atlassian_marketplace_mrr_usd and atlassian_marketplace_arr_usd values are for. "+cachedNote("mrr"),
		labelAddonKey)
)

type mrrCollector struct {
	api    partnerMetricsAPI
	addons addonFilter
}

func (c *mrrCollector) families() []*Family { return []*Family{mrrFamily, arrFamily, mrrMonth} }

func (c *mrrCollector) samples(ctx context.Context, at time.Time) ([]Sample, error) {
	end := lastCompleteDay(at)
	first := marketplace.DateOf(time.Date(end.Year, end.Month-(mrrLookback-1), 1, 0, 0, 0, 0, time.UTC))
	recs, _, err := c.api.Query(ctx, mrrRequest(first, end))
	if err != nil {
		return nil, fmt.Errorf("partner metrics RECURRING_REVENUE: %w", err)
	}
	return mrrSamples(recs, c.addons), nil
}

// mrrRequest asks for the monthly recurring revenue of every app, month by month, from the
// month of first to the day last.
func mrrRequest(first, last marketplace.Date) *marketplace.PartnerMetricsRequest {
	return &marketplace.PartnerMetricsRequest{
		MetricSets:  []string{"RECURRING_REVENUE"},
		StartDate:   first,
		EndDate:     last,
		Granularity: marketplace.GranularityMonth,
		Attributes:  []string{"APP_KEY", "APP_NAME"},
	}
}

// mrrSamples reports each app's latest month. Records split by subscription (monthly and
// annual) are left out in favour of the total: the collector does not ask for that split, and
// adding it to the total would count the revenue twice.
func mrrSamples(recs []marketplace.PartnerMetricsRecord, keep addonFilter) []Sample {
	latestByApp := map[string]int{}
	var order []string
	for i, r := range recs {
		if !keep.keep(r.AppKey) {
			continue
		}
		if sub := strings.ToUpper(strings.TrimSpace(r.Subscription)); sub != "" && sub != "TOTAL" {
			continue
		}
		if r.ClosingMRR == nil && r.OpeningMRR == nil && r.ARR == nil {
			continue
		}
		j, ok := latestByApp[r.AppKey]
		if !ok {
			order = append(order, r.AppKey)
		}
		if !ok || r.Date.After(recs[j].Date) {
			latestByApp[r.AppKey] = i
		}
	}
	var set sampleSet
	for _, key := range order {
		r := recs[latestByApp[key]]
		set.add(mrrMonth, monthSeconds(r.Date), key)
		for _, mv := range []struct {
			name string
			v    *float64
		}{
			{"opening", r.OpeningMRR}, {"new", r.NewMRR}, {"expansion", r.ExpansionMRR},
			{"contraction", r.ContractionMRR}, {"reactivated", r.ReactivatedMRR},
			{"expired", r.ExpiredMRR}, {"closing", r.ClosingMRR},
		} {
			addOptional(&set, mrrFamily, mv.v, 1, key, mv.name)
		}
		addOptional(&set, arrFamily, r.ARR, 1, key)
	}
	return set.samples()
}
