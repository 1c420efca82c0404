package dashboards

import "strings"

// contract is the exporter's metric set (the exporter issue's tables, plus the names the lead
// decided for the evaluation and sales benchmarks, refresh_interval_seconds and
// refresh_failures_total): every family and its labels. Queries and rules may use nothing else,
// so a misspelt metric or label fails a test here instead of showing "No data".
var contract = map[string][]string{}

// Label sets.
var (
	appWindow = []string{"addon_key", "window"}
	app       = []string{"addon_key"}
)

func init() {
	add := func(labels []string, names ...string) {
		for _, n := range names {
			contract["atlassian_marketplace_"+n] = labels
		}
	}
	with := func(base []string, more ...string) []string {
		return append(append([]string{}, base...), more...)
	}

	add(with(appWindow, "hosting"), "evaluations")
	add(with(appWindow, "customer_region"), "evaluations_by_region")
	add(with(appWindow, "customer_country"), "evaluations_by_country")
	add(with(appWindow, "partner"), "evaluations_by_partner")
	measures := []string{"transactions", "net_transactions", "revenue_usd"}
	for _, m := range measures {
		add(with(appWindow, "hosting"), "sales_"+m)
	}
	for dim, label := range map[string]string{
		"tier": "tier", "region": "customer_region", "country": "customer_country",
		"sale_type": "sale_type", "partner": "partner",
	} {
		for _, m := range measures {
			add(with(appWindow, label), "sales_by_"+dim+"_"+m)
		}
	}
	add(with(appWindow, "feedback_type"), "feedback")
	add(with(appWindow, "reason"), "feedback_by_reason")
	add(with(appWindow, "billing_period"), "cloud_churn_customers", "cloud_churn_cancellations",
		"cloud_renewal_opportunities", "cloud_renewals")
	add(appWindow, "cloud_conversion_evaluations", "cloud_conversions")
	add(with(app, "kind"), "cloud_churn_rate", "cloud_churn_benchmark_rate")
	add(app, "cloud_churn_benchmark_licenses", "cloud_churn_benchmark_churned_licenses")
	add(with(app, "benchmark"), "benchmark_month_timestamp_seconds")
	for _, b := range []string{"evaluations", "sales"} {
		add(app, "benchmark_"+b+"_growth_ratio", "benchmark_"+b+"_marketplace_growth_ratio", "benchmark_"+b+"_percentile")
	}
	add(app, "benchmark_evaluations", "benchmark_sales_usd")
	add(with(app, "hosting", "license_type", "status"), "licenses")
	add(with(app, "name"), "app_info")
	add(app, "app_downloads", "app_installs", "app_users", "app_reviews", "app_rating_stars")
	add(with(app, "movement"), "mrr_usd")
	add(app, "arr_usd", "mrr_month_timestamp_seconds")

	collector := []string{"collector"}
	add(collector, "refresh_success", "refresh_duration_seconds", "last_refresh_success_timestamp_seconds",
		"refresh_interval_seconds")
	add(with(collector, "reason"), "refresh_failures_total")
	add([]string{"endpoint", "code"}, "api_requests_total")
	add([]string{"endpoint", "le"}, "api_request_duration_seconds_bucket")
	add([]string{"endpoint"}, "api_request_duration_seconds_sum", "api_request_duration_seconds_count",
		"api_retries_total")
	add([]string{"version", "revision", "goversion", "branch", "tags"}, "exporter_build_info")

	// Prometheus's own series.
	contract["up"] = nil
	contract["ALERTS"] = []string{"alertname", "alertstate", "severity", "addon_key", "collector", "kind", "feedback_type", "window"}
}

// targetLabels are attached by Prometheus to every scraped series.
var targetLabels = []string{"job", "instance"}

// labelOf tells whether a family of the contract has a label.
func labelOf(metric, label string) bool {
	for _, l := range append(contract[metric], targetLabels...) {
		if l == label {
			return true
		}
	}
	return false
}

// windowed tells whether a family is a trailing-window sum; summing one over all its windows
// would add 7 days to 28, so every selector of one must pick its window.
func windowed(metric string) bool { return labelOf(metric, "window") && metric != "ALERTS" }

// perApp tells whether a family is reported per app, so that the dashboards must scope it to
// $addon. atlassian_marketplace_app_info is not: it only lends app names to series that are.
func perApp(metric string) bool {
	return labelOf(metric, "addon_key") && strings.HasPrefix(metric, "atlassian_marketplace_") &&
		metric != "atlassian_marketplace_app_info"
}
