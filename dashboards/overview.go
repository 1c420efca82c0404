package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// overview is the vendor's front page: the numbers of the selected window at the top, their
// trends below.
func overview() *dashboard.DashboardBuilder {
	const (
		revenue = "atlassian_marketplace_sales_revenue_usd"
		sales   = "atlassian_marketplace_sales_transactions"
		evals   = "atlassian_marketplace_evaluations"
	)
	aw := []string{appMatcher, windowMatcher}
	return newBoard("overview", "Overview",
		"Revenue, sales, evaluations, conversion, churn against the Marketplace benchmark, licenses, installs and recurring revenue of the selected apps.").
		WithRow(row("In the last $window")).
		WithPanel(windowTotal("Revenue", "Sales revenue in the window, all hosting types (USD).", unitUSD, revenue)).
		WithPanel(windowTotal("Sales", "Sales transactions in the window (new, renewal, upgrade and refund).", unitCount, sales)).
		WithPanel(evaluationsStat()).
		WithPanel(conversionStat()).
		WithPanel(statPanel("Cloud churn", "Cancelled Cloud customers divided by Cloud customers in the window, monthly and annual together.", unitRatio,
			q(sumBy("", sel("atlassian_marketplace_cloud_churn_cancellations", aw...))+" / "+
				sumBy("", sel("atlassian_marketplace_cloud_churn_customers", aw...)), "churn"))).
		WithPanel(statPanel("Churn against the benchmark",
			"The highest churn relative to the Marketplace benchmark among the selected apps, in the latest benchmark month: 1 is average for apps on the same product. Red from 1.2, where the alert fires.",
			unitTimes,
			q("max("+sel(churnBenchmark, appMatcher, `kind="total"`)+")", "total churn")).
			Thresholds(thresholds("green", churnBenchmarkSteps()...))).
		WithRow(row("Now")).
		// Seven panels in 24 columns: licenses and money get 4, the others 3.
		WithPanel(statPanel("Active licenses", "Licenses with status active, all hosting types and license types.", unitCount,
			q(sumBy("", sel("atlassian_marketplace_licenses", appMatcher, `status="active"`)), "active"))).
		WithPanel(statPanel("Installs", "Active installations reported by the Marketplace.", unitCount,
			q(sumBy("", sel("atlassian_marketplace_app_installs", appMatcher)), "installs")).
			Span(3)).
		WithPanel(statPanel("Users", "Users of the apps' active installations, as reported by the Marketplace.", unitCount,
			q(sumBy("", sel("atlassian_marketplace_app_users", appMatcher)), "users")).
			Span(3)).
		WithPanel(mrrStat()).
		WithPanel(statPanel("ARR", "Annual recurring revenue of the latest month (closing MRR x 12, USD)."+mrrMonthNote, unitUSD,
			q(sumBy("", sel("atlassian_marketplace_arr_usd", appMatcher)), "ARR"))).
		WithPanel(mrrMonthStat().Span(3)).
		WithPanel(statPanel("Rating", "Average review stars per app.", "none",
			q(named(sel("atlassian_marketplace_app_rating_stars", appMatcher)), "{{name}}")).
			Decimals(2).
			Thresholds(thresholds("red", step{3, "yellow"}, step{4, "green"})).
			Span(3)).
		WithRow(row("Trends")).
		WithPanel(tsPanel("Revenue in the last $window", "How the window's sales revenue moves, per app (USD).", unitUSD,
			q(named(sumBy("addon_key", sel(revenue, aw...))), "{{name}}"))).
		WithPanel(tsPanel("Evaluations in the last $window", "How the window's evaluations move, per app.", unitCount,
			q(named(sumBy("addon_key", sel(evals, aw...))), "{{name}}"))).
		WithPanel(conversionPanel()).
		WithPanel(churnAgainstBenchmarkPanel()).
		WithPanel(tsPanel("Active licenses by hosting", "Licenses with status active.", unitCount,
			q(sumBy("hosting", sel("atlassian_marketplace_licenses", appMatcher, `status="active"`)), "{{hosting}}"))).
		WithPanel(tsPanel("Installs", "Active installations, per app.", unitCount,
			q(named(sumBy("addon_key", sel("atlassian_marketplace_app_installs", appMatcher))), "{{name}}"))).
		WithPanel(mrrArrPanel().Span(24))
}
