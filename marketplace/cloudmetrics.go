package marketplace

import (
	"context"
	"iter"
)

// CloudMetricsService reads Cloud churn, conversion and renewal, aggregated
// and as individual license transitions.
type CloudMetricsService service

// CloudMetric names one of the Cloud sale metrics.
type CloudMetric string

// The metrics of CloudMetricsService.
const (
	CloudChurn      CloudMetric = "churn"
	CloudConversion CloudMetric = "conversion"
	CloudRenewal    CloudMetric = "renewal"
)

// CalculatedMetric is the body of the churn, conversion and renewal
// endpoints: datasets of series per app plus their total.
type CalculatedMetric struct {
	// Total is the sum over all apps.
	Total CalculatedGroup
	// Addons holds one group per app.
	Addons []CalculatedGroup
}

// CalculatedGroup is the datasets of one app, or of the total.
type CalculatedGroup struct {
	// AddonKey is the app key, "" on the total.
	AddonKey string
	// Name is the app's name, or "All apps".
	Name string
	// Datasets split the series by billing period ("Monthly", "Annual").
	// Conversion has no datasets on the wire; it gets one Dataset named "".
	Datasets []Dataset
}

// Dataset is a named set of series, e.g. the "Monthly" subscriptions.
type Dataset struct {
	// Name is "Monthly", "Annual", or "" for conversion.
	Name string
	// Series holds e.g. "Customers" and "Cancellations" for churn.
	Series []Series
}

// TransitionOptions filters license transitions. Zero fields are not sent.
type TransitionOptions struct {
	// Addons are app keys.
	Addons []string
	// Hostings are "cloud", "datacenter" or "server".
	Hostings []string
	// StartDate is the first day of the range.
	StartDate Date
	// EndDate is the last day of the range.
	EndDate Date
	// LastUpdated keeps rows updated on or after it.
	LastUpdated Date
	// Offset is the number of rows to skip.
	Offset int
}

// LicenseTransition is one churn, conversion or renewal event.
type LicenseTransition struct {
	AddonKey      string
	AddonName     string
	Hosting       string
	AppEdition    string
	LastUpdated   Date
	EventDate     Date
	TransactionID string
	InGracePeriod string
	// License is decoded from the nested licenseDetails object or, when
	// that is null, from the same fields flat on the event.
	License LicenseDetail
}

// LicenseDetail identifies the license of a transition.
type LicenseDetail struct {
	LicenseID            string `json:"licenseId"`
	AppEntitlementID     string `json:"appEntitlementId"`
	AppEntitlementNumber string `json:"appEntitlementNumber"`
	CloudID              string `json:"cloudId"`
	MaintenanceStartDate Date   `json:"maintenanceStartDate"`
	MaintenanceEndDate   Date   `json:"maintenanceEndDate"`
	// MonthsValid is nil when the API does not say.
	MonthsValid *int64 `json:"monthsValid"`
}

// Get returns the aggregated metric over time.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-metrics-churn-get
func (s *CloudMetricsService) Get(ctx context.Context, metric CloudMetric, opts *AggregateOptions) (*CalculatedMetric, *Response, error) {
	return nil, nil, errNotImplemented
}

// Details returns one page of the metric's license transitions, starting at
// opts.Offset.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-metrics-salemetric-details-get
func (s *CloudMetricsService) Details(ctx context.Context, metric CloudMetric, opts *TransitionOptions) ([]LicenseTransition, *Response, error) {
	return nil, nil, errNotImplemented
}

// AllDetails returns every license transition of the metric from
// opts.Offset on, following the next links page by page.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-metrics-salemetric-details-get
func (s *CloudMetricsService) AllDetails(ctx context.Context, metric CloudMetric, opts *TransitionOptions) iter.Seq2[LicenseTransition, error] {
	return func(yield func(LicenseTransition, error) bool) { yield(LicenseTransition{}, errNotImplemented) }
}
