package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// rate is the per-second rate of a counter over Grafana's $__rate_interval.
func rate(selector string) string {
	return "rate(" + selector + "[$__rate_interval])"
}

// exporterHealth shows whether the exporter's collectors refresh, how old their data is, and
// how the Marketplace API answers.
func exporterHealth() *dashboard.DashboardBuilder {
	const (
		requests = "atlassian_marketplace_api_requests_total"
		buckets  = "atlassian_marketplace_api_request_duration_seconds_bucket"
		lastGood = "atlassian_marketplace_last_refresh_success_timestamp_seconds"
	)
	age := "time() - " + lastGood
	quantile := func(phi, by string) string {
		return fmt.Sprintf("histogram_quantile(%s, %s)", phi, sumBy(by, rate(buckets)))
	}

	return newBoard("exporter", "Exporter health",
		"Whether the exporter's collectors refresh, how old their data is, and how the Marketplace API answers. The app and window variables only scope the exported-series panel.").
		Time("now-6h", "now").
		Refresh("1m").
		WithRow(row("Refreshes")).
		WithPanel(okFailingPanel("Refresh success", "Whether each collector's last refresh succeeded. A failed collector serves its last good data.",
			q("atlassian_marketplace_refresh_success", "{{collector}}"))).
		WithPanel(tsPanel("Age of the last good refresh", "Time since each collector's last successful refresh.", unitSeconds,
			q(age, "{{collector}}"))).
		WithPanel(withThresholdLines(tsPanel("Age in refresh intervals",
			fmt.Sprintf("The age of each collector's data divided by its refresh interval. The alert MarketplaceDataStale fires above %d (dashed).", staleIntervals),
			"none",
			q("("+age+") / atlassian_marketplace_refresh_interval_seconds", "{{collector}}")),
			"green", step{staleIntervals, "red"})).
		WithPanel(tsPanel("Refresh duration", "How long each collector's last refresh took.", unitSeconds,
			q("atlassian_marketplace_refresh_duration_seconds", "{{collector}}"))).
		WithPanel(tsPanel("Refresh failures", "Failed refreshes by collector and reason; 0 while there are none.", unitCount,
			q(orZero(sumBy("collector, reason", "increase(atlassian_marketplace_refresh_failures_total[$__rate_interval])")), "{{collector}}: {{reason}}")).
			DrawStyle(common.GraphDrawStyleBars).
			Span(24)).
		WithRow(row("Marketplace API")).
		WithPanel(tsPanel("Requests by code", "Requests to the Marketplace API per second, by HTTP status code.", unitReqps,
			q(sumBy("code", rate(requests)), "{{code}}"))).
		WithPanel(tsPanel("Requests by endpoint", "Requests to the Marketplace API per second, by endpoint.", unitReqps,
			q(sumBy("endpoint", rate(requests)), "{{endpoint}}"))).
		WithPanel(tsPanel("Rejected and rate-limited requests", "401 and 403 (credentials) and 429 (rate limited) answers per second; 0 while there are none.", unitReqps,
			q(orZero(sumBy("code", rate(sel(requests, `code=~"401|403|429"`)))), "{{code}}"))).
		WithPanel(tsPanel("Retries", "Retried requests per second, by endpoint; 0 while there are none.", unitReqps,
			q(orZero(sumBy("endpoint", rate("atlassian_marketplace_api_retries_total"))), "{{endpoint}}"))).
		WithPanel(tsPanel("Request latency", "Quantiles of the Marketplace API's response time, all endpoints.", unitSeconds,
			q(quantile("0.5", "le"), "p50"),
			q(quantile("0.9", "le"), "p90"),
			q(quantile("0.99", "le"), "p99"))).
		WithPanel(tsPanel("Request latency by endpoint", "The 90th percentile of the response time, by endpoint.", unitSeconds,
			q(quantile("0.9", "endpoint, le"), "{{endpoint}}"))).
		WithRow(row("Exporter")).
		WithPanel(statPanel("Version", "The running exporter's version and revision.", "none",
			q("atlassian_marketplace_exporter_build_info", "{{version}} ({{revision}})")).
			TextMode(common.BigValueTextModeName).
			GraphMode(common.BigValueGraphModeNone).
			Span(6)).
		WithPanel(barsPanel("Series exported for the selected apps in the last $window",
			"How many series each windowed family has for the selected apps and window: a quick check that the exporter exports what the dashboards read.",
			unitCount,
			at(`sort_desc(count by (__name__) ({__name__=~"atlassian_marketplace_.+", `+appMatcher+`, `+windowMatcher+`}))`, "{{__name__}}")).
			Span(18))
}
