package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// evalFamily gives the evaluations family of a breakdown: evaluations by hosting are the
// unprefixed family, the others are evaluations_by_<dim>.
func evalFamily(dim string) string {
	if dim == "hosting" {
		return "atlassian_marketplace_evaluations"
	}
	return "atlassian_marketplace_evaluations_by_" + dim
}

// Cloud conversion: conversions and the evaluations they convert.
const (
	conversions           = "atlassian_marketplace_cloud_conversions"
	conversionEvaluations = "atlassian_marketplace_cloud_conversion_evaluations"
)

// conversionRatio is Cloud conversions / Cloud evaluations in the window, by the given labels.
func conversionRatio(by string) string {
	aw := []string{appMatcher, windowMatcher}
	return sumBy(by, sel(conversions, aw...)) + " / " + sumBy(by, sel(conversionEvaluations, aw...))
}

// evaluationsStat is the number of evaluations in the window.
func evaluationsStat() *stat.PanelBuilder {
	return windowTotal("Evaluations", "Evaluations started in the window, all hosting types.", unitCount, evalFamily("hosting"))
}

// conversionStat is the Cloud conversion ratio in the window.
func conversionStat() *stat.PanelBuilder {
	return statPanel("Cloud conversion", "Cloud conversions divided by Cloud evaluations in the window.", unitRatio,
		q(conversionRatio(""), "conversion"))
}

// conversionPanel is the trend of the Cloud conversion ratio per app.
func conversionPanel() *timeseries.PanelBuilder {
	return tsPanel("Cloud conversion in the last $window", "Cloud conversions divided by Cloud evaluations in the window, per app.", unitRatio,
		q(named(conversionRatio("addon_key")), "{{name}}"))
}

// evaluations breaks evaluations down by hosting, region, country and partner, with the Cloud
// conversion and the evaluation-drop alert's threshold.
func evaluations() *dashboard.DashboardBuilder {
	evals := evalFamily("hosting")
	aw := []string{appMatcher, windowMatcher}

	b := newBoard("evaluations", "Evaluations",
		"Evaluations by hosting, region, country and partner, and how Cloud evaluations convert.").
		WithRow(row("In the last $window")).
		WithPanel(evaluationsStat()).
		WithPanel(windowTotal("Cloud evaluations", "Cloud evaluations in the window, as the conversion report counts them.", unitCount, conversionEvaluations)).
		WithPanel(windowTotal("Cloud conversions", "Cloud evaluations that converted to a paid subscription in the window.", unitCount, conversions)).
		WithPanel(conversionStat()).
		WithPanel(statPanel("Last 7 days against the 3 weeks before",
			"Evaluations in the last 7 days divided by the weekly average of the three weeks before, (28d - 7d) / 3, for the selected apps together. The alert MarketplaceEvaluationsDropped fires per app below 50%.",
			unitRatio,
			q(sumBy("", windowSum(evals, "7d", appMatcher))+" / "+sumBy("", weeklyAvgPrior3w(evals, appMatcher)), "last 7 days")).
			Thresholds(thresholds("red", step{dropFactor, "yellow"}, step{1, "green"}))).
		WithPanel(statPanel("Evaluations per app", "Evaluations started in the window, per app.", unitCount,
			q(named(sumBy("addon_key", sel(evals, aw...))), "{{name}}")))

	for _, dim := range []breakdown{
		{title: "hosting", dim: "hosting", label: "hosting"},
		{title: "region", dim: "region", label: "customer_region"},
		{title: "country", dim: "country", label: "customer_country", top: true},
		{title: "partner", dim: "partner", label: "partner", top: true},
	} {
		b = b.WithRow(row("By " + dim.title)).
			WithPanel(dim.trend("Evaluations", unitCount, evalFamily(dim.dim))).
			WithPanel(dim.bars("Evaluations", unitCount, evalFamily(dim.dim)))
	}

	return b.WithRow(row("Conversion and drops")).
		WithPanel(conversionPanel()).
		WithPanel(tsPanel("Cloud evaluations and conversions", "Cloud evaluations and the conversions among them in the window, per app.", unitCount,
			q(named(sumBy("addon_key", sel(conversionEvaluations, aw...))), "{{name}} evaluations"),
			q(named(sumBy("addon_key", sel(conversions, aw...))), "{{name}} conversions"))).
		WithPanel(dropPanel("Evaluations", "MarketplaceEvaluationsDropped", unitCount, evals, "10").Span(24))
}
