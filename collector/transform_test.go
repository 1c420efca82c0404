package collector

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// render writes samples one per line as name{label="value",...} value, sorted, so that a test
// reads like exposition text.
func render(ss []Sample) string {
	lines := make([]string, 0, len(ss))
	for _, s := range ss {
		pairs := make([]string, len(s.LabelValues))
		for i, v := range s.LabelValues {
			pairs[i] = fmt.Sprintf("%s=%q", s.Family.Labels[i], v)
		}
		lines = append(lines, fmt.Sprintf("%s{%s} %g", s.Family.Name, strings.Join(pairs, ","), s.Value))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func checkSamples(t *testing.T, got []Sample, want ...string) {
	t.Helper()
	slices.Sort(want)
	if g, w := render(got), strings.Join(want, "\n"); g != w {
		t.Errorf("samples:\n%s\nwant:\n%s", g, w)
	}
}

func i64(v int64) *int64                       { return &v }
func f64(v float64) *float64                   { return &v }
func d(m time.Month, day int) marketplace.Date { return marketplace.NewDate(2026, m, day) }

func elements(counts ...int64) []marketplace.Element {
	var es []marketplace.Element
	for i, c := range counts {
		es = append(es, marketplace.Element{Date: d(3, 1+7*i), Count: c})
	}
	return es
}

func TestCountSamplesSumsBucketsAndMergesSpellings(t *testing.T) {
	agg := &marketplace.Aggregate{
		Total: marketplace.AggregateGroup{Name: "All apps", Series: []marketplace.Series{{Name: "Cloud", Elements: elements(100)}}},
		Addons: []marketplace.AggregateGroup{
			{AddonKey: "a", Series: []marketplace.Series{
				{Name: "Cloud", Elements: elements(1, 2, 3)},
				{Name: "Data Center", Elements: elements(4)},
				{Name: "Data center", Elements: elements(5)},
				{Name: "Server", Elements: nil},
			}},
			{AddonKey: "b", Series: []marketplace.Series{{Name: "Cloud", Elements: elements(9)}}},
		},
	}
	f := evaluationDims[0].family
	checkSamples(t, countSamples(f, canonicalHosting, agg, Window{7}, nil),
		`atlassian_marketplace_evaluations{addon_key="a",hosting="Cloud",window="7d"} 6`,
		`atlassian_marketplace_evaluations{addon_key="a",hosting="Data Center",window="7d"} 9`,
		`atlassian_marketplace_evaluations{addon_key="a",hosting="Server",window="7d"} 0`,
		`atlassian_marketplace_evaluations{addon_key="b",hosting="Cloud",window="7d"} 9`,
	)
	checkSamples(t, countSamples(f, canonicalHosting, agg, Window{28}, newAddonFilter([]string{"b"})),
		`atlassian_marketplace_evaluations{addon_key="b",hosting="Cloud",window="28d"} 9`,
	)
}

func TestSalesSamplesLeavesOutWhatTheAPIDidNotSend(t *testing.T) {
	agg := &marketplace.Aggregate{Addons: []marketplace.AggregateGroup{{AddonKey: "a", Series: []marketplace.Series{
		{Name: "New", Elements: []marketplace.Element{
			{Count: 3, NetCount: i64(3), Revenue: f64(100.5)},
			{Count: 1, NetCount: i64(0), Revenue: f64(-20)},
		}},
		{Name: "Renewal", Elements: []marketplace.Element{{Count: 2}}},
		{Name: "Refund"},
	}}}}
	dim := salesDims[4] // sale type
	checkSamples(t, salesSamples(dim.families, dim.label, agg, Window{7}, nil),
		`atlassian_marketplace_sales_by_sale_type_net_transactions{addon_key="a",sale_type="new",window="7d"} 3`,
		`atlassian_marketplace_sales_by_sale_type_net_transactions{addon_key="a",sale_type="refund",window="7d"} 0`,
		`atlassian_marketplace_sales_by_sale_type_revenue_usd{addon_key="a",sale_type="new",window="7d"} 80.5`,
		`atlassian_marketplace_sales_by_sale_type_revenue_usd{addon_key="a",sale_type="refund",window="7d"} 0`,
		`atlassian_marketplace_sales_by_sale_type_transactions{addon_key="a",sale_type="new",window="7d"} 4`,
		`atlassian_marketplace_sales_by_sale_type_transactions{addon_key="a",sale_type="refund",window="7d"} 0`,
		`atlassian_marketplace_sales_by_sale_type_transactions{addon_key="a",sale_type="renewal",window="7d"} 2`,
	)
}

func TestCloudSamples(t *testing.T) {
	churn := &marketplace.CalculatedMetric{Addons: []marketplace.CalculatedGroup{{AddonKey: "a", Datasets: []marketplace.Dataset{
		{Name: "Monthly", Series: []marketplace.Series{
			{Name: "Customers", UniqueTotal: i64(40), Elements: elements(30, 35)},
			{Name: "Cancellations", UniqueTotal: i64(2), Elements: elements(1, 1)},
		}},
		{Name: "Annual", Series: []marketplace.Series{
			{Name: "Customers", Elements: elements(10)}, // no uniqueTotal: no sample
			{Name: "Something new", UniqueTotal: i64(1)},
		}},
	}}}}
	checkSamples(t, cloudSamples(cloudReports[0].series, churn, Window{28}, nil),
		`atlassian_marketplace_cloud_churn_cancellations{addon_key="a",billing_period="monthly",window="28d"} 2`,
		`atlassian_marketplace_cloud_churn_customers{addon_key="a",billing_period="monthly",window="28d"} 40`,
	)
	conversion := &marketplace.CalculatedMetric{Addons: []marketplace.CalculatedGroup{{AddonKey: "a", Datasets: []marketplace.Dataset{
		{Series: []marketplace.Series{
			{Name: "Evaluations", Elements: elements(5, 6)},
			{Name: "Conversions", Elements: elements(1, 2)},
		}},
	}}}}
	checkSamples(t, cloudSamples(cloudReports[1].series, conversion, Window{7}, nil),
		`atlassian_marketplace_cloud_conversion_evaluations{addon_key="a",window="7d"} 11`,
		`atlassian_marketplace_cloud_conversions{addon_key="a",window="7d"} 3`,
	)
	renewal := &marketplace.CalculatedMetric{Addons: []marketplace.CalculatedGroup{{AddonKey: "a", Datasets: []marketplace.Dataset{
		{Name: "Annual", Series: []marketplace.Series{
			{Name: "Renewal opportunities", Elements: elements(4)},
			{Name: "renewals", Elements: elements(3)},
		}},
	}}}}
	checkSamples(t, cloudSamples(cloudReports[2].series, renewal, Window{7}, nil),
		`atlassian_marketplace_cloud_renewal_opportunities{addon_key="a",billing_period="annual",window="7d"} 4`,
		`atlassian_marketplace_cloud_renewals{addon_key="a",billing_period="annual",window="7d"} 3`,
	)
}

func TestBenchmarkSamplesTakeTheLatestMonthWithData(t *testing.T) {
	churn := []marketplace.ChurnBenchmark{{AppKey: "a", Months: []marketplace.ChurnBenchmarkMonth{
		{Month: d(1, 1), ChurnRate: f64(3), TotalLicenses: i64(100)},
		{Month: d(3, 1)}, // published but empty
		{Month: d(2, 1), ChurnRate: f64(2.5), IsolatedChurnRate: f64(1.5), ChurnRateBenchmark: f64(1.1), TotalLicenses: i64(120), ChurnedLicenses: i64(3)},
	}}, {AppKey: "empty", Months: []marketplace.ChurnBenchmarkMonth{{Month: d(2, 1)}}}}
	feb := d(2, 1).Time().Unix()
	checkSamples(t, churnBenchmarkSamples(churn, nil),
		fmt.Sprintf(`atlassian_marketplace_benchmark_month_timestamp_seconds{addon_key="a",benchmark="churn"} %g`, float64(feb)),
		`atlassian_marketplace_cloud_churn_benchmark_churned_licenses{addon_key="a"} 3`,
		`atlassian_marketplace_cloud_churn_benchmark_licenses{addon_key="a"} 120`,
		`atlassian_marketplace_cloud_churn_benchmark_rate{addon_key="a",kind="total"} 1.1`,
		`atlassian_marketplace_cloud_churn_rate{addon_key="a",kind="isolated"} 1.5`,
		`atlassian_marketplace_cloud_churn_rate{addon_key="a",kind="total"} 2.5`,
	)

	evals := &marketplace.EvaluationBenchmark{
		Vendor: []marketplace.EvaluationBenchmarkMonth{{Date: d(2, 1), EvaluationCount: f64(999)}},
		Addons: []marketplace.EvaluationBenchmarkApp{{AddonKey: "a", Months: []marketplace.EvaluationBenchmarkMonth{
			{Date: d(2, 1), EvaluationCount: f64(50), MoMGrowth: f64(25), MoMGrowthBenchmark: f64(-10), Percentile: f64(80)},
			{Date: d(1, 1), EvaluationCount: f64(40)},
		}}},
	}
	checkSamples(t, evaluationBenchmarkSamples(evals, nil),
		fmt.Sprintf(`atlassian_marketplace_benchmark_month_timestamp_seconds{addon_key="a",benchmark="evaluations"} %g`, float64(feb)),
		`atlassian_marketplace_benchmark_evaluations{addon_key="a"} 50`,
		`atlassian_marketplace_benchmark_evaluations_growth_ratio{addon_key="a"} 0.25`,
		`atlassian_marketplace_benchmark_evaluations_marketplace_growth_ratio{addon_key="a"} -0.1`,
		`atlassian_marketplace_benchmark_evaluations_percentile{addon_key="a"} 80`,
	)

	sales := &marketplace.SalesBenchmark{Addons: []marketplace.SalesBenchmarkApp{{AddonKey: "a", Months: []marketplace.SalesBenchmarkMonth{
		{Date: d(1, 1), Sale: f64(1000.5), MoMGrowth: f64(5), MoMGrowthBenchmarkBaseProduct: f64(7), Percentile: f64(60)},
	}}}}
	jan := d(1, 1).Time().Unix()
	checkSamples(t, salesBenchmarkSamples(sales, newAddonFilter([]string{"a"})),
		fmt.Sprintf(`atlassian_marketplace_benchmark_month_timestamp_seconds{addon_key="a",benchmark="sales"} %g`, float64(jan)),
		`atlassian_marketplace_benchmark_sales_growth_ratio{addon_key="a"} 0.05`,
		`atlassian_marketplace_benchmark_sales_percentile{addon_key="a"} 60`,
		`atlassian_marketplace_benchmark_sales_usd{addon_key="a"} 1000.5`,
	)
}

func TestMRRSamplesLatestMonthTotalsOnly(t *testing.T) {
	recs := []marketplace.PartnerMetricsRecord{
		{Date: d(2, 1), AppKey: "a", OpeningMRR: f64(90), ClosingMRR: f64(100), ARR: f64(1200)},
		{Date: d(3, 1), AppKey: "a", OpeningMRR: f64(100), NewMRR: f64(20), ExpansionMRR: f64(5), ContractionMRR: f64(-3), ReactivatedMRR: f64(1), ExpiredMRR: f64(-8), ClosingMRR: f64(115), ARR: f64(1380)},
		{Date: d(3, 1), AppKey: "a", Subscription: "MONTHLY", ClosingMRR: f64(50)},
		{Date: d(4, 1), AppKey: "a"}, // the new month, nothing in it yet
		{Date: d(3, 1), AppKey: "other", ClosingMRR: f64(1)},
	}
	mar := d(3, 1).Time().Unix()
	checkSamples(t, mrrSamples(recs, newAddonFilter([]string{"a"})),
		`atlassian_marketplace_arr_usd{addon_key="a"} 1380`,
		fmt.Sprintf(`atlassian_marketplace_mrr_month_timestamp_seconds{addon_key="a"} %g`, float64(mar)),
		`atlassian_marketplace_mrr_usd{addon_key="a",movement="closing"} 115`,
		`atlassian_marketplace_mrr_usd{addon_key="a",movement="contraction"} -3`,
		`atlassian_marketplace_mrr_usd{addon_key="a",movement="expansion"} 5`,
		`atlassian_marketplace_mrr_usd{addon_key="a",movement="expired"} -8`,
		`atlassian_marketplace_mrr_usd{addon_key="a",movement="new"} 20`,
		`atlassian_marketplace_mrr_usd{addon_key="a",movement="opening"} 100`,
		`atlassian_marketplace_mrr_usd{addon_key="a",movement="reactivated"} 1`,
	)
}

func TestAppSamples(t *testing.T) {
	apps := []marketplace.App{
		{Key: "a", Name: "Alpha", Distribution: &marketplace.Distribution{Downloads: 10, TotalInstalls: i64(7)}, Reviews: &marketplace.ReviewSummary{Count: 2, AverageStars: 3.5}},
		{Key: "b", Name: "Beta", Reviews: &marketplace.ReviewSummary{}},
		{Key: "a", Name: "Alpha", Distribution: &marketplace.Distribution{Downloads: 10}},
	}
	dists := map[string]*marketplace.Distribution{"b": {Downloads: 3, TotalInstalls: i64(2), TotalUsers: i64(40)}}
	checkSamples(t, appSamples(apps, dists, nil),
		`atlassian_marketplace_app_downloads{addon_key="a"} 10`,
		`atlassian_marketplace_app_downloads{addon_key="b"} 3`,
		`atlassian_marketplace_app_info{addon_key="a",name="Alpha"} 1`,
		`atlassian_marketplace_app_info{addon_key="b",name="Beta"} 1`,
		`atlassian_marketplace_app_installs{addon_key="a"} 7`,
		`atlassian_marketplace_app_installs{addon_key="b"} 2`,
		`atlassian_marketplace_app_rating_stars{addon_key="a"} 3.5`,
		`atlassian_marketplace_app_reviews{addon_key="a"} 2`,
		`atlassian_marketplace_app_reviews{addon_key="b"} 0`,
		`atlassian_marketplace_app_users{addon_key="b"} 40`,
	)
}

func TestLicenseCounter(t *testing.T) {
	var n licenseCounter
	keep := newAddonFilter([]string{"a"})
	for _, l := range []marketplace.License{
		{AddonKey: "a", Hosting: "Cloud", LicenseType: "COMMERCIAL", Status: "active", LicenseID: "SEN-1"},
		{AddonKey: "a", Hosting: "Cloud", LicenseType: "COMMERCIAL", Status: "active", LicenseID: "SEN-2"},
		{AddonKey: "a", Hosting: "Data center", LicenseType: "EVALUATION", Status: "inactive"},
		{AddonKey: "a", Hosting: "Data Center", LicenseType: "EVALUATION", Status: "inactive"},
		{AddonKey: "b", Hosting: "Cloud", LicenseType: "COMMERCIAL", Status: "active"},
	} {
		n.add(l, keep)
	}
	checkSamples(t, n.samples(),
		`atlassian_marketplace_licenses{addon_key="a",hosting="Cloud",license_type="commercial",status="active"} 2`,
		`atlassian_marketplace_licenses{addon_key="a",hosting="Data Center",license_type="evaluation",status="inactive"} 2`,
	)
	if n.rows != 5 {
		t.Errorf("rows = %d, want 5", n.rows)
	}
}
