package marketplacetest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// makeApps returns the vendor's apps. Each app depends only on the seed and
// its position, so adding apps never changes the earlier ones. The first
// three cover both parent products and every hosting, so the default vendor
// exercises every series.
func makeApps(seed int64, n int) []App {
	apps := make([]App, n)
	for a := range apps {
		r := newRand(seed, purposeApp, uint64(a))
		word := appWords[a%len(appWords)]
		key := "com.example." + strings.ToLower(word)
		if a >= len(appWords) {
			key += strconv.Itoa(a/len(appWords) + 1)
		}
		app := App{Key: key, ProductID: uuid(seed, purposeApp, uint64(a))}
		switch a {
		case 0:
			app.ParentProduct, app.Hostings = ProductJira, []string{HostingCloud, HostingDataCenter, HostingServer}
		case 1:
			app.ParentProduct, app.Hostings = ProductConfluence, []string{HostingCloud, HostingDataCenter}
		case 2:
			app.ParentProduct, app.Hostings = ProductJira, []string{HostingCloud}
		default:
			app.ParentProduct = one(r, []string{ProductJira, ProductConfluence})
			for _, h := range []weighted[string]{{HostingCloud, 0.9}, {HostingDataCenter, 0.6}, {HostingServer, 0.3}} {
				if chance(r, h.w) {
					app.Hostings = append(app.Hostings, h.v)
				}
			}
			if len(app.Hostings) == 0 {
				app.Hostings = []string{HostingCloud}
			}
		}
		app.Name = fmt.Sprintf("%s %s for %s", word, one(r, appSuffixes), app.ParentProduct)
		if a >= len(appWords) {
			app.Name = fmt.Sprintf("%s %d %s", word, a/len(appWords)+1, strings.TrimPrefix(app.Name, word+" "))
		}
		app.Version = fmt.Sprintf("%d.%d.%d", 1+r.IntN(6), r.IntN(20), r.IntN(10))
		app.ReviewCount = int64(3 + r.IntN(300))
		app.AverageStars = math.Round((2.8+2.2*r.Float64())*100) / 100
		base := 0.6 + r.Float64()
		for _, t := range tiers {
			u := float64(t.users)
			app.cloudMonthly = append(app.cloudMonthly, int64(math.Round(base*math.Pow(u, 0.75)*100)))
			app.dcAnnual = append(app.dcAnnual, int64(math.Round(base*45*math.Pow(u, 0.6)*100)))
		}
		apps[a] = app
	}
	return apps
}
