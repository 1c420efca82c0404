package marketplace

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// FeedbackService reads the feedback customers leave when they uninstall,
// disable or unsubscribe from an app.
type FeedbackService service

// FeedbackMetric is the dimension feedback counts are grouped by.
type FeedbackMetric string

// The dimensions of FeedbackService.Metrics.
const (
	FeedbackByType   FeedbackMetric = "type"
	FeedbackByReason FeedbackMetric = "reason"
)

// FeedbackOptions filters feedback details. Zero fields are not sent.
type FeedbackOptions struct {
	// Types are feedback types: "disable", "uninstall", "unsubscribe".
	Types []string
	// Reasons are reason keys such as "bugs".
	Reasons []string
	// Addons are app keys.
	Addons []string
	// Hostings are "cloud", "datacenter" or "server".
	Hostings []string
	// StartDate is the first day of the range.
	StartDate Date
	// EndDate is the last day of the range.
	EndDate Date
	// Anonymous, when set, keeps only anonymous (true) or only attributed
	// (false) feedback.
	Anonymous *bool
	// Offset is the number of rows to skip.
	Offset int
}

// Feedback is one feedback entry. Fields hold the API's values unchanged
// (hosting "Cloud", feedback type "uninstall"); optional ones are "" when
// absent. LicenseID identifies Server and Data Center installations, the
// AppEntitlement fields and CloudID Cloud ones.
type Feedback struct {
	AddonKey             string `json:"addonKey"`
	AddonName            string `json:"addonName"`
	AddonVersion         string `json:"addonVersion"`
	ApplicationKey       string `json:"applicationKey"`
	Hosting              string `json:"hosting"`
	AppEdition           string `json:"appEdition"`
	Date                 Date   `json:"date"`
	FeedbackType         string `json:"feedbackType"`
	ReasonKey            string `json:"reasonKey"`
	Reason               string `json:"reason"` // display text, v3 only
	Message              string `json:"message"`
	Email                string `json:"email"`
	FullName             string `json:"fullName"`
	LicenseID            string `json:"licenseId"`
	AppEntitlementID     string `json:"appEntitlementId"`
	AppEntitlementNumber string `json:"appEntitlementNumber"`
	CloudID              string `json:"cloudId"`
}

// Metrics returns feedback counts over time grouped by metric.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-feedback-metrics-metric-get
func (s *FeedbackService) Metrics(ctx context.Context, metric FeedbackMetric, opts *AggregateOptions) (*Aggregate, *Response, error) {
	if err := checkMetric("feedback", metric, FeedbackByType, FeedbackByReason); err != nil {
		return nil, nil, err
	}
	return getReporting[Aggregate](ctx, s.client, "feedback_"+string(metric), opts.query(), "feedback", "metrics", string(metric))
}

// Details returns one page of feedback entries, starting at opts.Offset.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-feedback-details-get
func (s *FeedbackService) Details(ctx context.Context, opts *FeedbackOptions) ([]Feedback, *Response, error) {
	return feedbackDetails.list(ctx, s.client, opts.query(), orZero(opts).Offset)
}

// AllDetails returns every feedback entry from opts.Offset on, following
// the next links page by page.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-feedback-details-get
func (s *FeedbackService) AllDetails(ctx context.Context, opts *FeedbackOptions) iter.Seq2[Feedback, error] {
	return feedbackDetails.all(ctx, s.client, opts.query(), orZero(opts).Offset)
}

// Export streams every feedback entry matching opts from the JSON export,
// decoding one row at a time. opts.Offset is ignored.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-feedback-details-export-get
func (s *FeedbackService) Export(ctx context.Context, opts *FeedbackOptions) iter.Seq2[Feedback, error] {
	return feedbackDetails.export(ctx, s.client, opts.query())
}

func (o *FeedbackOptions) query() url.Values {
	q := query{}
	if o != nil {
		q.strs("type", o.Types)
		q.strs("reason", o.Reasons)
		q.strs("addon", o.Addons)
		q.strs("hosting", o.Hostings)
		q.date("startDate", o.StartDate)
		q.date("endDate", o.EndDate)
		if o.Anonymous != nil {
			q.str("anonymous", strconv.FormatBool(*o.Anonymous))
		}
	}
	return q.values()
}

var feedbackDetails = collection[Feedback]{
	endpoint: "feedback_details",
	path:     []string{"feedback", "details"},
	newPage:  func() pager[Feedback] { return &feedbackPage{} },
}

// feedbackPage is the wire form of VendorFeedbackCollection.
type feedbackPage struct {
	reportingPage
	Feedback []Feedback `json:"feedback"`
}

func (p *feedbackPage) rows() []Feedback { return p.Feedback }
