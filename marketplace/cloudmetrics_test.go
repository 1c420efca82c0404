package marketplace

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

func TestCloudChurn(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/sales/metrics/churn", serve(t, "GET", url.Values{
		"aggregation": {"week"}, "startDate": {"2026-03-01"}, "endDate": {"2026-03-21"},
	}, "fixtures/churn-metrics.json"))
	got, _, err := ts.client.CloudMetrics.Get(context.Background(), CloudChurn, &AggregateOptions{
		Aggregation: AggregationWeek, StartDate: NewDate(2026, 3, 1), EndDate: NewDate(2026, 3, 21),
	})
	if err != nil {
		t.Fatal(err)
	}
	churn := func(customers, cancellations int64, c, x []int64) []Series {
		return []Series{
			{Name: "Customers", UniqueTotal: ptr(customers), Elements: weekly("2026-03-01", c...)},
			{Name: "Cancellations", UniqueTotal: ptr(cancellations), Elements: weekly("2026-03-01", x...)},
		}
	}
	equal(t, got, &CalculatedMetric{
		Total: CalculatedGroup{Name: "All apps", Datasets: []Dataset{
			{Name: "Monthly", Series: churn(139, 9, []int64{48, 51, 50}, []int64{3, 4, 2})},
			{Name: "Annual", Series: churn(15, 2, []int64{6, 5, 6}, []int64{1, 0, 1})},
		}},
		Addons: []CalculatedGroup{
			{AddonKey: "com.example.alpha", Name: "Alpha for Jira", Datasets: []Dataset{
				{Name: "Monthly", Series: churn(98, 6, []int64{34, 36, 35}, []int64{2, 3, 1})},
				{Name: "Annual", Series: churn(10, 1, []int64{4, 3, 4}, []int64{1, 0, 0})},
			}},
			{AddonKey: "com.example.beta", Name: "Beta for Confluence", Datasets: []Dataset{
				{Name: "Monthly", Series: churn(41, 3, []int64{14, 15, 15}, []int64{1, 1, 1})},
				{Name: "Annual", Series: churn(5, 1, []int64{2, 2, 2}, []int64{0, 0, 1})},
			}},
		},
	})
}

func TestCloudConversionHasOneUnnamedDataset(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/sales/metrics/conversion", serve(t, "GET", nil, "fixtures/conversion-metrics.json"))
	got, _, err := ts.client.CloudMetrics.Get(context.Background(), CloudConversion, nil)
	if err != nil {
		t.Fatal(err)
	}
	conv := func(name, key string, evals, convs []int64) CalculatedGroup {
		return CalculatedGroup{AddonKey: key, Name: name, Datasets: []Dataset{{Series: []Series{
			{Name: "Evaluations", Elements: monthly("2026-01-01", evals...)},
			{Name: "Conversions", Elements: monthly("2026-01-01", convs...)},
		}}}}
	}
	equal(t, got, &CalculatedMetric{
		Total: conv("All apps", "", []int64{64, 58}, []int64{9, 7}),
		Addons: []CalculatedGroup{
			conv("Alpha for Jira", "com.example.alpha", []int64{47, 41}, []int64{7, 5}),
			conv("Beta for Confluence", "com.example.beta", []int64{17, 17}, []int64{2, 2}),
		},
	})
}

func TestCloudRenewal(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/sales/metrics/renewal", serve(t, "GET", nil, "fixtures/renewal-metrics.json"))
	got, _, err := ts.client.CloudMetrics.Get(context.Background(), CloudRenewal, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got.Total.Datasets[0], Dataset{Name: "Monthly", Series: []Series{
		{Name: "Renewal opportunities", Elements: monthly("2026-01-01", 205, 211)},
		{Name: "Renewals", Elements: monthly("2026-01-01", 196, 203)},
	}})
	if len(got.Addons) != 2 || got.Addons[1].Datasets[1].Series[1].Elements[1].Count != 0 || got.Addons[1].Datasets[1].Series[0].UniqueTotal != nil {
		t.Errorf("Addons = %+v", got.Addons)
	}
}

func TestCloudMetricDetailsNestedAndFlat(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), WithDeveloperID(testDevID))
	ts.handle("GET "+v3Root+"/sales/metrics/churn/details", serve(t, "GET", url.Values{
		"addon":       {"com.example.alpha", "com.example.beta"},
		"hosting":     {"cloud"},
		"startDate":   {"2026-03-01"},
		"endDate":     {"2026-03-31"},
		"lastUpdated": {"2026-03-02"},
		"offset":      {"100"},
		"limit":       {"50"},
	}, "churn-details-v3.json"))
	got, resp, err := ts.client.CloudMetrics.Details(context.Background(), CloudChurn, &TransitionOptions{
		Addons:      []string{"com.example.alpha", "com.example.beta"},
		Hostings:    []string{"cloud"},
		StartDate:   NewDate(2026, 3, 1),
		EndDate:     NewDate(2026, 3, 31),
		LastUpdated: NewDate(2026, 3, 2),
		Offset:      100,
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.TotalCount != 102 || resp.NextURL != ts.server.URL+testPrefix+v3Root+"/sales/metrics/churn/details?limit=50&offset=150" {
		t.Errorf("Response = %+v", resp)
	}
	equal(t, got, []LicenseTransition{
		{
			AddonKey: "com.example.alpha", AddonName: "Alpha for Jira", Hosting: "Cloud", AppEdition: "Standard",
			LastUpdated: date("2026-03-16"), EventDate: date("2026-03-15"), TransactionID: "IN-000-111-333", InGracePeriod: "No",
			License: LicenseDetail{
				LicenseID: "E-4AB-CD1-EF2-GH3", AppEntitlementID: "11111111-2222-4333-8444-555555555555",
				AppEntitlementNumber: "E-4AB-CD1-EF2-GH3", CloudID: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
				MaintenanceStartDate: date("2026-02-14"), MaintenanceEndDate: date("2026-03-14"), MonthsValid: ptr(int64(1)),
			},
		},
		{
			AddonKey: "com.example.beta", AddonName: "Beta for Confluence", Hosting: "Cloud",
			LastUpdated: date("2026-03-11"), EventDate: date("2026-03-10"),
			License: LicenseDetail{
				LicenseID: "E-7XY-ZZ1-AB2-CD3", AppEntitlementID: "33333333-2222-4333-8444-555555555555",
				AppEntitlementNumber: "E-7XY-ZZ1-AB2-CD3", CloudID: "cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee",
				MaintenanceStartDate: date("2025-03-10"), MaintenanceEndDate: date("2026-03-09"), MonthsValid: ptr(int64(12)),
			},
		},
	})
	if h := ts.hookCalls(); h[0].Endpoint != "churn_details" {
		t.Errorf("endpoint = %s", h[0].Endpoint)
	}
}

func TestCloudMetricAllDetails(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/sales/metrics/renewal/details", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, "GET", url.Values{"limit": {"50"}})
		w.Write([]byte(`{"_links": {}, "events": [{"addonKey": "a", "licenseDetails": {"licenseId": "L1"}}]}`))
	})
	got, err := collect(ts.client.CloudMetrics.AllDetails(context.Background(), CloudRenewal, nil))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, []LicenseTransition{{AddonKey: "a", License: LicenseDetail{LicenseID: "L1"}}})
}
