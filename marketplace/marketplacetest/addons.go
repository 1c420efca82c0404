package marketplacetest

import (
	"net/http"
	"strconv"
)

// distribution fills in each app's distribution summary as of day today:
// installs are the licenses active then, users their tiers' users, and
// downloads a seeded base plus four per Server or Data Center license ever.
func (d *Dataset) distribution(today day) {
	for i := range d.Licenses {
		l := &d.Licenses[i]
		if dayOf(l.Start) > today {
			break
		}
		app := &d.Apps[d.appIndex[l.AddonKey]]
		if l.Hosting != HostingCloud {
			app.Downloads += 4
		}
		if l.StatusAt(today.time()) == StatusActive {
			app.TotalInstalls++
			app.TotalUsers += int64(l.TierAt(today.time()).Users)
		}
	}
	for a := range d.Apps {
		d.Apps[a].Downloads += 1000 + int64(a)*37%900
	}
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
		app, ok := c.ds.App(k)
		if !ok {
			return notFound("App %s not found", k)
		}
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
		body.Embedded.Addons = append(body.Embedded.Addons, addonSummary(&c.ds.Apps[i]))
	}
	body.Count = len(c.ds.Apps)
	writeJSON(c.w, http.StatusOK, body)
	return nil
}

// productJSON is a v3 product listing entry. Its shape is a guess.
type productJSON struct {
	ProductID     string   `json:"productId"`
	AppKey        string   `json:"appKey"`
	Name          string   `json:"name"`
	ParentProduct string   `json:"parentProduct"`
	Hostings      []string `json:"hosting"`
}

type productListing struct {
	Links struct {
		Self link  `json:"self"`
		Next *link `json:"next,omitempty"`
	} `json:"_links"`
	Products   []productJSON `json:"products"`
	NextCursor string        `json:"nextCursor,omitempty"`
	TotalCount int           `json:"totalCount"`
}

// productListing serves the v3 product listing, cursor-paged.
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
	body.Links.Self = c.self()
	body.Products = []productJSON{}
	for i := lo; i < hi; i++ {
		a := &apps[i]
		hs := make([]string, len(a.Hostings))
		for j, h := range a.Hostings {
			hs[j] = hostingFilter(h)
		}
		body.Products = append(body.Products, productJSON{ProductID: a.ProductID, AppKey: a.Key, Name: a.Name, ParentProduct: a.ParentProduct, Hostings: hs})
	}
	if hi < len(apps) {
		body.NextCursor = encodeCursor(hi)
		body.Links.Next = &link{Href: c.withQuery(map[string]string{"cursor": body.NextCursor, "limit": strconv.Itoa(limit)})}
	}
	body.TotalCount = len(apps)
	writeJSON(c.w, http.StatusOK, body)
	return nil
}

// hostingFilter returns the lower-case query value of a hosting.
func hostingFilter(display string) string {
	for k, v := range hostingFilters {
		if v == display {
			return k
		}
	}
	return display
}

// developerSpace serves GET /rest/3/developer-space/vendor/{vendorId}.
func (s *Simulator) developerSpace(c *call) error {
	writeJSON(c.w, http.StatusOK, map[string]string{"developerId": s.opts.DeveloperID})
	return nil
}
