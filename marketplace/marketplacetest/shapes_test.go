package marketplacetest

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestVersionShapes pins where v2 and v3 bodies differ, so that a client
// must decode both.
func TestVersionShapes(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	type object = map[string]json.RawMessage
	field := func(raw json.RawMessage, path ...string) json.RawMessage {
		t.Helper()
		for _, k := range path {
			var o object
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatalf("%s: not an object: %.100s", k, raw)
			}
			raw = o[k]
		}
		return raw
	}
	get := func(path string) json.RawMessage {
		var raw json.RawMessage
		getJSON(t, s, path, &raw)
		return raw
	}

	t.Run("link templates", func(t *testing.T) {
		var tmpl struct {
			Template, Href string
			Templated      bool
		}
		json.Unmarshal(field(get(v2(s)), "_links", "licenses"), &tmpl)
		if !strings.HasPrefix(tmpl.Template, "/rest/2/vendors/12345/reporting/licenses{?") || tmpl.Href != "" || tmpl.Templated {
			t.Errorf("v2 template: %+v", tmpl)
		}
		json.Unmarshal(field(get(v3(s)), "_links", "licenses"), &tmpl)
		if !strings.HasPrefix(tmpl.Href, v3(s)+"/licenses{?") || !tmpl.Templated {
			t.Errorf("v3 template: %+v", tmpl)
		}
		if field(get(v3(s)), "_links", "cloudEvaluationBenchmark") == nil || field(get(v2(s)), "_links", "cloudEvaluationBenchmark") != nil {
			t.Error("benchmark links belong to v3 only")
		}
	})

	t.Run("license transitions", func(t *testing.T) {
		var v2Body, v3Body struct{ Events []map[string]any }
		getJSON(t, s, v2(s)+"/sales/metrics/renewal/details?limit=3", &v2Body)
		getJSON(t, s, v3(s)+"/sales/metrics/renewal/details?limit=3", &v3Body)
		if len(v2Body.Events) != 3 || len(v3Body.Events) != 3 {
			t.Fatalf("%d and %d events", len(v2Body.Events), len(v3Body.Events))
		}
		nested, ok := v2Body.Events[0]["licenseDetails"].(map[string]any)
		if !ok || nested["licenseId"] == nil || v2Body.Events[0]["licenseId"] != nil {
			t.Errorf("v2 event not nested: %v", v2Body.Events[0])
		}
		ld, present := v3Body.Events[0]["licenseDetails"]
		if !present || ld != nil || v3Body.Events[0]["licenseId"] != nested["licenseId"] {
			t.Errorf("v3 event not flat with licenseDetails null: %v", v3Body.Events[0])
		}
	})

	t.Run("evaluation benchmark", func(t *testing.T) {
		b2, b3 := get(v2(s)+"/benchmark/evaluations"), get(v3(s)+"/benchmark/evaluations")
		var apps2, apps3 []map[string]json.RawMessage
		json.Unmarshal(field(b2, "addons"), &apps2)
		json.Unmarshal(field(b3, "CloudEvaluationBenchmarkPerApp"), &apps3)
		if len(apps2) == 0 || len(apps3) == 0 {
			t.Fatalf("no apps: %.200s / %.200s", b2, b3)
		}
		var m2, m3 []map[string]any
		json.Unmarshal(apps2[0]["evaluationBenchmarkPerAppPerMonth"], &m2)
		json.Unmarshal(apps3[0]["CloudEvaluationBenchmarkPerAppPerMonth"], &m3)
		if len(m2) == 0 || m2[0]["evaluationCount"] == nil || m2[0]["previousMonthEvaluationCount"] == nil {
			t.Errorf("v2 months: %v", m2)
		}
		if len(m3) == 0 || m3[0]["evaluationCount"] == nil || m3[0]["previousMonthEvaluationCounts"] == nil {
			t.Errorf("v3 months: %v", m3)
		}
		if field(b2, "total", "evaluationBenchmarkPerVendorPerMonth") == nil || field(b3, "totals", "CloudEvaluationBenchmarkPerVendorPerMonth") == nil {
			t.Error("vendor totals missing")
		}
		// The latest month is two or three months back.
		latest := m2[len(m2)-1]["date"].(string)
		if latest != "2026-06-01" {
			t.Errorf("latest benchmark month on %s: %s, want 2026-06-01", testToday.Format(dateLayout), latest)
		}
	})

	t.Run("churn benchmark is an array", func(t *testing.T) {
		for _, base := range []string{v2(s), v3(s)} {
			var body struct{ ChurnBenchmarkPerApp []map[string]any }
			getJSON(t, s, base+"/sales/metrics/churn/benchmark", &body)
			if len(body.ChurnBenchmarkPerApp) == 0 {
				t.Errorf("%s: no churnBenchmarkPerApp entries", base)
			}
		}
	})

	t.Run("customer insights keys", func(t *testing.T) {
		for kind, key := range map[string]string{
			"regions": "regionWiseUserInsightsPerMonth", "editions": "usersEditionDistribution",
			"active-users": "activePaidUsersInsights", "tiers": "usersDistributionPerProduct",
		} {
			if field(get(v2(s)+"/customer-insights/"+kind), key) == nil {
				t.Errorf("v2 %s: no %s", kind, key)
			}
			var months []struct {
				Date         string
				InsightsType []struct {
					Value struct {
						Group             map[string]*string
						UsersDistribution struct{ UsersPercent float64 }
					}
				}
			}
			json.Unmarshal(field(get(v3(s)+"/customer-insights/"+kind), "usersDistributionPerMonth"), &months)
			if len(months) == 0 || months[len(months)-1].Date != "2026-07-01" {
				t.Fatalf("v3 %s: months %v", kind, months)
			}
			perProduct := map[string]float64{}
			for _, it := range months[len(months)-1].InsightsType {
				p := "all"
				if it.Value.Group["product"] != nil {
					p = *it.Value.Group["product"]
				}
				perProduct[p] += it.Value.UsersDistribution.UsersPercent
			}
			for p, sum := range perProduct {
				if sum < 99.9 || sum > 100.1 {
					t.Errorf("%s %s: percentages add up to %.2f", kind, p, sum)
				}
			}
		}
	})

	t.Run("apps", func(t *testing.T) {
		var list struct {
			Links struct {
				Next []struct{ Href string }
			} `json:"_links"`
			Embedded struct {
				Addons []struct {
					Key      string
					Embedded struct {
						Distribution struct{ TotalInstalls int64 }
						Reviews      struct {
							AverageStars float64
							Count        int64
						}
					} `json:"_embedded"`
				}
			} `json:"_embedded"`
			Count int
		}
		getJSON(t, s, "/rest/2/addons/vendor/12345?limit=2", &list)
		if list.Count != 3 || len(list.Embedded.Addons) != 2 || len(list.Links.Next) != 1 {
			t.Fatalf("app list: %+v", list)
		}
		a := list.Embedded.Addons[0]
		app, _ := s.Data().App(a.Key)
		if a.Embedded.Distribution.TotalInstalls != app.TotalInstalls || a.Embedded.Reviews.Count != app.ReviewCount {
			t.Errorf("summary %+v, dataset %+v", a, app)
		}
		var dist struct{ Downloads, TotalInstalls, TotalUsers int64 }
		getJSON(t, s, "/rest/2/addons/"+a.Key+"/distribution", &dist)
		if dist.TotalInstalls != app.TotalInstalls || dist.Downloads != app.Downloads || dist.TotalUsers == 0 {
			t.Errorf("distribution %+v", dist)
		}
		var products []string
		for path := "/rest/3/product-listing/developer-space/" + s.Options().DeveloperID + "?limit=2"; path != ""; {
			// The shape a client of the live API reads: items, and plain
			// href strings under links.
			var page struct {
				Links struct{ Self, Next string }
				Items []struct{ AppKey, AppName, ProductID string }
			}
			getJSON(t, s, path, &page)
			for _, p := range page.Items {
				if app, ok := s.Data().App(p.AppKey); !ok || p.AppName != app.Name || p.ProductID != app.ProductID {
					t.Errorf("product listing item %+v", p)
				}
				products = append(products, p.AppKey)
			}
			if page.Links.Self == "" {
				t.Errorf("%s: no links.self", path)
			}
			path = page.Links.Next
		}
		if len(products) != 3 {
			t.Errorf("product listing pages gave %v", products)
		}
		var space struct{ DeveloperID string }
		getJSON(t, s, "/rest/3/developer-space/vendor/12345", &space)
		if space.DeveloperID != s.Options().DeveloperID {
			t.Errorf("developer space %q", space.DeveloperID)
		}
	})
}
