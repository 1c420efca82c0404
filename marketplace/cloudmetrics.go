package marketplace

import (
	"context"
	"iter"
	"net/url"
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

// LicenseTransition is one churn, conversion or renewal event: the license
// and the day (EventDate) it churned, converted or renewed. TransactionID
// and InGracePeriod ("Yes", "No") are "" when the API leaves them out.
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

// LicenseDetail identifies the license of a transition and its maintenance
// period.
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

// Get returns the aggregated metric over time. Conversion has no datasets
// on the wire; its series come back in one Dataset named "".
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-metrics-churn-get
func (s *CloudMetricsService) Get(ctx context.Context, metric CloudMetric, opts *AggregateOptions) (*CalculatedMetric, *Response, error) {
	if err := checkCloudMetric(metric); err != nil {
		return nil, nil, err
	}
	w, resp, err := getReporting[struct {
		Total  calculatedGroupWire   `json:"total"`
		Addons []calculatedGroupWire `json:"addons"`
	}](ctx, s.client, string(metric), opts.query(), "sales", "metrics", string(metric))
	if err != nil {
		return nil, resp, err
	}
	return &CalculatedMetric{Total: w.Total.group(), Addons: convert(w.Addons, calculatedGroupWire.group)}, resp, nil
}

// Details returns one page of the metric's license transitions, starting at
// opts.Offset.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-metrics-salemetric-details-get
func (s *CloudMetricsService) Details(ctx context.Context, metric CloudMetric, opts *TransitionOptions) ([]LicenseTransition, *Response, error) {
	if err := checkCloudMetric(metric); err != nil {
		return nil, nil, err
	}
	return transitions(metric).list(ctx, s.client, opts.query(), orZero(opts).Offset)
}

// AllDetails returns every license transition of the metric from
// opts.Offset on, following the next links page by page.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-metrics-salemetric-details-get
func (s *CloudMetricsService) AllDetails(ctx context.Context, metric CloudMetric, opts *TransitionOptions) iter.Seq2[LicenseTransition, error] {
	if err := checkCloudMetric(metric); err != nil {
		return errSeq[LicenseTransition](err)
	}
	return transitions(metric).all(ctx, s.client, opts.query(), orZero(opts).Offset)
}

func checkCloudMetric(m CloudMetric) error {
	return checkMetric("cloud", m, CloudChurn, CloudConversion, CloudRenewal)
}

// transitions describes the details list of metric.
func transitions(metric CloudMetric) collection[LicenseTransition] {
	return collection[LicenseTransition]{
		endpoint: string(metric) + "_details",
		path:     []string{"sales", "metrics", string(metric), "details"},
		newPage:  func() pager[LicenseTransition] { return &transitionPage{} },
	}
}

func (o *TransitionOptions) query() url.Values {
	q := query{}
	if o != nil {
		q.strs("addon", o.Addons)
		q.strs("hosting", o.Hostings)
		q.date("startDate", o.StartDate)
		q.date("endDate", o.EndDate)
		q.date("lastUpdated", o.LastUpdated)
	}
	return q.values()
}

// calculatedGroupWire is a group of CalculatedChurn and CalculatedRenewals
// (datasets of series) or of CalculatedConversions (series only).
type calculatedGroupWire struct {
	AddonKey string `json:"addonKey"`
	Name     string `json:"name"`
	Datasets []struct {
		Name   string   `json:"name"`
		Series []Series `json:"series"`
	} `json:"datasets"`
	Series []Series `json:"series"`
}

func (w calculatedGroupWire) group() CalculatedGroup {
	g := CalculatedGroup{AddonKey: w.AddonKey, Name: w.Name}
	for _, d := range w.Datasets {
		g.Datasets = append(g.Datasets, Dataset(d))
	}
	if w.Datasets == nil && w.Series != nil {
		g.Datasets = []Dataset{{Series: w.Series}}
	}
	return g
}

// transitionPage is the wire form of LicenseTransitionCollection.
type transitionPage struct {
	reportingPage
	Events []transitionWire `json:"events"`
}

func (p *transitionPage) rows() []LicenseTransition {
	return convert(p.Events, transitionWire.transition)
}

// transitionWire is a LicenseTransition as sent: the license fields nested
// in licenseDetails (the spec) or flat beside a null licenseDetails
// (Atlassian's v3 example).
type transitionWire struct {
	AddonKey       string         `json:"addonKey"`
	AddonName      string         `json:"addonName"`
	Hosting        string         `json:"hosting"`
	AppEdition     string         `json:"appEdition"`
	LastUpdated    Date           `json:"lastUpdated"`
	EventDate      Date           `json:"eventDate"`
	TransactionID  string         `json:"transactionId"`
	InGracePeriod  string         `json:"inGracePeriod"`
	LicenseDetails *LicenseDetail `json:"licenseDetails"`
	LicenseDetail
}

func (w transitionWire) transition() LicenseTransition {
	t := LicenseTransition{
		AddonKey:      w.AddonKey,
		AddonName:     w.AddonName,
		Hosting:       w.Hosting,
		AppEdition:    w.AppEdition,
		LastUpdated:   w.LastUpdated,
		EventDate:     w.EventDate,
		TransactionID: w.TransactionID,
		InGracePeriod: w.InGracePeriod,
		License:       w.LicenseDetail,
	}
	if w.LicenseDetails != nil {
		t.License = *w.LicenseDetails
	}
	return t
}
