package collector

import (
	"context"
	"strings"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

func init() {
	registerCollector("sales", "sales transactions, net transactions and revenue by hosting, tier, region, country, sale type and partner", true, time.Hour,
		func(d deps) source { return newSalesCollector(d.client.Sales, d.windows, d.addons) })
}

// salesAPI is the part of the client the sales collector uses.
type salesAPI interface {
	Aggregate(ctx context.Context, metric marketplace.SalesMetric, opts *marketplace.AggregateOptions) (*marketplace.Aggregate, *marketplace.Response, error)
}

// salesFamilies are the three values the sales report has per bucket.
type salesFamilies struct {
	transactions, net, revenue *Family
}

type salesDim struct {
	metric   marketplace.SalesMetric
	families salesFamilies
	label    func(string) string
}

func newSalesDim(metric marketplace.SalesMetric, name, by, label string, value func(string) string) salesDim {
	prefix := "sales"
	if name != "" {
		prefix = "sales_by_" + name
	}
	return salesDim{
		metric: metric,
		families: salesFamilies{
			transactions: newGauge("", prefix+"_transactions",
				windowedHelp("Sales transactions of the app (the sales report's count), by "+by+",", "sales"),
				labelAddonKey, label, labelWindow),
			net: newGauge("", prefix+"_net_transactions",
				windowedHelp("Net sales transactions of the app (the sales report's netCount, where refunds count against sales), by "+by+",", "sales"),
				labelAddonKey, label, labelWindow),
			revenue: newGauge("", prefix+"_revenue_usd",
				windowedHelp("Sales revenue of the app in US dollars (the sales report's revenue), by "+by+",", "sales"),
				labelAddonKey, label, labelWindow),
		},
		label: value,
	}
}

var salesDims = []salesDim{
	newSalesDim(marketplace.SalesByHosting, "", "hosting", "hosting", canonicalHosting),
	newSalesDim(marketplace.SalesByTier, "tier", "tier", "tier", strings.TrimSpace),
	newSalesDim(marketplace.SalesByRegion, "region", "customer region", "customer_region", strings.TrimSpace),
	newSalesDim(marketplace.SalesByCountry, "country", "customer country", "customer_country", strings.TrimSpace),
	newSalesDim(marketplace.SalesByType, "sale_type", "sale type", "sale_type", lower),
	newSalesDim(marketplace.SalesByPartner, "partner", "partner", "partner", strings.TrimSpace),
}

func newSalesCollector(api salesAPI, windows []Window, keep addonFilter) *windowedCollector {
	c := &windowedCollector{windows: windows}
	for _, d := range salesDims {
		c.queries = append(c.queries, windowedQuery{
			what:     "sales by " + string(d.metric),
			families: []*Family{d.families.transactions, d.families.net, d.families.revenue},
			fetch: func(ctx context.Context, opts *marketplace.AggregateOptions) (weeklyReport, error) {
				agg, _, err := api.Aggregate(ctx, d.metric, opts)
				return aggregateReport{agg, func(agg *marketplace.Aggregate, w Window) []Sample {
					return salesSamples(d.families, d.label, agg, w, keep)
				}}, err
			},
		})
	}
	return c
}

// salesSamples sums count, netCount and revenue over every bucket of every app's series, for
// one window. netCount and revenue are optional on the wire: a series that never carries one
// of them gets no sample for it rather than a made-up zero, unless it has no buckets at all,
// where zero is the truth.
func salesSamples(f salesFamilies, label func(string) string, agg *marketplace.Aggregate, w Window, keep addonFilter) []Sample {
	var set sampleSet
	if agg == nil {
		return nil
	}
	for _, a := range agg.Addons {
		if !keep.keep(a.AddonKey) {
			continue
		}
		for _, s := range a.Series {
			var (
				count, net     int64
				revenue        float64
				hasNet, hasRev = len(s.Elements) == 0, len(s.Elements) == 0
				lv             = label(s.Name)
			)
			for _, e := range s.Elements {
				count += e.Count
				if e.NetCount != nil {
					net += *e.NetCount
					hasNet = true
				}
				if e.Revenue != nil {
					revenue += *e.Revenue
					hasRev = true
				}
			}
			set.add(f.transactions, float64(count), a.AddonKey, lv, w.String())
			if hasNet {
				set.add(f.net, float64(net), a.AddonKey, lv, w.String())
			}
			if hasRev {
				set.add(f.revenue, revenue, a.AddonKey, lv, w.String())
			}
		}
	}
	return set.samples()
}
