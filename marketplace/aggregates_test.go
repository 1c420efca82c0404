package marketplace

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestEvaluationsAggregate(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/evaluations/hosting", serve(t, "GET", url.Values{
		"aggregation": {"week"},
		"startDate":   {"2026-03-01"},
		"endDate":     {"2026-03-21"},
		"groupBy":     {"evaluationType", "other"},
	}, "fixtures/evaluations-by-hosting.json"))
	got, resp, err := ts.client.Evaluations.Aggregate(context.Background(), EvaluationsByHosting, &AggregateOptions{
		Aggregation: AggregationWeek,
		StartDate:   NewDate(2026, 3, 1),
		EndDate:     NewDate(2026, 3, 21),
		GroupBy:     []string{"evaluationType", "other"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || resp.NextURL != "" || resp.TotalCount != -1 {
		t.Errorf("Response = %+v", resp)
	}
	hosting := func(name, addonKey string, cloud, dc, server []int64) AggregateGroup {
		return AggregateGroup{AddonKey: addonKey, Name: name, Series: []Series{
			{Name: "Cloud", Elements: weekly("2026-03-01", cloud...)},
			{Name: "Data Center", Elements: weekly("2026-03-01", dc...)},
			{Name: "Server", Elements: weekly("2026-03-01", server...)},
		}}
	}
	equal(t, got, &Aggregate{
		Total: hosting("All apps", "", []int64{17, 21, 14}, []int64{4, 2, 5}, []int64{0, 0, 0}),
		Addons: []AggregateGroup{
			hosting("Alpha for Jira", "com.example.alpha", []int64{12, 15, 9}, []int64{3, 1, 4}, []int64{0, 0, 0}),
			hosting("Beta for Confluence", "com.example.beta", []int64{5, 6, 5}, []int64{1, 1, 1}, []int64{0, 0, 0}),
		},
	})
}

func TestEvaluationsGroupedByEvaluationType(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/evaluations/region", serve(t, "GET", url.Values{"groupBy": {"evaluationType"}}, "evaluations-by-region-grouped.json"))
	got, _, err := ts.client.Evaluations.Aggregate(context.Background(), EvaluationsByRegion, &AggregateOptions{GroupBy: []string{"evaluationType"}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got.Total.Series, []Series{
		{Name: "EMEA", EvaluationType: "Net new evaluation", Elements: weekly("2026-03-01", 4)},
		{Name: "EMEA", EvaluationType: "Upgrade evaluation", Elements: weekly("2026-03-01", 1)},
	})
	if got.Addons != nil {
		t.Errorf("Addons = %+v, want nil for a null addons", got.Addons)
	}
}

func TestSalesAggregate(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/sales/transactions/tier", serve(t, "GET", url.Values{
		"aggregation": {"month"},
		"startDate":   {"2026-01-01"},
		"endDate":     {"2026-02-28"},
	}, "fixtures/sales-by-tier.json"))
	got, _, err := ts.client.Sales.Aggregate(context.Background(), SalesByTier, &AggregateOptions{
		Aggregation: AggregationMonth,
		StartDate:   NewDate(2026, 1, 1),
		EndDate:     NewDate(2026, 2, 28),
	})
	if err != nil {
		t.Fatal(err)
	}
	// el is a monthly sales element: count, netCount, revenue.
	el := func(d string, count, net int64, revenue float64) Element {
		return Element{Date: date(d), Count: count, NetCount: ptr(net), Revenue: ptr(revenue)}
	}
	equal(t, got, &Aggregate{
		Total: AggregateGroup{Name: "All apps", Series: []Series{
			{Name: "10 Users", Elements: []Element{el("2026-01-01", 9, 8, 420), el("2026-02-01", 11, 11, 515)}},
			{Name: "25 Users", Elements: []Element{el("2026-01-01", 4, 4, 610), el("2026-02-01", 6, 5, 880)}},
			{Name: "500 Users", Elements: []Element{el("2026-01-01", 1, 1, 3391.5), el("2026-02-01", 0, 0, 0)}},
		}},
		Addons: []AggregateGroup{
			{AddonKey: "com.example.alpha", Name: "Alpha for Jira", Series: []Series{
				{Name: "10 Users", Elements: []Element{el("2026-01-01", 6, 5, 280), el("2026-02-01", 8, 8, 375)}},
				{Name: "25 Users", Elements: []Element{el("2026-01-01", 4, 4, 610), el("2026-02-01", 6, 5, 880)}},
			}},
			{AddonKey: "com.example.beta", Name: "Beta for Confluence", Series: []Series{
				{Name: "10 Users", Elements: []Element{el("2026-01-01", 3, 3, 140), el("2026-02-01", 3, 3, 140)}},
				{Name: "500 Users", Elements: []Element{el("2026-01-01", 1, 1, 3391.5), el("2026-02-01", 0, 0, 0)}},
			}},
		},
	})
}

func TestSalesAggregateNullsAndMissingFields(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/sales/transactions/type", serve(t, "GET", nil, "sales-by-type-nulls.json"))
	got, _, err := ts.client.Sales.Aggregate(context.Background(), SalesByType, nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, &Aggregate{
		Total: AggregateGroup{Name: "All apps", Series: []Series{{Name: "New", Elements: []Element{
			{Date: date("2026-03-01"), Count: 3, NetCount: ptr(int64(3)), Revenue: ptr(99.5)},
			{Date: date("2026-03-08"), Count: 0},
			{Date: date("2026-03-15"), Count: 2, NetCount: ptr(int64(-1))},
		}}}},
		Addons: []AggregateGroup{{AddonKey: "com.example.alpha", Name: "Alpha for Jira"}},
	})
}

func TestFeedbackMetrics(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/feedback/metrics/reason", serve(t, "GET", url.Values{"aggregation": {"month"}}, "fixtures/feedback-metrics-by-reason.json"))
	got, _, err := ts.client.Feedback.Metrics(context.Background(), FeedbackByReason, &AggregateOptions{Aggregation: AggregationMonth})
	if err != nil {
		t.Fatal(err)
	}
	reasons := func(name, key string, bugs, usefulness, other []int64) AggregateGroup {
		return AggregateGroup{AddonKey: key, Name: name, Series: []Series{
			{Name: "bugs", Elements: monthly("2026-01-01", bugs...)},
			{Name: "usefulness", Elements: monthly("2026-01-01", usefulness...)},
			{Name: "other", Elements: monthly("2026-01-01", other...)},
		}}
	}
	equal(t, got, &Aggregate{
		Total: reasons("All apps", "", []int64{3, 2}, []int64{7, 9}, []int64{4, 1}),
		Addons: []AggregateGroup{
			reasons("Alpha for Jira", "com.example.alpha", []int64{2, 1}, []int64{5, 6}, []int64{3, 1}),
			reasons("Beta for Confluence", "com.example.beta", []int64{1, 1}, []int64{2, 3}, []int64{1, 0}),
		},
	})
}

func TestAggregateEndpointsAndPaths(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		path, endpoint string
		call           func(*Client) error
	}{
		{"/evaluations/country", "evaluations_country", func(c *Client) error {
			_, _, err := c.Evaluations.Aggregate(ctx, EvaluationsByCountry, nil)
			return err
		}},
		{"/evaluations/partner", "evaluations_partner", func(c *Client) error {
			_, _, err := c.Evaluations.Aggregate(ctx, EvaluationsByPartner, nil)
			return err
		}},
		{"/sales/transactions/hosting", "sales_hosting", func(c *Client) error {
			_, _, err := c.Sales.Aggregate(ctx, SalesByHosting, nil)
			return err
		}},
		{"/sales/transactions/region", "sales_region", func(c *Client) error {
			_, _, err := c.Sales.Aggregate(ctx, SalesByRegion, nil)
			return err
		}},
		{"/sales/transactions/country", "sales_country", func(c *Client) error {
			_, _, err := c.Sales.Aggregate(ctx, SalesByCountry, nil)
			return err
		}},
		{"/sales/transactions/partner", "sales_partner", func(c *Client) error {
			_, _, err := c.Sales.Aggregate(ctx, SalesByPartner, nil)
			return err
		}},
		{"/feedback/metrics/type", "feedback_type", func(c *Client) error {
			_, _, err := c.Feedback.Metrics(ctx, FeedbackByType, nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			ts := setup(t)
			ts.handle("GET "+v2Root+tt.path, ok)
			if err := tt.call(ts.client); err != nil {
				t.Fatal(err)
			}
			if h := ts.hookCalls(); len(h) != 1 || h[0].Endpoint != tt.endpoint {
				t.Errorf("hooks = %+v, want endpoint %s", h, tt.endpoint)
			}
		})
	}
}

func TestUnknownMetricsAreRejected(t *testing.T) {
	ts := setup(t)
	ctx := context.Background()
	var errs []error
	_, _, err := ts.client.Evaluations.Aggregate(ctx, "tier", nil)
	errs = append(errs, err)
	_, _, err = ts.client.Sales.Aggregate(ctx, "evaluationType", nil)
	errs = append(errs, err)
	_, _, err = ts.client.Feedback.Metrics(ctx, "../licenses", nil)
	errs = append(errs, err)
	_, _, err = ts.client.CloudMetrics.Get(ctx, "downgrade", nil)
	errs = append(errs, err)
	_, _, err = ts.client.CloudMetrics.Details(ctx, "downgrade", nil)
	errs = append(errs, err)
	_, err = collect(ts.client.CloudMetrics.AllDetails(ctx, "downgrade", nil))
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "unknown") {
			t.Errorf("call %d: error = %v, want an unknown-metric error", i, err)
		}
	}
	if h := ts.hookCalls(); len(h) != 0 {
		t.Errorf("requests were sent: %+v", h)
	}
}
