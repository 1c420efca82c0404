package marketplace

import "context"

// PartnerMetricsService reads metric time series such as MRR movements and
// ARR.
type PartnerMetricsService service

// Granularity is the bucket size of partner metrics.
type Granularity string

// The granularities of PartnerMetricsRequest.
const (
	GranularityYear  Granularity = "YEAR"
	GranularityMonth Granularity = "MONTH"
	GranularityWeek  Granularity = "WEEK"
	GranularityDay   Granularity = "DAY"
)

// PartnerMetricsRequest is the query of PartnerMetricsService.Query. At
// least one of MetricSets and MetricFields is required by the API.
type PartnerMetricsRequest struct {
	// MetricSets are e.g. "RECURRING_REVENUE".
	MetricSets []string
	// MetricFields are e.g. "OPENING_MRR".
	MetricFields []string
	// StartDate is the first day of the range.
	StartDate Date
	// EndDate is the last day of the range.
	EndDate Date
	// Granularity is the bucket size.
	Granularity Granularity
	// Attributes split the records, e.g. "APP_KEY", "APP_NAME"; without
	// any the records cover all apps.
	Attributes []string
}

// PartnerMetricsRecord is one bucket of partner metrics, for one
// combination of attribute values. Metrics the request did not ask for are
// nil. EXPIRED and CONTRACTION come out negative.
type PartnerMetricsRecord struct {
	Date           Date
	AppKey         string
	AppName        string
	Subscription   string
	OpeningMRR     *float64
	NewMRR         *float64
	ExpansionMRR   *float64
	ContractionMRR *float64
	ReactivatedMRR *float64
	ExpiredMRR     *float64
	ClosingMRR     *float64
	ARR            *float64
}

// Query returns the records of req, following the API's paging by time
// buckets (14 per request) to the end of the range.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-partner-metrics-post
func (s *PartnerMetricsService) Query(ctx context.Context, req *PartnerMetricsRequest) ([]PartnerMetricsRecord, *Response, error) {
	return nil, nil, errNotImplemented
}
