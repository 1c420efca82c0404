package dashboards

import (
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/statetimeline"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// datasource is the dashboards' Prometheus, chosen with the "datasource" variable.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// Units, by Grafana's unit ids.
const (
	unitUSD     = "currencyUSD"
	unitCount   = "short"
	unitRatio   = "percentunit" // 0-1 shown as a percent
	unitPercent = "percent"     // already a percent
	unitTimes   = "suffix:×"    // a ratio shown as a multiple, 1.0 = average
	unitSeconds = "s"
	unitReqps   = "reqps"
)

// query is one panel target: a PromQL expression, its legend, and whether it is evaluated at
// the dashboard's end time only (bar gauges) or over the time range (trends).
type query struct {
	expr, legend string
	instant      bool
}

// q is a range query.
func q(expr, legend string) query { return query{expr: expr, legend: legend} }

// at is an instant query.
func at(expr, legend string) query { return query{expr: expr, legend: legend, instant: true} }

// targets turns queries into Prometheus targets with refIds A, B, ...
func targets(queries []query) []cog.Builder[variants.Dataquery] {
	out := make([]cog.Builder[variants.Dataquery], 0, len(queries))
	for i, qq := range queries {
		t := prometheus.NewDataqueryBuilder().
			Datasource(datasource).
			RefId(string(rune('A' + i))).
			Expr(qq.expr).
			LegendFormat(qq.legend)
		if qq.instant {
			t.Instant()
		} else {
			t.Range()
		}
		out = append(out, t)
	}
	return out
}

// thresholds builds absolute thresholds: a base color, then value/color pairs in ascending order.
func thresholds(base string, steps ...step) *dashboard.ThresholdsConfigBuilder {
	all := []dashboard.Threshold{{Color: base}}
	for _, s := range steps {
		all = append(all, dashboard.Threshold{Value: cog.ToPtr(s.value), Color: s.color})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(all)
}

type step struct {
	value float64
	color string
}

// neutral colors a value that is neither good nor bad.
var neutral = thresholds("text")

// panelBuilder is what the SDK's panel builders of every type have in common.
type panelBuilder[T any] interface {
	Title(string) T
	Description(string) T
	Datasource(common.DataSourceRef) T
	Targets([]cog.Builder[variants.Dataquery]) T
	Thresholds(cog.Builder[dashboard.ThresholdsConfig]) T
	Span(uint32) T
	Height(uint32) T
}

// panel sets what every panel has: title, description, the datasource variable, its queries,
// neutral thresholds, and its size on the 24-column grid.
func panel[T panelBuilder[T]](b T, title, description string, width, height uint32, queries []query) T {
	return b.Title(title).
		Description(description).
		Datasource(datasource).
		Targets(targets(queries)).
		Thresholds(neutral).
		Span(width).
		Height(height)
}

// statPanel is a single-value panel with a sparkline of the series' history.
func statPanel(title, description, unit string, queries ...query) *stat.PanelBuilder {
	return panel(stat.NewPanelBuilder(), title, description, 4, 4, queries).
		Unit(unit).
		GraphMode(common.BigValueGraphModeArea).
		ColorMode(common.BigValueColorModeValue).
		JustifyMode(common.BigValueJustifyModeAuto).
		TextMode(common.BigValueTextModeAuto).
		Orientation(common.VizOrientationAuto).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
}

// windowTotal is a single value: a family summed over the selected apps and the window.
func windowTotal(title, description, unit, metric string, matchers ...string) *stat.PanelBuilder {
	m := append([]string{appMatcher, windowMatcher}, matchers...)
	return statPanel(title, description, unit, q(sumBy("", sel(metric, m...)), strings.ToLower(title)))
}

// windowCount is a windowTotal of events that may have no series at all (no refunds, no
// unsubscribes in the window): it shows 0 then, not "No data".
func windowCount(title, description, unit, metric string, matchers ...string) *stat.PanelBuilder {
	m := append([]string{appMatcher, windowMatcher}, matchers...)
	return statPanel(title, description+" 0 when there is no series.", unit, q(orZero(sumBy("", sel(metric, m...))), strings.ToLower(title)))
}

// tsPanel is a time series panel: the trend of gauges (trailing window sums, monthly values)
// or of counter rates.
func tsPanel(title, description, unit string, queries ...query) *timeseries.PanelBuilder {
	return panel(timeseries.NewPanelBuilder(), title, description, 12, 8, queries).
		Unit(unit).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true).
			Calcs([]string{})).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending)).
		DrawStyle(common.GraphDrawStyleLine).
		LineInterpolation(common.LineInterpolationStepAfter).
		LineWidth(1).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeOff))
}

// withThresholdLines draws dashed lines at the given thresholds of a time series panel.
func withThresholdLines(p *timeseries.PanelBuilder, base string, steps ...step) *timeseries.PanelBuilder {
	return p.Thresholds(thresholds(base, steps...)).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
}

// dashedSeries draws the series whose display name matches the regexp (an alert threshold
// computed by a query) as a dashed line.
func dashedSeries(p *timeseries.PanelBuilder, regexp string) *timeseries.PanelBuilder {
	return p.OverrideByRegexp(regexp, []dashboard.DynamicConfigValue{
		{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
		{Id: "custom.fillOpacity", Value: 0},
	})
}

// barsPanel is a horizontal bar gauge of instant values, for breakdowns (by country, reason,
// ...) where a bar per label value reads better than a line.
func barsPanel(title, description, unit string, queries ...query) *bargauge.PanelBuilder {
	return panel(bargauge.NewPanelBuilder(), title, description, 12, 8, queries).
		Unit(unit).
		Thresholds(thresholds("blue")).
		Orientation(common.VizOrientationHorizontal).
		DisplayMode(common.BarGaugeDisplayModeGradient).
		ValueMode(common.BarGaugeValueModeText).
		NamePlacement(common.BarGaugeNamePlacementLeft).
		ShowUnfilled(true).
		Sizing(common.BarGaugeSizingAuto).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
}

// okFailingPanel is a state timeline of a 1/0 gauge: green "ok", red "failing".
func okFailingPanel(title, description string, queries ...query) *statetimeline.PanelBuilder {
	return panel(statetimeline.NewPanelBuilder(), title, description, 12, 8, queries).
		Thresholds(thresholds("red", step{1, "green"})).
		Mappings([]dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
			Type: dashboard.MappingTypeValueToText,
			Options: map[string]dashboard.ValueMappingResult{
				"0": {Text: cog.ToPtr("failing"), Color: cog.ToPtr("red"), Index: cog.ToPtr[int32](0)},
				"1": {Text: cog.ToPtr("ok"), Color: cog.ToPtr("green"), Index: cog.ToPtr[int32](1)},
			},
		}}}).
		ShowValue(common.VisibilityModeNever).
		MergeValues(true).
		RowHeight(0.9).
		FillOpacity(80).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			ShowLegend(false)).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeSingle).
			Sort(common.SortOrderNone))
}

// row starts a new row of panels.
func row(title string) *dashboard.RowBuilder {
	return dashboard.NewRowBuilder(title)
}
