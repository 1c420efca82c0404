package dashboards

import "strings"

// Matchers that scope a business panel to the dashboard's variables.
const (
	appMatcher    = `addon_key=~"$addon"`
	windowMatcher = `window="$window"`
)

// sel renders the vector selector metric{matchers...}, leaving out empty matchers.
func sel(metric string, matchers ...string) string {
	var kept []string
	for _, m := range matchers {
		if m != "" {
			kept = append(kept, m)
		}
	}
	return metric + "{" + strings.Join(kept, ", ") + "}"
}

// sumBy renders sum by (labels) (expr); with no labels, sum(expr).
func sumBy(labels, expr string) string {
	if labels == "" {
		return "sum(" + expr + ")"
	}
	return "sum by (" + labels + ") (" + expr + ")"
}

// named adds the app's display name (label "name" of atlassian_marketplace_app_info) to every
// series of expr, which must keep addon_key, so that legends can say {{name}}. topk keeps one
// info series per app, so a renamed app does not break the join while the old series goes stale.
func named(expr string) string {
	return "(" + expr + ") * on (addon_key) group_left (name) topk by (addon_key) (1, atlassian_marketplace_app_info)"
}

// orZero makes a panel show 0 instead of "No data" when expr legitimately has no series (no
// refunds, no retries, no failures yet).
func orZero(expr string) string {
	return expr + " or vector(0)"
}

// The alert thresholds the dashboards draw. The same numbers are in
// ../alerts/marketplace.rules.yml; rules_test.go fails when the two disagree.
const (
	churnBenchmarkAlert   = 1.2        // MarketplaceChurnAboveBenchmark: churn relative to the benchmark
	benchmarkMaxAgeDays   = 124        // MarketplaceChurnAboveBenchmark: benchmark months older are ignored
	dropFactor            = 0.5        // Marketplace{Evaluations,Revenue}Dropped: below half the prior weekly average
	staleIntervals        = 3          // MarketplaceDataStale: refresh intervals without a good refresh
	feedbackSpikeMinimum  = "5"        // MarketplaceFeedbackSpike
	refundSpikeMinimum    = "3"        // MarketplaceRefundsSpike
	spikeFactorOf28dWeeks = " / 4 * 2" // twice the 28-day weekly average
)

// feedbackSpikeThreshold is the expression of the recording rule
// addon_key_feedback_type:atlassian_marketplace_feedback:spike_threshold, with extra matchers.
func feedbackSpikeThreshold(matchers ...string) string {
	m := append([]string{`feedback_type=~"uninstall|disable"`, `window="28d"`}, matchers...)
	return "clamp_min(sum without (window) (" + sel("atlassian_marketplace_feedback", m...) + ")" +
		spikeFactorOf28dWeeks + ", " + feedbackSpikeMinimum + ")"
}

// refundSpikeThreshold is the expression of the recording rule
// addon_key:atlassian_marketplace_sales_by_sale_type_transactions:refund_spike_threshold, with
// extra matchers. An app without refunds gets the minimum instead of no series.
func refundSpikeThreshold(matchers ...string) string {
	return "clamp_min((" + refundCount("28d", matchers...) + ")" + spikeFactorOf28dWeeks + ", " + refundSpikeMinimum + ")"
}

// refundCount is the number of refund transactions per app over a window, 0 for an app with
// sales but no refund series.
func refundCount(window string, matchers ...string) string {
	const metric = "atlassian_marketplace_sales_by_sale_type_transactions"
	w := `window="` + window + `"`
	return "sum without (sale_type, window) (" + sel(metric, append([]string{`sale_type="refund"`, w}, matchers...)...) + ")" +
		" or 0 * sum without (sale_type, window) (" + sel(metric, append([]string{w}, matchers...)...) + ")"
}

// weeklyAvgPrior3w is the expression of the recording rules
// addon_key:<metric>:weekly_avg_prior_3w: the weekly average of the three weeks before the last
// seven days, (28d - 7d) / 3, summed over hosting.
func weeklyAvgPrior3w(metric string, matchers ...string) string {
	return "(" + windowSum(metric, "28d", matchers...) + " - " + windowSum(metric, "7d", matchers...) + ") / 3"
}

// windowSum sums metric over hosting for one window, keeping addon_key.
func windowSum(metric, window string, matchers ...string) string {
	return "sum without (hosting, window) (" + sel(metric, append([]string{`window="` + window + `"`}, matchers...)...) + ")"
}
