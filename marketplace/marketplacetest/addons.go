package marketplacetest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AppDistribution is an app's distribution summary on a day.
type AppDistribution struct {
	Downloads, TotalInstalls, TotalUsers int64
}

// DistributionAt returns each app's distribution summary on day at, in the
// order of Apps: installs are the licenses active that day, users their
// tiers' users, and downloads a seeded base plus four per Server or Data
// Center license started by then.
func (d *Dataset) DistributionAt(at time.Time) []AppDistribution {
	out := make([]AppDistribution, len(d.Apps))
	at = dayOf(at).time() // statuses change at midnight UTC
	for i := range d.Licenses {
		l := &d.Licenses[i]
		if l.Start.After(at) {
			break
		}
		v := &out[d.appIndex[l.AddonKey]]
		if l.Hosting != HostingCloud {
			v.Downloads += 4
		}
		if l.StatusAt(at) == StatusActive {
			v.TotalInstalls++
			v.TotalUsers += int64(l.TierAt(at).Users)
		}
	}
	for a := range out {
		out[a].Downloads += 1000 + int64(a)*37%900
	}
	return out
}

// distribution sets the Apps' distribution summaries as of today.
func (d *Dataset) distribution(today day) {
	for a, v := range d.DistributionAt(today.time()) {
		d.Apps[a].AppDistribution = v
	}
}

// distributionCache holds the distribution summaries of one Dataset on one
// day: computing them scans every license.
type distributionCache struct {
	mu   sync.Mutex
	ds   *Dataset
	day  day
	apps []AppDistribution
}

// app returns app i with its distribution summary as of the call's today.
func (c *call) app(i int) App {
	dc := &c.s.dist
	dc.mu.Lock()
	if dc.ds != c.ds || dc.day != c.today {
		dc.ds, dc.day, dc.apps = c.ds, c.today, c.ds.DistributionAt(c.today.time())
	}
	app := c.ds.Apps[i]
	app.AppDistribution = dc.apps[i]
	dc.mu.Unlock()
	return app
}

type distributionJSON struct {
	Bundled       bool  `json:"bundled"`
	BundledCloud  bool  `json:"bundledCloud"`
	Downloads     int64 `json:"downloads"`
	TotalInstalls int64 `json:"totalInstalls"`
	TotalUsers    int64 `json:"totalUsers"`
}

type reviewsJSON struct {
	AverageStars float64 `json:"averageStars"`
	Count        int64   `json:"count"`
}

type addonEmbedded struct {
	Distribution distributionJSON `json:"distribution"`
	Reviews      reviewsJSON      `json:"reviews"`
}

// addonJSON is an AddonSummary, and the subset of Addon the simulator
// serves.
type addonJSON struct {
	Links    map[string]link `json:"_links"`
	Embedded addonEmbedded   `json:"_embedded"`
	Name     string          `json:"name"`
	Key      string          `json:"key"`
	Status   string          `json:"status"`
	Summary  string          `json:"summary"`
	TagLine  string          `json:"tagLine"`
}

type addonCollectionLinks struct {
	Self link   `json:"self"`
	Next []link `json:"next,omitempty"`
	Prev []link `json:"prev,omitempty"`
}

type addonCollection struct {
	Links    addonCollectionLinks `json:"_links"`
	Embedded struct {
		Addons []addonJSON `json:"addons"`
	} `json:"_embedded"`
	Count int `json:"count"`
}

func distributionOf(app *App) any {
	return distributionJSON{Downloads: app.Downloads, TotalInstalls: app.TotalInstalls, TotalUsers: app.TotalUsers}
}

func addonOf(app *App) any { return addonSummary(app) }

func addonSummary(app *App) addonJSON {
	return addonJSON{
		Links: map[string]link{
			"self":         {Href: "/rest/2/addons/" + app.Key},
			"distribution": {Href: "/rest/2/addons/" + app.Key + "/distribution"},
		},
		Embedded: addonEmbedded{
			Distribution: distributionJSON{Downloads: app.Downloads, TotalInstalls: app.TotalInstalls, TotalUsers: app.TotalUsers},
			Reviews:      reviewsJSON{AverageStars: app.AverageStars, Count: app.ReviewCount},
		},
		Name: app.Name, Key: app.Key, Status: "public",
		Summary: app.Name + " helps teams get more out of " + app.ParentProduct + ".",
		TagLine: "A synthetic app of the Marketplace simulator",
	}
}

// appEndpoint serves a body about the app whose key is the path value
// named key.
func appEndpoint(key string, body func(*App) any) handler {
	return func(c *call) error {
		k := c.r.PathValue(key)
		i, ok := c.ds.appIndex[k]
		if !ok {
			return notFound("App %s not found", k)
		}
		app := c.app(i)
		writeJSON(c.w, http.StatusOK, body(&app))
		return nil
	}
}

// apps serves the vendor's app list: an AddonCollection, whose next and
// prev links, unlike the reporting lists', are arrays.
func (s *Simulator) apps(c *call) error {
	if v := c.r.PathValue("second"); v != strconv.FormatInt(s.opts.VendorID, 10) {
		return notFound("Vendor %s not found", v)
	}
	lo, hi, next, prev, err := c.page(len(c.ds.Apps))
	if err != nil {
		return err
	}
	var body addonCollection
	body.Links.Self = c.self()
	if next != nil {
		body.Links.Next = []link{*next}
	}
	if prev != nil {
		body.Links.Prev = []link{*prev}
	}
	body.Embedded.Addons = []addonJSON{}
	for i := lo; i < hi; i++ {
		app := c.app(i)
		body.Embedded.Addons = append(body.Embedded.Addons, addonSummary(&app))
	}
	body.Count = len(c.ds.Apps)
	writeJSON(c.w, http.StatusOK, body)
	return nil
}

// productJSON is a v3 product listing entry, in the shape a client of the
// live API reads.
type productJSON struct {
	ProductID      string `json:"productId"`
	AppKey         string `json:"appKey"`
	AppName        string `json:"appName"`
	State          string `json:"state"`
	ApprovalStatus string `json:"approvalStatus"`
	Slug           string `json:"slug"`
}

// productListing is a page of the v3 product listing: plain href strings
// under links, not HAL links.
type productListing struct {
	Items []productJSON `json:"items"`
	Links struct {
		Self string `json:"self"`
		Next string `json:"next,omitempty"`
	} `json:"links"`
}

// productListing serves the v3 product listing, cursor-paged: the next
// link carries an opaque cursor.
func (s *Simulator) productListing(c *call) error {
	offset := 0
	if cur := c.q.Get("cursor"); cur != "" {
		var err error
		if offset, err = decodeCursor(cur); err != nil {
			return err
		}
	}
	limit, err := c.integer("limit", defaultLimit)
	if err != nil {
		return err
	}
	if limit == 0 {
		return badRequest("limit: must be at least 1")
	}
	limit = min(limit, maxLimit)
	apps := c.ds.Apps
	lo, hi := min(offset, len(apps)), min(offset+limit, len(apps))
	var body productListing
	body.Links.Self = c.self().Href
	body.Items = []productJSON{}
	for i := lo; i < hi; i++ {
		a := &apps[i]
		body.Items = append(body.Items, productJSON{
			ProductID: a.ProductID, AppKey: a.Key, AppName: a.Name,
			State: "PUBLIC", ApprovalStatus: "APPROVED", Slug: slug(a.Name),
		})
	}
	if hi < len(apps) {
		body.Links.Next = c.withQuery(map[string]string{"cursor": encodeCursor(hi), "limit": strconv.Itoa(limit)})
	}
	writeJSON(c.w, http.StatusOK, body)
	return nil
}

// slug turns an app name into its listing slug: lower case, words joined
// by hyphens.
func slug(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), "-")
}

// developerSpace serves GET /rest/3/developer-space/vendor/{vendorId}.
func (s *Simulator) developerSpace(c *call) error {
	writeJSON(c.w, http.StatusOK, map[string]string{"developerId": s.opts.DeveloperID})
	return nil
}
