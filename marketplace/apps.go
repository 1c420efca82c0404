package marketplace

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
)

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
	// ProductID is the v3 product UUID; only the v3 product listing sets it.
	ProductID string
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

// ReviewSummary is an app's review count and average rating (1 to 5
// stars).
type ReviewSummary struct {
	Count        int64   `json:"count"`
	AverageStars float64 `json:"averageStars"`
}

// UnmarshalJSON rejects a distribution without a download count: zero
// downloads is a value, a missing one is not.
func (d *Distribution) UnmarshalJSON(b []byte) error {
	type plain Distribution
	var w struct {
		plain
		Downloads *int64 `json:"downloads"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Downloads == nil {
		return errors.New("marketplace: distribution has no downloads count")
	}
	*d = Distribution(w.plain)
	d.Downloads = *w.Downloads
	return nil
}

// UnmarshalJSON rejects a review summary without a count, or with reviews
// but no average: either would read as zero, a rating no app has.
func (r *ReviewSummary) UnmarshalJSON(b []byte) error {
	var w struct {
		Count        *int64   `json:"count"`
		AverageStars *float64 `json:"averageStars"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	switch {
	case w.Count == nil:
		return errors.New("marketplace: review summary has no count")
	case *w.Count > 0 && w.AverageStars == nil:
		return errors.New("marketplace: review summary has reviews but no averageStars")
	}
	*r = ReviewSummary{Count: *w.Count}
	if w.AverageStars != nil {
		r.AverageStars = *w.AverageStars
	}
	return nil
}

// List returns all of the vendor's apps, every page. It reads the v2
// catalog when a vendor id is known and the v3 product listing otherwise;
// the latter embeds neither distribution nor reviews. The Response is that
// of the last page.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-addons/#api-addons-vendor-vendorid-get
func (s *AppsService) List(ctx context.Context) ([]App, *Response, error) {
	c := s.client
	q := query{}
	q.page(0)
	var (
		u       *url.URL
		newPage func() pager[App]
	)
	if c.vendorID > 0 {
		u = joinURL(c.catalogBase, q.values(), "rest", "2", "addons", "vendor", strconv.FormatInt(c.vendorID, 10))
		newPage = func() pager[App] { return &addonPage{} }
	} else {
		id, err := c.DeveloperID(ctx)
		if err != nil {
			return nil, nil, err
		}
		u = joinURL(c.v3Base, q.values(), "rest", "3", "product-listing", "developer-space", id)
		newPage = func() pager[App] { return &productListingPage{} }
	}
	var (
		apps []App
		last *Response
	)
	err := walk(ctx, c, "apps", u, newPage, func(rows []App, resp *Response) bool {
		apps, last = append(apps, rows...), resp
		return true
	})
	if err != nil {
		return nil, last, err
	}
	return apps, last, nil
}

// Get returns one app with its embedded distribution and reviews.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-addons/#api-addons-addonkey-get
func (s *AppsService) Get(ctx context.Context, addonKey string) (*App, *Response, error) {
	if addonKey == "" {
		return nil, nil, errors.New("marketplace: app key must not be empty")
	}
	u := joinURL(s.client.catalogBase, nil, "rest", "2", "addons", addonKey)
	w, resp, err := getJSON[addonWire](ctx, s.client, "app", u)
	if err != nil {
		return nil, resp, err
	}
	app := w.app()
	return &app, resp, nil
}

// Distribution returns an app's download and install totals.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-addons/#api-addons-addonkey-distribution-get
func (s *AppsService) Distribution(ctx context.Context, addonKey string) (*Distribution, *Response, error) {
	if addonKey == "" {
		return nil, nil, errors.New("marketplace: app key must not be empty")
	}
	u := joinURL(s.client.catalogBase, nil, "rest", "2", "addons", addonKey, "distribution")
	return getJSON[Distribution](ctx, s.client, "app_distribution", u)
}

// addonWire is an Addon or AddonSummary of the v2 catalog.
type addonWire struct {
	Key      string `json:"key"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	Embedded struct {
		Distribution *Distribution  `json:"distribution"`
		Reviews      *ReviewSummary `json:"reviews"`
	} `json:"_embedded"`
}

func (w addonWire) app() App {
	return App{Key: w.Key, Name: w.Name, Status: w.Status, Distribution: w.Embedded.Distribution, Reviews: w.Embedded.Reviews}
}

// addonPage is the wire form of AddonCollection, whose next link, unlike
// those of reporting collections, is an array.
type addonPage struct {
	Links struct {
		Next link `json:"next"`
	} `json:"_links"`
	Embedded struct {
		Addons []addonWire `json:"addons"`
	} `json:"_embedded"`
}

func (p *addonPage) rows() []App     { return convert(p.Embedded.Addons, addonWire.app) }
func (p *addonPage) next() string    { return p.Links.Next.Href }
func (p *addonPage) totalCount() int { return -1 }

// productListingPage is the wire form of the v3 product listing, which
// pages by cursor. Its shape is not in the reference; this accepts what a
// live v3 client reads ({"items": [{appKey, appName, state}], "links":
// {"next": "<href>"}}), which the simulator serves, and the HAL form the
// simulator used to guess ({"products": [{appKey, name}], "_links": {"next":
// {"href"}}, "totalCount"}).
type productListingPage struct {
	Items    []productWire `json:"items"`
	Products []productWire `json:"products"`
	Links    struct {
		Next link `json:"next"`
	} `json:"links"`
	HALLinks struct {
		Next link `json:"next"`
	} `json:"_links"`
	TotalCount *int `json:"totalCount"`
}

type productWire struct {
	ProductID string `json:"productId"`
	AppKey    string `json:"appKey"`
	AppName   string `json:"appName"`
	Name      string `json:"name"`
	State     string `json:"state"`
}

func (w productWire) app() App {
	return App{Key: w.AppKey, Name: cmp.Or(w.AppName, w.Name), Status: w.State, ProductID: w.ProductID}
}

func (p *productListingPage) rows() []App {
	return convert(orSlice(p.Items, p.Products), productWire.app)
}

func (p *productListingPage) next() string { return cmp.Or(p.Links.Next.Href, p.HALLinks.Next.Href) }

func (p *productListingPage) totalCount() int {
	if p.TotalCount == nil {
		return -1
	}
	return *p.TotalCount
}
