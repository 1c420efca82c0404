package marketplace

import "context"

// AppsService reads the app catalog: the vendor's apps, their distribution
// and review summaries.
type AppsService service

// App is one app of the vendor.
type App struct {
	// Key is the app key, e.g. "com.example.alpha".
	Key string
	// Name is the listing name.
	Name string
	// Status is the listing status, e.g. "public" or "private".
	Status string
	// Distribution is nil when the listing does not embed it.
	Distribution *Distribution
	// Reviews is nil when the listing does not embed it.
	Reviews *ReviewSummary
}

// Distribution is an app's current download and install totals.
type Distribution struct {
	// Downloads is the all-time download count.
	Downloads int64 `json:"downloads"`
	// TotalInstalls is the install count as of the last full week.
	TotalInstalls *int64 `json:"totalInstalls"`
	// TotalUsers is the user count as of the last full week.
	TotalUsers *int64 `json:"totalUsers"`
	// Bundled reports that the app ships with its host product.
	Bundled bool `json:"bundled"`
	// BundledCloud reports that the app ships with its Cloud host product.
	BundledCloud bool `json:"bundledCloud"`
}

// ReviewSummary is an app's review count and average rating.
type ReviewSummary struct {
	Count        int64   `json:"count"`
	AverageStars float64 `json:"averageStars"`
}

// List returns all of the vendor's apps, every page. It reads the v2
// catalog when a vendor id is known and the v3 product listing otherwise;
// the latter embeds neither distribution nor reviews.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-addons/#api-addons-vendor-vendorid-get
func (s *AppsService) List(ctx context.Context) ([]App, *Response, error) {
	return nil, nil, errNotImplemented
}

// Get returns one app with its embedded distribution and reviews.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-addons/#api-addons-addonkey-get
func (s *AppsService) Get(ctx context.Context, addonKey string) (*App, *Response, error) {
	return nil, nil, errNotImplemented
}

// Distribution returns an app's download and install totals.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-addons/#api-addons-addonkey-distribution-get
func (s *AppsService) Distribution(ctx context.Context, addonKey string) (*Distribution, *Response, error) {
	return nil, nil, errNotImplemented
}
