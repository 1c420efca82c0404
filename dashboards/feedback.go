package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
)

// feedback shows uninstall, disable and unsubscribe feedback by type and reason, and draws the
// threshold of the feedback spike alert.
func feedback() *dashboard.DashboardBuilder {
	const (
		byType   = "atlassian_marketplace_feedback"
		byReason = "atlassian_marketplace_feedback_by_reason"
	)
	aw := []string{appMatcher, windowMatcher}
	// watched sums the feedback types the spike alert watches over a window, keeping the type.
	watched := func(window string) string {
		return "sum without (window) (" + sel(byType, `feedback_type=~"uninstall|disable"`, `window="`+window+`"`, appMatcher) + ")"
	}
	count := func(title, feedbackType string) *stat.PanelBuilder {
		return windowCount(title, "Feedback entries of type "+feedbackType+" in the window.", unitCount, byType, `feedback_type="`+feedbackType+`"`).Span(6)
	}

	return newBoard("feedback", "Feedback",
		"Uninstall, disable and unsubscribe feedback by type and reason, with the threshold of the feedback spike alert.").
		WithRow(row("In the last $window")).
		WithPanel(count("Uninstalls", "uninstall")).
		WithPanel(count("Disables", "disable")).
		WithPanel(count("Unsubscribes", "unsubscribe")).
		WithPanel(statPanel("Feedback per app", "All feedback entries in the window, per app.", unitCount,
			q(named(sumBy("addon_key", sel(byType, aw...))), "{{name}}")).Span(6)).
		WithRow(row("By type and reason")).
		WithPanel(tsPanel("Feedback by type", "Feedback entries in the window by type, for the selected apps.", unitCount,
			q(sumBy("feedback_type", sel(byType, aw...)), "{{feedback_type}}"))).
		WithPanel(barsPanel("Feedback by app and type", "Feedback entries in the window, per app and type.", unitCount,
			at("sort_desc("+named(sumBy("addon_key, feedback_type", sel(byType, aw...)))+")", "{{name}}: {{feedback_type}}"))).
		WithPanel(tsPanel("Feedback by reason", "Feedback entries in the window by the reason the customer chose, for the selected apps.", unitCount,
			q(sumBy("reason", sel(byReason, aw...)), "{{reason}}"))).
		WithPanel(barsPanel("Reasons", "Feedback entries in the window by reason, most frequent first.", unitCount,
			at("sort_desc("+sumBy("reason", sel(byReason, aw...))+")", "{{reason}}"))).
		WithRow(row("Spikes")).
		WithPanel(alertPanel("Uninstall and disable feedback in the last 7 days and the alert threshold",
			"Uninstall and disable feedback per app over the 7d window (0 for a type with feedback in the 28 days but none in the last 7), and the threshold of the alert MarketplaceFeedbackSpike (dashed): twice the 28-day weekly average, at least "+feedbackSpikeMinimum+".",
			unitCount,
			watched("7d")+" or 0 * "+watched("28d"),
			"{{name}} {{feedback_type}}",
			feedbackSpikeThreshold(appMatcher)).Span(24))
}
