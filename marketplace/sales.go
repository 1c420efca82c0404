package marketplace

import "context"

// SalesService reads aggregated sales.
type SalesService service

// SalesMetric is the dimension sales are grouped by.
type SalesMetric string

// The dimensions of SalesService.Aggregate.
const (
	SalesByHosting SalesMetric = "hosting"
	SalesByTier    SalesMetric = "tier"
	SalesByRegion  SalesMetric = "region"
	SalesByCountry SalesMetric = "country"
	SalesByType    SalesMetric = "type"
	SalesByPartner SalesMetric = "partner"
)

// Aggregate returns sales counts, net counts and revenue over time grouped
// by metric.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-transactions-metric-get
func (s *SalesService) Aggregate(ctx context.Context, metric SalesMetric, opts *AggregateOptions) (*Aggregate, *Response, error) {
	if err := checkMetric("sales", metric, SalesByHosting, SalesByTier, SalesByRegion, SalesByCountry, SalesByType, SalesByPartner); err != nil {
		return nil, nil, err
	}
	return getReporting[Aggregate](ctx, s.client, "sales_"+string(metric), opts.query(), "sales", "transactions", string(metric))
}
