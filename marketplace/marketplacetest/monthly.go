package marketplacetest

import (
	"math"
	"strings"
	"time"
)

// Benchmarks lag: month M is published on the 10th of month M+2, so on any
// day the latest published month is two or three months back.
const benchmarkPublishDay = 9 // days after the first of month M+2

// benchmarkPublished returns the day month m's benchmarks appear.
func benchmarkPublished(m day) day { return m.addMonths(2) + benchmarkPublishDay }

// insightsPublished returns the day month m's customer insights appear: the
// day after the month ends.
func insightsPublished(m day) day { return m.addMonths(1) }

// LatestBenchmarkMonth returns the first day of the latest month whose
// benchmarks are published on day at, or false if none is.
func (d *Dataset) LatestBenchmarkMonth(at time.Time) (time.Time, bool) {
	return latestMonth(d.first, dayOf(at), benchmarkPublished)
}

// LatestInsightsMonth returns the first day of the latest month whose
// customer insights are published on day at, or false if none is.
func (d *Dataset) LatestInsightsMonth(at time.Time) (time.Time, bool) {
	return latestMonth(d.first, dayOf(at), insightsPublished)
}

func latestMonth(first, at day, published func(day) day) (time.Time, bool) {
	m := at.monthStart()
	for published(m) > at {
		m = m.addMonths(-1)
	}
	if m < first.monthStart() {
		return time.Time{}, false
	}
	return m.time(), true
}

// monthly computes the benchmark and insights rows. A license counts in a
// month when it is active on the month's last day.
func (d *Dataset) monthly(seed int64) {
	base := d.first.monthStart()
	var months []day // month starts whose last day is generated
	for m := base; m.monthEnd() <= d.last; m = m.addMonths(1) {
		months = append(months, m)
	}
	n, apps := len(months), len(d.Apps)
	ends := make([]day, n)
	for k, m := range months {
		ends[k] = m.monthEnd()
	}
	grid := func() [][]int64 {
		g := make([][]int64, apps)
		for a := range g {
			g[a] = make([]int64, n)
		}
		return g
	}
	active, churned, evals, sales := grid(), grid(), grid(), grid()
	insights := make([]InsightsMonth, n)
	for i, m := range months {
		insights[i] = InsightsMonth{
			Month: m.time(), Regions: map[string]int64{}, Editions: map[string]int64{}, ActiveUsers: map[string]int64{},
			Tiers: map[string]map[string]int64{ProductJira: {}, ProductConfluence: {}},
		}
	}
	monthOf := func(t time.Time) int { return monthNumber(dayOf(t)) - monthNumber(base) }

	for i := range d.Licenses {
		l := &d.Licenses[i]
		if l.Hosting != HostingCloud {
			continue
		}
		a := d.appIndex[l.AddonKey]
		lastActive := dayOf(l.End)
		if !l.Cancelled.IsZero() {
			lastActive = min(lastActive, dayOf(l.Cancelled)-1)
		}
		paid := l.LicenseType == TypeCommercial || l.LicenseType == TypeAcademic
		region, edition := strings.ToLower(l.Customer.Region), strings.ToLower(l.ParentProductEdition)
		product := d.Apps[a].ParentProduct
		for k := monthOf(l.Start); k < n && ends[k] <= lastActive; k++ {
			end := ends[k]
			if paid {
				active[a][k]++
				if k+1 < n && ends[k+1] > lastActive {
					churned[a][k]++
				}
			}
			users := int64(l.TierAt(end.time()).Users)
			ins := &insights[k]
			ins.Regions[region] += users
			ins.Editions[edition] += users
			if paid {
				ins.ActiveUsers["paid"] += users
			} else {
				ins.ActiveUsers["non-paid"] += users
			}
			ins.Tiers[product][insightsTier(l.LicenseType, users)] += users
		}
	}
	for _, e := range d.Evaluations {
		if k := monthOf(e.Date); e.Hosting == HostingCloud && k < n {
			evals[d.appIndex[e.AddonKey]][k]++
		}
	}
	for _, t := range d.Transactions {
		if k := monthOf(t.SaleDate); t.Hosting == HostingCloud && k < n {
			sales[d.appIndex[t.AddonKey]][k] += t.vendorCents
		}
	}

	for k, m := range months {
		if m.monthEnd() < d.last {
			d.Insights = append(d.Insights, insights[k])
		}
		if benchmarkPublished(m) > d.last {
			continue
		}
		for a, app := range d.Apps {
			r := newRand(seed, purposeMonth, uint64(a), uint64(m))
			ytd := func(g [][]int64, yearsBack int) int64 {
				var s int64
				for j := k - 12*yearsBack; j >= 0 && j > k-12*yearsBack-int(m.time().Month()); j-- {
					s += g[a][j]
				}
				return s
			}
			prev := func(g [][]int64) int64 {
				if k == 0 {
					return 0
				}
				return g[a][k-1]
			}
			rate := percent(churned[a][k], active[a][k])
			d.ChurnBenchmarks = append(d.ChurnBenchmarks, ChurnBenchmarkMonth{
				AddonKey: app.Key, Month: m.time(), TotalLicenses: active[a][k], ChurnedLicenses: churned[a][k],
				ChurnRate: rate, IsolatedChurnRate: round2(rate * (0.6 + 0.3*r.Float64())),
				ChurnRateBenchmark: round2(0.6 + 0.8*r.Float64()), IsolatedChurnRateBenchmark: round2(0.5 + 0.8*r.Float64()),
			})
			ec, ep, ey, eyl := evals[a][k], prev(evals), ytd(evals, 0), ytd(evals, 1)
			d.EvaluationBenchmarks = append(d.EvaluationBenchmarks, EvaluationBenchmarkMonth{
				AddonKey: app.Key, Month: m.time(), EvaluationCount: ec, PreviousMonthCount: ep,
				MoMGrowth: growth(float64(ec), float64(ep)), Percentile: round2(10 + 89*r.Float64()),
				MoMGrowthBenchmark: round2(-10 + 25*r.Float64()), CountYTD: ey, CountYTDLastYear: eyl,
				YTDYoYGrowth: growth(float64(ey), float64(eyl)), YTDPercentile: round2(10 + 89*r.Float64()),
				YTDYoYGrowthBenchmark: round2(-5 + 30*r.Float64()),
			})
			row := SalesBenchmarkMonth{
				AddonKey: app.Key, Month: m.time(), Percentile: round2(10 + 89*r.Float64()),
				MoMGrowthBenchmark: round2(-10 + 25*r.Float64()), YTDPercentile: round2(10 + 89*r.Float64()),
				YTDYoYGrowthBenchmark: round2(-5 + 30*r.Float64()),
				saleCents:             sales[a][k], prevCents: prev(sales), ytdCents: ytd(sales, 0), lastYearCents: ytd(sales, 1),
			}
			d.SalesBenchmarks = append(d.SalesBenchmarks, row.withCents())
		}
	}
}

// withCents fills in the money fields from the cents.
func (r SalesBenchmarkMonth) withCents() SalesBenchmarkMonth {
	r.Sale, r.PreviousMonthSale = cents(r.saleCents), cents(r.prevCents)
	r.SalesYTD, r.SalesYTDLastYear = cents(r.ytdCents), cents(r.lastYearCents)
	r.MoMGrowth, r.YTDYoYGrowth = growth(r.Sale, r.PreviousMonthSale), growth(r.SalesYTD, r.SalesYTDLastYear)
	return r
}

// insightsTier is the tier bucket customer insights group users by.
func insightsTier(licenseType string, users int64) string {
	if licenseType == TypeEvaluation {
		return "Evaluation"
	}
	switch u := users; {
	case u <= 10:
		return "1-10"
	case u <= 100:
		return "11-100"
	case u <= 1000:
		return "101-1000"
	default:
		return "1000+"
	}
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func cents(c int64) float64 { return float64(c) / 100 }

// percent returns part/whole in percent, 0 for an empty whole.
func percent(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return round2(100 * float64(part) / float64(whole))
}

// growth returns the change from prev to cur in percent, 0 without a base.
func growth(cur, prev float64) float64 {
	if prev == 0 {
		return 0
	}
	return round2(100 * (cur - prev) / prev)
}
