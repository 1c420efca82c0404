package marketplace

import (
	"context"
	"strings"
)

// InsightsService reads customer insights: how the vendor's users are
// distributed by region, edition, paid status and tier, against the
// marketplace.
type InsightsService service

// InsightsOptions filters customer insights. The API moves both dates to the
// first of their month.
type InsightsOptions struct {
	// StartDate is the first month of the range.
	StartDate Date
	// EndDate is the last month of the range.
	EndDate Date
	// Product is the host product, "jira" or "confluence" (Tiers only).
	Product string
}

// InsightsMonth is one month of customer insights.
type InsightsMonth struct {
	// Date is the first day of the month.
	Date Date
	// Groups holds one entry per group value.
	Groups []InsightsGroup
}

// InsightsGroup is the user distribution of one group. Only the keys that
// apply to the endpoint are set: Region ("emea"), Edition ("premium"),
// ActiveUsers ("paid"), or Product and Tier ("Jira", "1-10").
type InsightsGroup struct {
	Edition     string
	Region      string
	ActiveUsers string
	Product     string
	Tier        string
	// UsersCount is the number of users in the group.
	UsersCount int64
	// UsersPercent is the group's share of the vendor's users, in percent.
	UsersPercent float64
	// UsersMarketplaceBenchmark is UsersPercent divided by the
	// marketplace's percentage.
	UsersMarketplaceBenchmark float64
}

// Regions returns the users per region.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-customer-insights-regions-get
func (s *InsightsService) Regions(ctx context.Context, opts *InsightsOptions) ([]InsightsMonth, *Response, error) {
	return s.get(ctx, "regions", opts, func(w *insightsWire) []insightsMonthWire { return w.Regions })
}

// Editions returns the users per host product edition.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-customer-insights-editions-get
func (s *InsightsService) Editions(ctx context.Context, opts *InsightsOptions) ([]InsightsMonth, *Response, error) {
	return s.get(ctx, "editions", opts, func(w *insightsWire) []insightsMonthWire { return w.Editions })
}

// ActiveUsers returns the paid and non-paid users.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-customer-insights-active-users-get
func (s *InsightsService) ActiveUsers(ctx context.Context, opts *InsightsOptions) ([]InsightsMonth, *Response, error) {
	return s.get(ctx, "active-users", opts, func(w *insightsWire) []insightsMonthWire { return w.ActiveUsers })
}

// Tiers returns the users per host product and tier. opts.Product narrows
// it to one host product.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-customer-insights-tiers-get
func (s *InsightsService) Tiers(ctx context.Context, opts *InsightsOptions) ([]InsightsMonth, *Response, error) {
	return s.get(ctx, "tiers", opts, func(w *insightsWire) []insightsMonthWire { return w.Tiers })
}

// get reads customer-insights/{resource}. specific picks the resource's own
// array key; the generic usersDistributionPerMonth is the fallback.
func (s *InsightsService) get(ctx context.Context, resource string, opts *InsightsOptions, specific func(*insightsWire) []insightsMonthWire) ([]InsightsMonth, *Response, error) {
	q := query{}
	if opts != nil {
		q.date("startDate", opts.StartDate)
		q.date("endDate", opts.EndDate)
		q.str("product", opts.Product)
	}
	endpoint := "insights_" + strings.ReplaceAll(resource, "-", "_")
	w, resp, err := getReporting[insightsWire](ctx, s.client, endpoint, q.values(), "customer-insights", resource)
	if err != nil {
		return nil, resp, err
	}
	return convert(orSlice(specific(w), w.Generic), insightsMonthWire.month), resp, nil
}

// insightsWire holds the array of any customer-insights endpoint under the
// key the spec gives it, or under the generic key a v3 probe saw.
type insightsWire struct {
	Regions     []insightsMonthWire `json:"regionWiseUserInsightsPerMonth"`
	Editions    []insightsMonthWire `json:"usersEditionDistribution"`
	ActiveUsers []insightsMonthWire `json:"activePaidUsersInsights"`
	Tiers       []insightsMonthWire `json:"usersDistributionPerProduct"`
	Generic     []insightsMonthWire `json:"usersDistributionPerMonth"`
}

// insightsMonthWire is a UsersDistributionByMonth.
type insightsMonthWire struct {
	Date         Date `json:"date"`
	InsightsType []struct {
		Value struct {
			Group struct {
				Edition     string `json:"edition"`
				Region      string `json:"region"`
				ActiveUsers string `json:"activeUsers"`
				Product     string `json:"product"`
				Tier        string `json:"tier"`
			} `json:"group"`
			Distribution struct {
				UsersCount                int64   `json:"usersCount"`
				UsersPercent              float64 `json:"usersPercent"`
				UsersMarketplaceBenchmark float64 `json:"usersMarketplaceBenchmark"`
			} `json:"usersDistribution"`
		} `json:"value"`
	} `json:"insightsType"`
}

func (w insightsMonthWire) month() InsightsMonth {
	m := InsightsMonth{Date: w.Date, Groups: make([]InsightsGroup, len(w.InsightsType))}
	for i, t := range w.InsightsType {
		g, d := t.Value.Group, t.Value.Distribution
		m.Groups[i] = InsightsGroup{
			Edition:                   g.Edition,
			Region:                    g.Region,
			ActiveUsers:               g.ActiveUsers,
			Product:                   g.Product,
			Tier:                      g.Tier,
			UsersCount:                d.UsersCount,
			UsersPercent:              d.UsersPercent,
			UsersMarketplaceBenchmark: d.UsersMarketplaceBenchmark,
		}
	}
	return m
}
