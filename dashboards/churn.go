package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

const (
	churnBenchmark     = "atlassian_marketplace_cloud_churn_benchmark_rate"
	benchmarkMonth     = "atlassian_marketplace_benchmark_month_timestamp_seconds"
	benchmarkLagNotice = " The benchmarks lag the calendar by 2-3 months."
)

// churnBenchmarkSteps color churn relative to the benchmark: average is 1, the alert fires
// above churnBenchmarkAlert.
func churnBenchmarkSteps() []step {
	return []step{{1, "yellow"}, {churnBenchmarkAlert, "red"}}
}

// churnAgainstBenchmarkPanel is the trend of each app's churn relative to the Marketplace
// benchmark, with the alert threshold drawn.
func churnAgainstBenchmarkPanel() *timeseries.PanelBuilder {
	return withThresholdLines(
		tsPanel("Cloud churn against the Marketplace benchmark",
			fmt.Sprintf("Each app's churn in the latest benchmark month relative to apps on the same product: 1 is average, above 1 churns more. The alert MarketplaceChurnAboveBenchmark fires above %g (dashed).%s", churnBenchmarkAlert, benchmarkLagNotice),
			unitTimes,
			q(named(sel(churnBenchmark, appMatcher)), "{{name}} ({{kind}})")),
		"green", churnBenchmarkSteps()...)
}

// benchmarkPanels shows an app's evaluation or sales benchmark: its month-over-month growth
// against the growth of all apps on its base product, its percentile, and its own count or
// amount in the benchmark month. family is the benchmark's name prefix, value the family of
// the app's own count or amount.
func benchmarkPanels(b *dashboard.DashboardBuilder, what, family, value, unit string) *dashboard.DashboardBuilder {
	growth := family + "_growth_ratio"
	return b.
		WithPanel(dashedSeries(tsPanel(what+" growth against the Marketplace",
			what+" growth month over month in the benchmark month, per app, against the growth of all apps on the same base product (dashed)."+benchmarkLagNotice,
			unitRatio,
			q(named(sel(growth, appMatcher)), "{{name}}"),
			q(named(sel(family+"_marketplace_growth_ratio", appMatcher)), "{{name}} Marketplace")),
			"/Marketplace$/")).
		WithPanel(statPanel(what+" percentile", "Where each app ranks among apps on the same product in the benchmark month (100 is the top).", "none",
			q(named(sel(family+"_percentile", appMatcher)), "{{name}}")).
			Min(0).Max(100).
			Thresholds(thresholds("red", step{25, "yellow"}, step{50, "green"})).
			Span(6)).
		WithPanel(statPanel(what+" in the benchmark month", what+" of each app in the benchmark month.", unit,
			q(named(sel(value, appMatcher)), "{{name}}")).
			Span(6))
}

// churnBenchmarks compares the apps' churn, renewal and conversion with the Marketplace
// benchmarks, and says which month the benchmarks are for.
func churnBenchmarks() *dashboard.DashboardBuilder {
	aw := []string{appMatcher, windowMatcher}
	byPeriod := func(numerator, denominator string) string {
		return sumBy("billing_period", sel(numerator, aw...)) + " / " + sumBy("billing_period", sel(denominator, aw...))
	}
	perApp := func(title, description, unit, metric, legend string) *stat.PanelBuilder {
		return statPanel(title, description, unit, q(named(sel(metric, appMatcher)), legend))
	}

	b := newBoard("churn-benchmarks", "Churn and benchmarks",
		"The apps' Cloud churn, renewal and conversion against the Marketplace benchmarks, and the month the benchmarks are for.").
		WithRow(row("Latest benchmark month")).
		WithPanel(statPanel("Benchmark month", "The month each benchmark is for: the latest with data."+benchmarkLagNotice, "time:YYYY-MM",
			q("max by (benchmark) ("+sel(benchmarkMonth, appMatcher)+") * 1000", "{{benchmark}}"))).
		WithPanel(statPanel("Benchmark age",
			fmt.Sprintf("Time since the start of each benchmark's month. The churn alert ignores a benchmark month older than %d days (red).", benchmarkMaxAgeDays),
			"dtdurations",
			q("time() - max by (benchmark) ("+sel(benchmarkMonth, appMatcher)+")", "{{benchmark}}")).
			Thresholds(thresholds("green", step{benchmarkMaxAgeDays * 86400, "red"}))).
		WithPanel(perApp("Churn against the benchmark",
			fmt.Sprintf("Churn relative to apps on the same product in the benchmark month: 1 is average. Red above %g, where the alert fires.", churnBenchmarkAlert),
			unitTimes, churnBenchmark, "{{name}} ({{kind}})").
			Thresholds(thresholds("green", churnBenchmarkSteps()...))).
		WithPanel(perApp("Churn rate", "The app's Cloud churn rate in the benchmark month (percent, as the Marketplace reports it). Isolated churn counts customers who removed the app but kept the product.",
			unitPercent, "atlassian_marketplace_cloud_churn_rate", "{{name}} ({{kind}})")).
		WithPanel(perApp("Licenses", "Cloud licenses active at the end of the benchmark month.",
			unitCount, "atlassian_marketplace_cloud_churn_benchmark_licenses", "{{name}}")).
		WithPanel(perApp("Churned licenses", "Licenses active in the benchmark month but not in the next.",
			unitCount, "atlassian_marketplace_cloud_churn_benchmark_churned_licenses", "{{name}}")).
		WithRow(row("Churn against the benchmark")).
		WithPanel(churnAgainstBenchmarkPanel()).
		WithPanel(tsPanel("Churn rate in the benchmark month", "The app's Cloud churn rate in the latest benchmark month, per app and kind (percent)."+benchmarkLagNotice, unitPercent,
			q(named(sel("atlassian_marketplace_cloud_churn_rate", appMatcher)), "{{name}} ({{kind}})"))).
		WithRow(row("Churn, renewal and conversion in the last $window")).
		WithPanel(tsPanel("Cloud churn by billing period", "Cancelled Cloud customers divided by Cloud customers in the window, for the selected apps.", unitRatio,
			q(byPeriod("atlassian_marketplace_cloud_churn_cancellations", "atlassian_marketplace_cloud_churn_customers"), "{{billing_period}}")).
			Span(8)).
		WithPanel(tsPanel("Cloud renewal by billing period", "Cloud renewals divided by renewal opportunities in the window, for the selected apps.", unitRatio,
			q(byPeriod("atlassian_marketplace_cloud_renewals", "atlassian_marketplace_cloud_renewal_opportunities"), "{{billing_period}}")).
			Span(8)).
		WithPanel(conversionPanel().Span(8)).
		WithRow(row("Evaluation benchmark"))
	const benchmark = "atlassian_marketplace_benchmark_"
	b = benchmarkPanels(b, "Evaluations", benchmark+"evaluations", benchmark+"evaluations", unitCount).
		WithRow(row("Sales benchmark"))
	return benchmarkPanels(b, "Sales", benchmark+"sales", benchmark+"sales_usd", unitUSD)
}
