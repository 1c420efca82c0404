package collector

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

func init() {
	registerCollector("apps", "the vendor's apps with downloads, installs, users and reviews", true, 3*time.Hour,
		func(d deps) source {
			return &appsCollector{api: d.client.Apps, addons: d.addons}
		})
}

// appsAPI is the part of the client the apps collector uses.
type appsAPI interface {
	List(ctx context.Context) ([]marketplace.App, *marketplace.Response, error)
	Distribution(ctx context.Context, addonKey string) (*marketplace.Distribution, *marketplace.Response, error)
}

var (
	appInfo = newGauge("app", "info",
		"The vendor's apps, value 1, with the app's name as a label to join on. "+cachedNote("apps"),
		labelAddonKey, "name")
	appDownloads = newGauge("app", "downloads",
		"Downloads of the app from the Marketplace, all time. "+cachedNote("apps"),
		labelAddonKey)
	appInstalls = newGauge("app", "installs",
		"Active installations of the app as of the last full week, as the Marketplace's distribution summary reports it. "+cachedNote("apps"),
		labelAddonKey)
	appUsers = newGauge("app", "users",
		"Users of the app's active installations as of the last full week, as the Marketplace's distribution summary reports it. "+cachedNote("apps"),
		labelAddonKey)
	appReviews = newGauge("app", "reviews",
		"Reviews of the app on the Marketplace. "+cachedNote("apps"),
		labelAddonKey)
	appRating = newGauge("app", "rating_stars",
		"Average review rating of the app in stars (1-5); absent while the app has no reviews. "+cachedNote("apps"),
		labelAddonKey)
)

type appsCollector struct {
	api    appsAPI
	addons addonFilter
}

func (c *appsCollector) families() []*Family {
	return []*Family{appInfo, appDownloads, appInstalls, appUsers, appReviews, appRating}
}

// samples lists the apps with their embedded distribution and reviews, and asks for the
// distribution of each app the list came without (the v3 product listing has none).
func (c *appsCollector) samples(ctx context.Context, _ time.Time) ([]Sample, error) {
	apps, _, err := c.api.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	var (
		mu    sync.Mutex
		dists = map[string]*marketplace.Distribution{}
	)
	g, gctx := errgroup.WithContext(ctx)
	for _, a := range apps {
		if a.Distribution != nil || !c.addons.keep(a.Key) {
			continue
		}
		g.Go(func() error {
			d, _, err := c.api.Distribution(gctx, a.Key)
			if err != nil {
				return fmt.Errorf("distribution of %s: %w", a.Key, err)
			}
			mu.Lock()
			dists[a.Key] = d
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return appSamples(apps, dists, c.addons), nil
}

// appSamples turns the app list, plus the distributions fetched for apps the list had none
// for, into samples. Install and user counts the API leaves out stay absent rather than zero.
func appSamples(apps []marketplace.App, dists map[string]*marketplace.Distribution, keep addonFilter) []Sample {
	var set sampleSet
	seen := map[string]bool{}
	for _, a := range apps {
		// A key listed twice (pages that overlap while the catalog changes) must not count
		// its downloads twice.
		if !keep.keep(a.Key) || seen[a.Key] {
			continue
		}
		seen[a.Key] = true
		set.add(appInfo, 1, a.Key, strings.TrimSpace(a.Name))
		d := a.Distribution
		if d == nil {
			d = dists[a.Key]
		}
		if d != nil {
			set.add(appDownloads, float64(d.Downloads), a.Key)
			addOptionalInt(&set, appInstalls, d.TotalInstalls, a.Key)
			addOptionalInt(&set, appUsers, d.TotalUsers, a.Key)
		}
		if r := a.Reviews; r != nil {
			set.add(appReviews, float64(r.Count), a.Key)
			// An average of no reviews is not a rating of zero stars: an alert on a low
			// rating must not fire for a new app.
			if r.Count > 0 {
				set.add(appRating, r.AverageStars, a.Key)
			}
		}
	}
	return set.samples()
}
