// Package marketplace is a client for the Atlassian Marketplace vendor
// reporting API: aggregated evaluations, sales, feedback and Cloud metrics,
// benchmarks, customer insights, partner metrics, the license and transaction
// lists and their streamed exports, and the app catalog.
//
// The package knows nothing about Prometheus. Callers observe every HTTP
// attempt through [WithRequestHook].
//
// API reference: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/
package marketplace

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// API selects the generation of the reporting API a Client talks to.
type API string

const (
	// APIv2 is the reporting API below /rest/2/vendors/{vendorId}/reporting
	// on DefaultBaseURL, addressed by the numeric vendor id.
	APIv2 API = "v2"
	// APIv3 is the reporting API below
	// /rest/3/reporting/developer-space/{developerId} on DefaultV3BaseURL,
	// addressed by the developer-space UUID.
	APIv3 API = "v3"
)

const (
	// DefaultBaseURL serves the v2 reporting API and the app catalog
	// (/rest/2/addons).
	DefaultBaseURL = "https://marketplace.atlassian.com"
	// DefaultV3BaseURL serves the v3 reporting API, partner metrics and the
	// developer-space lookup.
	DefaultV3BaseURL = "https://api.atlassian.com/marketplace"
)

// DefaultUserAgent is sent when no WithUserAgent option is given.
const DefaultUserAgent = "marketplace_exporter (+https://github.com/marketplace-exporter/marketplace_exporter)"

// Client talks to the Marketplace API. Its methods are grouped into services
// that mirror the API's resources. A Client is safe for concurrent use.
type Client struct {
	// Evaluations reads evaluation counts.
	Evaluations *EvaluationsService
	// Sales reads aggregated sales.
	Sales *SalesService
	// Feedback reads uninstall and disable feedback.
	Feedback *FeedbackService
	// CloudMetrics reads Cloud churn, conversion and renewal.
	CloudMetrics *CloudMetricsService
	// Benchmarks reads churn, evaluation and sales benchmarks.
	Benchmarks *BenchmarksService
	// Licenses reads licenses.
	Licenses *LicensesService
	// Transactions reads sales transactions.
	Transactions *TransactionsService
	// Apps reads the app catalog.
	Apps *AppsService
	// PartnerMetrics reads MRR and ARR time series.
	PartnerMetrics *PartnerMetricsService
	// Insights reads customer insights.
	Insights *InsightsService
	// DeveloperSpace maps vendor ids to developer ids.
	DeveloperSpace *DeveloperSpaceService

	api         API
	vendorID    int64
	developerID string
}

// service is the common base of all services.
type service struct {
	client *Client
}

// Option configures a Client in NewClient.
type Option func(*Client) error

// RetryPolicy bounds how a Client retries a failed attempt. Zero fields take
// their value from DefaultRetryPolicy.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, including the first.
	MaxAttempts int
	// BaseDelay is the first backoff cap; it doubles with each retry.
	BaseDelay time.Duration
	// MaxDelay caps every backoff wait.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for; a
	// longer one ends the call with the RateLimitError.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is the policy a Client uses unless WithRetryPolicy says
// otherwise.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:   4,
	BaseDelay:     500 * time.Millisecond,
	MaxDelay:      10 * time.Second,
	MaxRetryAfter: 5 * time.Minute,
}

// RequestInfo describes one HTTP attempt. It never contains credentials.
type RequestInfo struct {
	// Endpoint is a bounded name such as "evaluations_hosting" or
	// "licenses_export" (see docs/design.md).
	Endpoint string
	// Method is the HTTP method.
	Method string
	// StatusCode is 0 when no response arrived (connection error, timeout).
	StatusCode int
	// Duration runs until the response headers arrived or the attempt failed.
	Duration time.Duration
	// Attempt is 1-based.
	Attempt int
	// Retry reports that this attempt failed and another will follow.
	Retry bool
	// Err is the transport-level error, if any.
	Err error
}

// Response is the HTTP-level metadata of a call: for calls that page, that
// of the last page.
type Response struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// NextURL is the absolute URL of the next page, "" on the last page.
	NextURL string
	// TotalCount is the v3 totalCount, -1 when the body does not say.
	TotalCount int
}

var errNotImplemented = errors.New("marketplace: not implemented")

// NewClient returns a Client configured by opts. It fails when credentials are
// missing, when APIv2 lacks a vendor id, or when APIv3 has neither a developer
// id nor a vendor id.
func NewClient(opts ...Option) (*Client, error) {
	c := &Client{api: APIv2}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// WithBaseURL sets the base URL for every request: reporting, the app
// catalog and the developer-space lookup. Tests and the simulator use it.
func WithBaseURL(rawURL string) Option { return func(c *Client) error { return errNotImplemented } }

// WithCatalogURL sets the base URL of the app catalog (/rest/2/addons) only.
func WithCatalogURL(rawURL string) Option { return func(c *Client) error { return errNotImplemented } }

// WithCredentials sets the Basic credentials: an Atlassian account email and
// an API token.
func WithCredentials(user, token string) Option {
	return func(c *Client) error { return errNotImplemented }
}

// WithAPI selects the API generation; the default is APIv2.
func WithAPI(api API) Option { return func(c *Client) error { c.api = api; return nil } }

// WithVendorID sets the numeric vendor id.
func WithVendorID(id int64) Option { return func(c *Client) error { c.vendorID = id; return nil } }

// WithDeveloperID sets the developer-space UUID used by APIv3.
func WithDeveloperID(id string) Option {
	return func(c *Client) error { c.developerID = id; return nil }
}

// WithHTTPClient sets the HTTP client used for every attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error { return errNotImplemented }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) error { return errNotImplemented } }

// WithRequestTimeout bounds each attempt of a request; the default is 60s.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) error { return errNotImplemented }
}

// WithExportTimeout bounds each streamed export as a whole; the default is
// 15m.
func WithExportTimeout(d time.Duration) Option {
	return func(c *Client) error { return errNotImplemented }
}

// WithRetryPolicy sets the retry policy.
func WithRetryPolicy(p RetryPolicy) Option { return func(c *Client) error { return errNotImplemented } }

// WithRequestHook sets a function called once per attempt, synchronously.
func WithRequestHook(h func(RequestInfo)) Option {
	return func(c *Client) error { return errNotImplemented }
}

// API returns the API generation the client talks to.
func (c *Client) API() API { return c.api }

// VendorID returns the vendor id, 0 when none was configured.
func (c *Client) VendorID() int64 { return c.vendorID }

// DeveloperID returns the developer id.
func (c *Client) DeveloperID(ctx context.Context) (string, error) {
	return "", errNotImplemented
}
