package marketplace

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
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

	api      API
	vendorID int64

	// baseURL and catalogURL hold what the options asked for (nil: not
	// set); NewClient resolves them into the three bases below, so that the
	// order of the options does not matter.
	baseURL    *url.URL
	catalogURL *url.URL

	reportingBase *url.URL // reporting and partner metrics
	catalogBase   *url.URL // /rest/2/addons
	v3Base        *url.URL // developer-space lookup and the v3 product listing

	auth *credentials

	httpClient     *http.Client
	userAgent      string
	requestTimeout time.Duration
	exportTimeout  time.Duration
	retry          RetryPolicy
	hook           func(RequestInfo)

	// Tests replace these to observe and shorten waits without a clock.
	sleep     func(ctx context.Context, d time.Duration) error
	jitter    func(limit time.Duration) time.Duration
	now       func() time.Time
	afterFunc func(d time.Duration, f func()) stopper

	devMu       sync.Mutex
	developerID string // configured, or resolved once from the vendor id
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

// credentials holds the Basic credentials inside a closure: fmt prints the
// fields of structs it is handed, even unexported ones behind pointers, but
// never what a func captured.
type credentials struct {
	secrets func() (token, header string) // header is "Basic " + base64(user:token)
}

func newCredentials(user, token string) *credentials {
	header := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+token))
	return &credentials{secrets: func() (string, string) { return token, header }}
}

func (a *credentials) header() string {
	_, h := a.secrets()
	return h
}

// scrub removes the token and the encoded header value from s. Servers
// should never echo them, but an error message is the wrong place to find
// out that one does.
func (a *credentials) scrub(s string) string {
	if a == nil {
		return s
	}
	token, header := a.secrets()
	for _, secret := range []string{token, strings.TrimPrefix(header, "Basic ")} {
		s = strings.ReplaceAll(s, secret, "[REDACTED]")
	}
	return s
}

// NewClient returns a Client configured by opts. It fails when credentials are
// missing, when APIv2 lacks a vendor id, or when APIv3 has neither a developer
// id nor a vendor id.
func NewClient(opts ...Option) (*Client, error) {
	c := &Client{
		api:            APIv2,
		httpClient:     http.DefaultClient,
		userAgent:      DefaultUserAgent,
		requestTimeout: 60 * time.Second,
		exportTimeout:  15 * time.Minute,
		retry:          DefaultRetryPolicy,
		sleep:          sleepContext,
		jitter:         fullJitter,
		now:            time.Now,
		afterFunc:      func(d time.Duration, f func()) stopper { return time.AfterFunc(d, f) },
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	switch {
	case c.auth == nil:
		return nil, errors.New("marketplace: credentials are required (WithCredentials)")
	case c.api != APIv2 && c.api != APIv3:
		return nil, fmt.Errorf("marketplace: unknown API generation %q", c.api)
	case c.api == APIv2 && c.vendorID <= 0:
		return nil, errors.New("marketplace: API v2 needs a vendor id (WithVendorID)")
	case c.api == APIv3 && c.vendorID <= 0 && c.developerID == "":
		return nil, errors.New("marketplace: API v3 needs a developer id or a vendor id")
	}

	v2, _ := url.Parse(DefaultBaseURL)
	v3, _ := url.Parse(DefaultV3BaseURL)
	c.reportingBase, c.catalogBase, c.v3Base = v2, v2, v3
	if c.api == APIv3 {
		c.reportingBase = v3
	}
	if c.baseURL != nil {
		c.reportingBase, c.catalogBase, c.v3Base = c.baseURL, c.baseURL, c.baseURL
	}
	if c.catalogURL != nil {
		c.catalogBase = c.catalogURL
	}

	s := &service{client: c}
	c.Evaluations = (*EvaluationsService)(s)
	c.Sales = (*SalesService)(s)
	c.Feedback = (*FeedbackService)(s)
	c.CloudMetrics = (*CloudMetricsService)(s)
	c.Benchmarks = (*BenchmarksService)(s)
	c.Licenses = (*LicensesService)(s)
	c.Transactions = (*TransactionsService)(s)
	c.Apps = (*AppsService)(s)
	c.PartnerMetrics = (*PartnerMetricsService)(s)
	c.Insights = (*InsightsService)(s)
	c.DeveloperSpace = (*DeveloperSpaceService)(s)
	return c, nil
}

// parseBaseURL checks a base URL. The error never repeats the URL: a
// mistyped one may well carry a secret.
func parseBaseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, errors.New("marketplace: base URL must be an absolute http or https URL")
	case u.User != nil:
		return nil, errors.New("marketplace: base URL must not contain credentials; use WithCredentials")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("marketplace: base URL must not have a query or fragment")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return u, nil
}

// WithBaseURL sets the base URL for every request: reporting, the app
// catalog and the developer-space lookup. A path prefix such as
// "/marketplace" is kept, also for the host-relative links the API returns.
func WithBaseURL(rawURL string) Option {
	return func(c *Client) (err error) {
		c.baseURL, err = parseBaseURL(rawURL)
		return err
	}
}

// WithCatalogURL sets the base URL of the app catalog (/rest/2/addons) only,
// overriding WithBaseURL for it. The default is DefaultBaseURL.
func WithCatalogURL(rawURL string) Option {
	return func(c *Client) (err error) {
		c.catalogURL, err = parseBaseURL(rawURL)
		return err
	}
}

// WithCredentials sets the Basic credentials: an Atlassian account email and
// an API token.
func WithCredentials(user, token string) Option {
	return func(c *Client) error {
		if user == "" || token == "" {
			return errors.New("marketplace: credentials need both a user and a token")
		}
		if strings.Contains(user, ":") {
			return errors.New("marketplace: the user of Basic credentials cannot contain ':'")
		}
		c.auth = newCredentials(user, token)
		return nil
	}
}

// WithAPI selects the API generation; the default is APIv2.
func WithAPI(api API) Option {
	return func(c *Client) error {
		c.api = api
		return nil
	}
}

// WithVendorID sets the numeric vendor id. APIv2 needs it; APIv3 resolves the
// developer id from it when WithDeveloperID is not given.
func WithVendorID(id int64) Option {
	return func(c *Client) error {
		if id <= 0 {
			return fmt.Errorf("marketplace: vendor id must be positive, got %d", id)
		}
		c.vendorID = id
		return nil
	}
}

// WithDeveloperID sets the developer-space UUID that APIv3 addresses.
func WithDeveloperID(id string) Option {
	return func(c *Client) error {
		if id == "" {
			return errors.New("marketplace: developer id must not be empty")
		}
		c.developerID = id
		return nil
	}
}

// WithHTTPClient sets the HTTP client used for every attempt, for example
// one whose Transport bounds concurrency. The default is http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("marketplace: HTTP client must not be nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header; the default is DefaultUserAgent.
// The exporter passes its name and version.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if ua == "" {
			return errors.New("marketplace: user agent must not be empty")
		}
		c.userAgent = ua
		return nil
	}
}

// WithRequestTimeout bounds each attempt of a request, from sending it to
// reading the whole body (for exports: to the response headers). The
// default is 60s.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return errors.New("marketplace: request timeout must be positive")
		}
		c.requestTimeout = d
		return nil
	}
}

// WithExportTimeout bounds each streamed export as a whole, including the
// time the caller spends on each row. The default is 15m.
func WithExportTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return errors.New("marketplace: export timeout must be positive")
		}
		c.exportTimeout = d
		return nil
	}
}

// WithRetryPolicy sets the retry policy. Zero fields keep the value of
// DefaultRetryPolicy; MaxAttempts 1 disables retries.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *Client) error {
		if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxRetryAfter < 0 {
			return errors.New("marketplace: retry policy values must not be negative")
		}
		d := DefaultRetryPolicy
		c.retry = RetryPolicy{
			MaxAttempts:   cmp.Or(p.MaxAttempts, d.MaxAttempts),
			BaseDelay:     cmp.Or(p.BaseDelay, d.BaseDelay),
			MaxDelay:      cmp.Or(p.MaxDelay, d.MaxDelay),
			MaxRetryAfter: cmp.Or(p.MaxRetryAfter, d.MaxRetryAfter),
		}
		return nil
	}
}

// WithRequestHook sets a function called once per attempt, synchronously,
// after the attempt's outcome is known. It must be cheap; the exporter turns
// it into request metrics.
func WithRequestHook(h func(RequestInfo)) Option {
	return func(c *Client) error {
		c.hook = h
		return nil
	}
}

// API returns the API generation the client talks to.
func (c *Client) API() API { return c.api }

// VendorID returns the vendor id, 0 when none was configured.
func (c *Client) VendorID() int64 { return c.vendorID }

// DeveloperID returns the developer id: the configured one, or the one
// DeveloperSpace.Lookup resolves from the vendor id. A resolved id is
// cached; after a failure the next call tries again.
func (c *Client) DeveloperID(ctx context.Context) (string, error) {
	c.devMu.Lock()
	defer c.devMu.Unlock()
	if c.developerID != "" {
		return c.developerID, nil
	}
	if c.vendorID <= 0 {
		return "", errors.New("marketplace: neither a developer id nor a vendor id is configured")
	}
	id, _, err := c.DeveloperSpace.Lookup(ctx, c.vendorID)
	if err != nil {
		return "", fmt.Errorf("marketplace: resolve developer id of vendor %d: %w", c.vendorID, err)
	}
	c.developerID = id
	return id, nil
}

// reportingURL returns the URL of a reporting resource below the vendor's
// (v2) or developer space's (v3) reporting root, e.g.
// reportingURL(ctx, q, "evaluations", "hosting").
func (c *Client) reportingURL(ctx context.Context, q url.Values, segments ...string) (*url.URL, error) {
	var root []string
	if c.api == APIv3 {
		id, err := c.DeveloperID(ctx)
		if err != nil {
			return nil, err
		}
		root = []string{"rest", "3", "reporting", "developer-space", id}
	} else {
		root = []string{"rest", "2", "vendors", strconv.FormatInt(c.vendorID, 10), "reporting"}
	}
	return joinURL(c.reportingBase, q, slices.Concat(root, segments)...), nil
}

// joinURL returns base with the path segments appended (each escaped) and
// the query q.
func joinURL(base *url.URL, q url.Values, segments ...string) *url.URL {
	u := *base
	escaped := make([]string, len(segments))
	for i, s := range segments {
		escaped[i] = url.PathEscape(s)
	}
	u.Path = base.Path + "/" + strings.Join(segments, "/")
	u.RawPath = base.EscapedPath() + "/" + strings.Join(escaped, "/")
	u.RawQuery = q.Encode()
	return &u
}

// stopper is the part of *time.Timer the per-attempt timeout uses.
type stopper interface{ Stop() bool }

// sleepContext waits for d or until ctx ends, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// fullJitter returns a uniformly random wait in [0, limit]: "full jitter",
// which spreads out clients that failed together better than a fixed
// backoff with a little noise.
func fullJitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(limit) + 1))
}
