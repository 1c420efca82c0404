package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// breakdown is one dimension of the sales (or evaluations) reports: a family per measure and
// the label that holds the dimension's value.
type breakdown struct {
	title string // "hosting", "sale type", ...
	dim   string // the dimension in the family names: "hosting", "sale_type", ...
	label string // the label that holds the dimension's value
	top   bool   // many values (countries, partners): show the top 10 only
}

// expr sums a family by the breakdown's label over the selected apps and window.
func (b breakdown) expr(metric string) string {
	e := sumBy(b.label, sel(metric, appMatcher, windowMatcher))
	if b.top {
		return "topk(10, " + e + ")"
	}
	return e
}

// description says how a breakdown panel is computed.
func (b breakdown) description(what string) string {
	d := what + " by " + b.title + " in the window, for the selected apps."
	if b.top {
		d += " The 10 largest only."
	}
	return d
}

// trend is a time series of a family by the breakdown's label.
func (b breakdown) trend(what, unit, metric string) *timeseries.PanelBuilder {
	return tsPanel(what+" by "+b.title, b.description(what), unit, q(b.expr(metric), "{{"+b.label+"}}"))
}

// bars is a bar gauge of a family by the breakdown's label, largest first.
func (b breakdown) bars(what, unit, metric string) *bargauge.PanelBuilder {
	return barsPanel(what+" by "+b.title, b.description(what), unit, at("sort_desc("+b.expr(metric)+")", "{{"+b.label+"}}"))
}

// salesFamily gives the revenue and transactions families of a sales breakdown: sales by
// hosting are the unprefixed families, the others are sales_by_<dim>_*.
func salesFamily(dim, measure string) string {
	if dim == "hosting" {
		return "atlassian_marketplace_sales_" + measure
	}
	return "atlassian_marketplace_sales_by_" + dim + "_" + measure
}

// sales breaks revenue and transactions down by every dimension the Marketplace reports, with
// refunds and MRR movements, and draws the refund and revenue-drop alert thresholds.
func sales() *dashboard.DashboardBuilder {
	const (
		revenue  = "atlassian_marketplace_sales_revenue_usd"
		byType   = "atlassian_marketplace_sales_by_sale_type_"
		mrr      = "atlassian_marketplace_mrr_usd"
		refund   = `sale_type="refund"`
		movement = `movement=~"new|expansion|reactivated|contraction|expired"`
	)
	b := newBoard("sales", "Sales",
		"Revenue and transactions by hosting, tier, region, country, sale type and partner; refunds; MRR movements.").
		WithRow(row("In the last $window")).
		WithPanel(windowTotal("Revenue", "Sales revenue in the window (USD).", unitUSD, revenue)).
		WithPanel(windowTotal("Transactions", "Sales transactions in the window.", unitCount, "atlassian_marketplace_sales_transactions")).
		WithPanel(windowTotal("Net transactions", "Net sales transactions in the window, as the Marketplace counts them (netCount).", unitCount, "atlassian_marketplace_sales_net_transactions")).
		WithPanel(windowCount("Refunds", "Refund transactions in the window.", unitCount, byType+"transactions", refund)).
		WithPanel(windowCount("Refunded", "Revenue of the refund transactions in the window (USD), as the Marketplace reports it.", unitUSD, byType+"revenue_usd", refund)).
		WithPanel(mrrStat())

	for _, dim := range []breakdown{
		{title: "hosting", dim: "hosting", label: "hosting"},
		{title: "tier", dim: "tier", label: "tier"},
		{title: "region", dim: "region", label: "customer_region"},
		{title: "country", dim: "country", label: "customer_country", top: true},
		{title: "sale type", dim: "sale_type", label: "sale_type"},
		{title: "partner", dim: "partner", label: "partner", top: true},
	} {
		b = b.WithRow(row("By " + dim.title)).
			WithPanel(dim.trend("Revenue", unitUSD, salesFamily(dim.dim, "revenue_usd"))).
			WithPanel(dim.bars("Transactions", unitCount, salesFamily(dim.dim, "transactions")))
	}

	refunds := alertPanel("Refunds in the last 7 days and the alert threshold",
		"Refund transactions per app over the 7d window, and the threshold of the alert MarketplaceRefundsSpike (dashed): twice the 28-day weekly average, at least "+refundSpikeMinimum+".",
		unitCount,
		refundCount("7d", appMatcher), "{{name}}",
		refundSpikeThreshold(appMatcher))

	return b.WithRow(row("Refunds and drops")).
		WithPanel(refunds).
		WithPanel(dropPanel("Revenue", "MarketplaceRevenueDropped", unitUSD, revenue, "500 USD")).
		WithRow(row("Recurring revenue")).
		WithPanel(barsPanel("MRR movements of the latest month",
			"New, expansion and reactivated MRR add to the opening MRR; contraction and expired (negative) take from it (USD)."+mrrMonthNote,
			unitUSD,
			at(sumBy("movement", sel(mrr, appMatcher, movement)), "{{movement}}")).
			Thresholds(thresholds("red", step{0, "green"})).
			Span(10)).
		WithPanel(mrrArrPanel().Span(10)).
		WithPanel(mrrMonthStat().Span(4).Height(8))
}

// mrrMonthNote says which month the MRR families are for.
const mrrMonthNote = " The month is each app's latest with data (see MRR month); the current month is month-to-date, so its MRR grows until the month ends."

// mrrStat is the closing MRR of the selected apps.
func mrrStat() *stat.PanelBuilder {
	return statPanel("MRR", "Closing monthly recurring revenue of the latest month (USD)."+mrrMonthNote, unitUSD,
		q(sumBy("", sel("atlassian_marketplace_mrr_usd", appMatcher, `movement="closing"`)), "MRR"))
}

// mrrMonthStat shows the month that the MRR and ARR panels are for.
func mrrMonthStat() *stat.PanelBuilder {
	return statPanel("MRR month",
		"The month the MRR and ARR values are for: each app's latest month with data, the latest of the selected apps here. The current month is month-to-date: its MRR grows until the month ends.",
		"time:YYYY-MM",
		q("max("+sel("atlassian_marketplace_mrr_month_timestamp_seconds", appMatcher)+") * 1000", "month"))
}

// mrrArrPanel is the trend of closing MRR and ARR per app.
func mrrArrPanel() *timeseries.PanelBuilder {
	return tsPanel("MRR and ARR", "Closing MRR and ARR of the latest month, per app (USD)."+mrrMonthNote, unitUSD,
		q(named(sumBy("addon_key", sel("atlassian_marketplace_mrr_usd", appMatcher, `movement="closing"`))), "{{name}} MRR"),
		q(named(sumBy("addon_key", sel("atlassian_marketplace_arr_usd", appMatcher))), "{{name}} ARR"))
}
