package marketplacetest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// benchmarkRow is a monthly benchmark row of one app.
type benchmarkRow interface {
	appMonth() (addonKey string, month time.Time)
}

func (r ChurnBenchmarkMonth) appMonth() (string, time.Time)      { return r.AddonKey, r.Month }
func (r EvaluationBenchmarkMonth) appMonth() (string, time.Time) { return r.AddonKey, r.Month }
func (r SalesBenchmarkMonth) appMonth() (string, time.Time)      { return r.AddonKey, r.Month }

// benchmarkRows returns the indexes of rows (one per app per month, by
// month) that fall in the requested months, are published by today and
// belong to the requested apps.
func benchmarkRows[T benchmarkRow](c *call, rows []T) ([]int, error) {
	from, to, err := c.monthRange()
	if err != nil {
		return nil, err
	}
	addons := c.set("addon")
	var out []int
	for i, r := range rows {
		key, month := r.appMonth()
		m := dayOf(month)
		if m >= from && m <= to && benchmarkPublished(m) <= c.today && in(addons, key) {
			out = append(out, i)
		}
	}
	return out, nil
}

const benchmarkVars = "{?addon*,startDate,endDate}"

// churnBenchmark serves sales/metrics/churn/benchmark. churnBenchmarkPerApp
// is an array, as live responses have it (the v2 spec says object).
func (s *Simulator) churnBenchmark(c *call) error {
	rows := c.ds.ChurnBenchmarks
	hits, err := benchmarkRows(c, rows)
	if err != nil {
		return err
	}
	type month struct {
		Year                       string  `json:"year"`
		Month                      string  `json:"month"`
		TotalLicenses              int64   `json:"totalLicenses"`
		ChurnedLicenses            int64   `json:"churnedLicenses"`
		ChurnRate                  float64 `json:"churnRate"`
		IsolatedChurnRate          float64 `json:"isolatedChurnRate"`
		ChurnRateBenchmark         float64 `json:"churnRateBenchmark"`
		IsolatedChurnRateBenchmark float64 `json:"isolatedChurnRateBenchmark"`
	}
	type perApp struct {
		AppName string  `json:"appName"`
		AppKey  string  `json:"appKey"`
		Months  []month `json:"churnBenchmarkPerMonth"`
	}
	apps := make([]*perApp, len(c.ds.Apps))
	body := struct {
		Links  aggLinks `json:"_links"`
		PerApp []perApp `json:"churnBenchmarkPerApp"`
	}{Links: aggLinks{Self: c.self(), Query: c.template("/sales/metrics/churn/benchmark", benchmarkVars, "")}, PerApp: []perApp{}}
	for _, i := range hits {
		r := &rows[i]
		a := c.ds.appIndex[r.AddonKey]
		if apps[a] == nil {
			apps[a] = &perApp{AppName: c.ds.Apps[a].Name, AppKey: r.AddonKey}
		}
		apps[a].Months = append(apps[a].Months, month{
			Year: fmt.Sprint(r.Month.Year()), Month: fmt.Sprintf("%02d", int(r.Month.Month())),
			TotalLicenses: r.TotalLicenses, ChurnedLicenses: r.ChurnedLicenses, ChurnRate: r.ChurnRate,
			IsolatedChurnRate: r.IsolatedChurnRate, ChurnRateBenchmark: r.ChurnRateBenchmark,
			IsolatedChurnRateBenchmark: r.IsolatedChurnRateBenchmark,
		})
	}
	for _, p := range apps {
		if p != nil {
			body.PerApp = append(body.PerApp, *p)
		}
	}
	writeJSON(c.w, http.StatusOK, body)
	return nil
}

// vendorRow sums the app rows of one month into the vendor's row; the
// vendor's percentiles and benchmarks are drawn like an app's.
func (d *Dataset) vendorEvaluationRow(seed int64, rows []EvaluationBenchmarkMonth) EvaluationBenchmarkMonth {
	v := EvaluationBenchmarkMonth{Month: rows[0].Month}
	for _, r := range rows {
		v.EvaluationCount += r.EvaluationCount
		v.PreviousMonthCount += r.PreviousMonthCount
		v.CountYTD += r.CountYTD
		v.CountYTDLastYear += r.CountYTDLastYear
	}
	r := newRand(seed, purposeMonth, 1<<32, uint64(dayOf(v.Month)))
	v.MoMGrowth = growth(float64(v.EvaluationCount), float64(v.PreviousMonthCount))
	v.YTDYoYGrowth = growth(float64(v.CountYTD), float64(v.CountYTDLastYear))
	v.Percentile, v.YTDPercentile = round2(10+89*r.Float64()), round2(10+89*r.Float64())
	v.MoMGrowthBenchmark, v.YTDYoYGrowthBenchmark = round2(-10+25*r.Float64()), round2(-5+30*r.Float64())
	return v
}

func (d *Dataset) vendorSalesRow(seed int64, rows []SalesBenchmarkMonth) SalesBenchmarkMonth {
	v := SalesBenchmarkMonth{Month: rows[0].Month}
	for _, r := range rows {
		v.saleCents += r.saleCents
		v.prevCents += r.prevCents
		v.ytdCents += r.ytdCents
		v.lastYearCents += r.lastYearCents
	}
	r := newRand(seed, purposeMonth, 1<<33, uint64(dayOf(v.Month)))
	v.Percentile, v.YTDPercentile = round2(10+89*r.Float64()), round2(10+89*r.Float64())
	v.MoMGrowthBenchmark, v.YTDYoYGrowthBenchmark = round2(-10+25*r.Float64()), round2(-5+30*r.Float64())
	return v.withCents()
}

// BenchmarkTotals returns the vendor-level ("All apps") evaluation and sales
// benchmark rows of a month, as served: sums over every app, whatever the
// addon filter.
func (d *Dataset) BenchmarkTotals(month time.Time) (EvaluationBenchmarkMonth, SalesBenchmarkMonth, bool) {
	var evals []EvaluationBenchmarkMonth
	var sales []SalesBenchmarkMonth
	for i := range d.EvaluationBenchmarks {
		if d.EvaluationBenchmarks[i].Month.Equal(month) {
			evals = append(evals, d.EvaluationBenchmarks[i])
			sales = append(sales, d.SalesBenchmarks[i])
		}
	}
	if len(evals) == 0 {
		return EvaluationBenchmarkMonth{}, SalesBenchmarkMonth{}, false
	}
	return d.vendorEvaluationRow(d.seed, evals), d.vendorSalesRow(d.seed, sales), true
}

// evaluationMonthRow renders an evaluation benchmark row. v2 uses the live
// spelling (previousMonthEvaluationCount), v3 the spec's
// (previousMonthEvaluationCounts); the benchmark fields end in AllPartners
// at vendor level and AllAppsOnBaseProduct at app level.
func evaluationMonthRow(r EvaluationBenchmarkMonth, v3, vendor bool) map[string]any {
	prev, suffix := "previousMonthEvaluationCount", "AllAppsOnBaseProduct"
	if v3 {
		prev += "s"
	}
	if vendor {
		suffix = "AllPartners"
	}
	return map[string]any{
		"date":                                     formatDate(r.Month),
		"evaluationCount":                          r.EvaluationCount,
		prev:                                       r.PreviousMonthCount,
		"evaluationMoMGrowth":                      r.MoMGrowth,
		"evaluationPercentile":                     r.Percentile,
		"evaluationMoMGrowthBenchmark" + suffix:    r.MoMGrowthBenchmark,
		"evaluationCountYTD":                       r.CountYTD,
		"evaluationCountYTDLastYear":               r.CountYTDLastYear,
		"evaluationYTDYoYGrowth":                   r.YTDYoYGrowth,
		"evaluationYTDPercentile":                  r.YTDPercentile,
		"evaluationYTDYoYGrowthBenchmark" + suffix: r.YTDYoYGrowthBenchmark,
	}
}

func salesMonthRow(r SalesBenchmarkMonth, vendor bool) map[string]any {
	row := map[string]any{
		"date":               formatDate(r.Month),
		"sale":               r.Sale,
		"previousMonthSale":  r.PreviousMonthSale,
		"salesMoMGrowth":     r.MoMGrowth,
		"salesPercentile":    r.Percentile,
		"salesYTD":           r.SalesYTD,
		"salesYTDLastYear":   r.SalesYTDLastYear,
		"salesYTDYoYGrowth":  r.YTDYoYGrowth,
		"salesYTDPercentile": r.YTDPercentile,
	}
	if vendor {
		row["salesMoMGrowthBenchmarkAllPartners"] = r.MoMGrowthBenchmark
		row["salesYTDYoYGrowthBenchmarkAllPartners"] = r.YTDYoYGrowthBenchmark
		return row
	}
	row["salesMoMGrowthBenchmarkAllAppsOnBaseProduct"] = r.MoMGrowthBenchmark
	row["salesMoMGrowthBenchmarkBaseProduct"] = round2(r.MoMGrowthBenchmark * 0.9)
	row["salesYTDYoYGrowthBenchmarkAllAppsOnBaseProduct"] = r.YTDYoYGrowthBenchmark
	row["salesYTDYoYGrowthBenchmarkBaseProduct"] = round2(r.YTDYoYGrowthBenchmark * 0.9)
	return row
}

// benchmarkKeys are the key names of a monthly benchmark body.
type benchmarkKeys struct {
	total, totalMonths, addons, addonMonths string
}

var (
	// v2 evaluation benchmarks use the spelling live clients read, v3 the
	// spec's capitalised one.
	evaluationKeysV2 = benchmarkKeys{"total", "evaluationBenchmarkPerVendorPerMonth", "addons", "evaluationBenchmarkPerAppPerMonth"}
	evaluationKeysV3 = benchmarkKeys{"totals", "CloudEvaluationBenchmarkPerVendorPerMonth", "CloudEvaluationBenchmarkPerApp", "CloudEvaluationBenchmarkPerAppPerMonth"}
	salesKeys        = benchmarkKeys{"total", "salesBenchmarkPerMonth", "addons", "salesBenchmarkPerMonth"}
)

// monthlyBenchmark serves benchmark/evaluations and benchmark/sales. Both
// are a vendor total plus one entry per app, each with a list of months;
// only the key names and the month rows differ.
func monthlyBenchmark[T benchmarkRow](c *call, suffix string, rows []T, keys benchmarkKeys,
	vendorRow func([]T) map[string]any, appRow func(T) map[string]any) error {
	hits, err := benchmarkRows(c, rows)
	if err != nil {
		return err
	}
	byMonth := map[int64][]T{}
	for _, r := range rows {
		_, m := r.appMonth()
		byMonth[m.Unix()] = append(byMonth[m.Unix()], r)
	}
	totals := []map[string]any{}
	seen := map[int64]bool{}
	perApp := make([][]map[string]any, len(c.ds.Apps))
	for _, i := range hits {
		key, month := rows[i].appMonth()
		if m := month.Unix(); !seen[m] {
			seen[m] = true
			totals = append(totals, vendorRow(byMonth[m]))
		}
		a := c.ds.appIndex[key]
		perApp[a] = append(perApp[a], appRow(rows[i]))
	}
	addons := []map[string]any{}
	for a, months := range perApp {
		if months == nil {
			continue
		}
		app := &c.ds.Apps[a]
		entry := map[string]any{"addonKey": app.Key, "name": app.Name, keys.addonMonths: months}
		if c.v3 {
			entry["productId"] = app.ProductID
		}
		addons = append(addons, entry)
	}
	writeJSON(c.w, http.StatusOK, map[string]any{
		"_links":    aggLinks{Self: c.self(), Query: c.template(suffix, benchmarkVars, "")},
		keys.total:  map[string]any{"name": totalName, keys.totalMonths: totals},
		keys.addons: addons,
	})
	return nil
}

// evaluationBenchmark serves benchmark/evaluations.
func (s *Simulator) evaluationBenchmark(c *call) error {
	keys := evaluationKeysV2
	if c.v3 {
		keys = evaluationKeysV3
	}
	return monthlyBenchmark(c, "/benchmark/evaluations", c.ds.EvaluationBenchmarks, keys,
		func(rows []EvaluationBenchmarkMonth) map[string]any {
			return evaluationMonthRow(c.ds.vendorEvaluationRow(s.opts.Seed, rows), c.v3, true)
		},
		func(r EvaluationBenchmarkMonth) map[string]any { return evaluationMonthRow(r, c.v3, false) })
}

// salesBenchmark serves benchmark/sales, the same on v2 and v3.
func (s *Simulator) salesBenchmark(c *call) error {
	return monthlyBenchmark(c, "/benchmark/sales", c.ds.SalesBenchmarks, salesKeys,
		func(rows []SalesBenchmarkMonth) map[string]any {
			return salesMonthRow(c.ds.vendorSalesRow(s.opts.Seed, rows), true)
		},
		func(r SalesBenchmarkMonth) map[string]any { return salesMonthRow(r, false) })
}

// Customer insights.

// insightsKind describes one customer-insights endpoint.
type insightsKind struct {
	v2Key  string
	groups []string
	// market is the marketplace-wide share of each group, in percent, that
	// usersMarketplaceBenchmark compares against.
	market []float64
	counts func(*InsightsMonth) map[string]int64
	group  func(value string) map[string]*string
}

var insightsTiers = []string{"Evaluation", "1-10", "11-100", "101-1000", "1000+"}

func groupWith(key string) func(string) map[string]*string {
	return func(v string) map[string]*string {
		g := map[string]*string{"edition": nil, "region": nil, "activeUsers": nil, "product": nil, "tier": nil}
		g[key] = &v
		return g
	}
}

var insightsKinds = map[string]insightsKind{
	"regions": {
		v2Key: "regionWiseUserInsightsPerMonth", groups: []string{"apac", "emea", "americas", "unknown"},
		market: []float64{16, 38, 44, 2}, counts: func(m *InsightsMonth) map[string]int64 { return m.Regions },
		group: groupWith("region"),
	},
	"editions": {
		v2Key: "usersEditionDistribution", groups: []string{"premium", "enterprise", "standard", "free"},
		market: []float64{30, 8, 47, 15}, counts: func(m *InsightsMonth) map[string]int64 { return m.Editions },
		group: groupWith("edition"),
	},
	"active-users": {
		v2Key: "activePaidUsersInsights", groups: []string{"paid", "non-paid"},
		market: []float64{70, 30}, counts: func(m *InsightsMonth) map[string]int64 { return m.ActiveUsers },
		group: groupWith("activeUsers"),
	},
}

type usersDistribution struct {
	UsersCount                int64   `json:"usersCount"`
	UsersPercent              float64 `json:"usersPercent"`
	UsersMarketplaceBenchmark float64 `json:"usersMarketplaceBenchmark"`
}

type insightValue struct {
	Value struct {
		Group             map[string]*string `json:"group"`
		UsersDistribution usersDistribution  `json:"usersDistribution"`
	} `json:"value"`
}

type insightsMonthJSON struct {
	Date         string         `json:"date"`
	InsightsType []insightValue `json:"insightsType"`
}

func insightOf(group map[string]*string, count, whole int64, market float64) insightValue {
	var v insightValue
	v.Value.Group = group
	pct := percent(count, whole)
	v.Value.UsersDistribution = usersDistribution{UsersCount: count, UsersPercent: pct, UsersMarketplaceBenchmark: round2(pct / market)}
	return v
}

// insights serves customer-insights/{regions,editions,active-users,tiers}.
func (s *Simulator) insights(kind string) handler {
	return func(c *call) error {
		from, to, err := c.monthRange()
		if err != nil {
			return err
		}
		products := []string{ProductJira, ProductConfluence}
		if kind == "tiers" {
			switch p := strings.ToLower(c.q.Get("product")); p {
			case "":
			case "jira", "confluence":
				products = []string{map[string]string{"jira": ProductJira, "confluence": ProductConfluence}[p]}
			default:
				return badRequest("Must be a jira or confluence")
			}
		}
		months := []insightsMonthJSON{}
		for i := range c.ds.Insights {
			m := &c.ds.Insights[i]
			md := dayOf(m.Month)
			if md < from || md > to || insightsPublished(md) > c.today {
				continue
			}
			row := insightsMonthJSON{Date: md.String(), InsightsType: []insightValue{}}
			if kind == "tiers" {
				for _, p := range products {
					var whole int64
					for _, t := range insightsTiers {
						whole += m.Tiers[p][t]
					}
					for j, t := range insightsTiers {
						g := groupWith("tier")(t)
						g["product"] = &p
						row.InsightsType = append(row.InsightsType, insightOf(g, m.Tiers[p][t], whole, []float64{10, 25, 35, 22, 8}[j]))
					}
				}
			} else {
				k := insightsKinds[kind]
				counts := k.counts(m)
				var whole int64
				for _, g := range k.groups {
					whole += counts[g]
				}
				for j, g := range k.groups {
					row.InsightsType = append(row.InsightsType, insightOf(k.group(g), counts[g], whole, k.market[j]))
				}
			}
			months = append(months, row)
		}
		key := "usersDistributionPerMonth"
		if !c.v3 {
			key = insightsKinds[kind].v2Key
			if kind == "tiers" {
				key = "usersDistributionPerProduct"
			}
		}
		vars := "{?startDate,endDate}"
		if kind == "tiers" {
			vars = "{?startDate,endDate,product}"
		}
		writeJSON(c.w, http.StatusOK, map[string]any{
			"_links": aggLinks{Self: c.self(), Query: c.template("/customer-insights/"+kind, vars, "")},
			key:      months,
		})
		return nil
	}
}
