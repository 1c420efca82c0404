package marketplace

import (
	"context"
	"errors"
	"net/url"
	"testing"
)

func TestInsightsRegionsSpecKey(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/customer-insights/regions", serve(t, "GET", url.Values{
		"startDate": {"2026-01-01"}, "endDate": {"2026-02-28"},
	}, "insights-regions.json"))
	got, _, err := ts.client.Insights.Regions(context.Background(), &InsightsOptions{StartDate: NewDate(2026, 1, 1), EndDate: NewDate(2026, 2, 28)})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, []InsightsMonth{{Date: NewDate(2026, 1, 1), Groups: []InsightsGroup{
		{Region: "emea", UsersCount: 5120, UsersPercent: 41.5, UsersMarketplaceBenchmark: 1.12},
		{Region: "americas", UsersCount: 7210, UsersPercent: 58.5, UsersMarketplaceBenchmark: 0.93},
	}}})
}

func TestInsightsGenericKey(t *testing.T) {
	want := []InsightsMonth{{Date: NewDate(2026, 2, 1), Groups: []InsightsGroup{
		{Edition: "premium", UsersCount: 300, UsersPercent: 25, UsersMarketplaceBenchmark: 1.4},
		{Edition: "standard", UsersCount: 900, UsersPercent: 75, UsersMarketplaceBenchmark: 0.9},
	}}}
	ctx := context.Background()
	for _, tt := range []struct {
		path, endpoint string
		call           func(*InsightsService) ([]InsightsMonth, *Response, error)
	}{
		{"editions", "insights_editions", func(s *InsightsService) ([]InsightsMonth, *Response, error) { return s.Editions(ctx, nil) }},
		{"active-users", "insights_active_users", func(s *InsightsService) ([]InsightsMonth, *Response, error) { return s.ActiveUsers(ctx, nil) }},
		{"regions", "insights_regions", func(s *InsightsService) ([]InsightsMonth, *Response, error) { return s.Regions(ctx, nil) }},
	} {
		t.Run(tt.path, func(t *testing.T) {
			ts := setup(t)
			ts.handle("GET "+v2Root+"/customer-insights/"+tt.path, serve(t, "GET", nil, "insights-generic-key.json"))
			got, _, err := tt.call(ts.client.Insights)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, got, want)
			if h := ts.hookCalls(); h[0].Endpoint != tt.endpoint {
				t.Errorf("endpoint = %s, want %s", h[0].Endpoint, tt.endpoint)
			}
		})
	}
}

func TestInsightsActiveUsersSpecKey(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/customer-insights/active-users", serveJSON(200, `{"activePaidUsersInsights": [{"date": "2026-01-01", "insightsType": [
		{"value": {"group": {"activeUsers": "paid"}, "usersDistribution": {"usersCount": 10, "usersPercent": 100, "usersMarketplaceBenchmark": 1}}}]}]}`))
	got, _, err := ts.client.Insights.ActiveUsers(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, []InsightsMonth{{Date: NewDate(2026, 1, 1), Groups: []InsightsGroup{{ActiveUsers: "paid", UsersCount: 10, UsersPercent: 100, UsersMarketplaceBenchmark: 1}}}})
}

func TestInsightsTiers(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), WithDeveloperID(testDevID))
	ts.handle("GET "+v3Root+"/customer-insights/tiers", serve(t, "GET", url.Values{"product": {"jira"}}, "insights-tiers.json"))
	got, _, err := ts.client.Insights.Tiers(context.Background(), &InsightsOptions{Product: "jira"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, []InsightsMonth{{Date: NewDate(2026, 2, 1), Groups: []InsightsGroup{
		{Product: "Jira", Tier: "Evaluation", UsersCount: 40, UsersPercent: 4, UsersMarketplaceBenchmark: 0.5},
		{Product: "Jira", Tier: "1-10", UsersCount: 960, UsersPercent: 96, UsersMarketplaceBenchmark: 1.02},
	}}})
}

func TestInsightsWrongTypes(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/customer-insights/regions", serveJSON(200, `{"regionWiseUserInsightsPerMonth": [{"date": "2026-01-01", "insightsType": [
		{"value": {"group": {"region": "emea"}, "usersDistribution": {"usersCount": "5120"}}}]}]}`))
	var de *DecodeError
	if _, _, err := ts.client.Insights.Regions(context.Background(), nil); !errors.As(err, &de) || de.Endpoint != "insights_regions" {
		t.Fatalf("error = %v, want a DecodeError", err)
	}
}
