package marketplace

import "context"

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
// apply to the endpoint are set.
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
	return nil, nil, errNotImplemented
}

// Editions returns the users per host product edition.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-customer-insights-editions-get
func (s *InsightsService) Editions(ctx context.Context, opts *InsightsOptions) ([]InsightsMonth, *Response, error) {
	return nil, nil, errNotImplemented
}

// ActiveUsers returns the paid and non-paid users.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-customer-insights-active-users-get
func (s *InsightsService) ActiveUsers(ctx context.Context, opts *InsightsOptions) ([]InsightsMonth, *Response, error) {
	return nil, nil, errNotImplemented
}

// Tiers returns the users per host product and tier.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-customer-insights-tiers-get
func (s *InsightsService) Tiers(ctx context.Context, opts *InsightsOptions) ([]InsightsMonth, *Response, error) {
	return nil, nil, errNotImplemented
}
