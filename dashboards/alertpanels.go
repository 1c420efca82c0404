package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// alertPanel draws a per-app series next to the threshold its alert compares it with (dashed).
// Both use the fixed windows the alert uses, whatever $window is.
func alertPanel(title, description, unit, value, valueLegend, threshold string) *timeseries.PanelBuilder {
	return dashedSeries(tsPanel(title, description+" Fixed windows, whatever $window is.", unit,
		q(named(value), valueLegend),
		q(named(threshold), valueLegend+" alert threshold")),
		"/alert threshold$/")
}

// dropPanel draws the last 7 days of a family against the threshold of its drop alert: a
// fraction of the weekly average of the three weeks before.
func dropPanel(what, alert, unit, metric, minimum string) *timeseries.PanelBuilder {
	return alertPanel(what+" in the last 7 days and the alert threshold",
		fmt.Sprintf("%s per app over the 7d window, and the threshold of the alert %s (dashed): %g times the weekly average of the three weeks before, (28d - 7d) / 3. The alert needs that average to be at least %s.",
			what, alert, dropFactor, minimum),
		unit,
		windowSum(metric, "7d", appMatcher), "{{name}}",
		fmt.Sprintf("%g * %s", dropFactor, weeklyAvgPrior3w(metric, appMatcher)))
}
