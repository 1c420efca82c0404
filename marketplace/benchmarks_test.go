package marketplace

import (
	"context"
	"errors"
	"net/url"
	"testing"
)

func TestChurnBenchmarkArray(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/sales/metrics/churn/benchmark", serve(t, "GET", url.Values{
		"addon": {"com.example.alpha", "com.example.beta"}, "startDate": {"2025-11-01"}, "endDate": {"2026-01-31"},
	}, "fixtures/churn-benchmark.json"))
	got, _, err := ts.client.Benchmarks.Churn(context.Background(), &BenchmarkOptions{
		Addons:    []string{"com.example.alpha", "com.example.beta"},
		StartDate: NewDate(2025, 11, 1),
		EndDate:   NewDate(2026, 1, 31),
	})
	if err != nil {
		t.Fatal(err)
	}
	month := func(m string, total, churned int64, rate, iso, bench, isoBench float64) ChurnBenchmarkMonth {
		return ChurnBenchmarkMonth{
			Month: date(m), TotalLicenses: ptr(total), ChurnedLicenses: ptr(churned),
			ChurnRate: ptr(rate), IsolatedChurnRate: ptr(iso), ChurnRateBenchmark: ptr(bench), IsolatedChurnRateBenchmark: ptr(isoBench),
		}
	}
	equal(t, got, []ChurnBenchmark{
		{AppKey: "com.example.alpha", AppName: "Alpha for Jira", Months: []ChurnBenchmarkMonth{
			month("2025-11-01", 420, 13, 3.1, 2.38, 0.91, 0.87),
			month("2025-12-01", 431, 17, 3.94, 2.78, 1.12, 1.05),
			month("2026-01-01", 438, 11, 2.51, 1.83, 0.74, 0.69),
		}},
		{AppKey: "com.example.beta", AppName: "Beta for Confluence", Months: []ChurnBenchmarkMonth{
			month("2025-11-01", 96, 4, 4.17, 3.13, 1.22, 1.14),
			month("2025-12-01", 95, 2, 2.11, 1.05, 0.6, 0.4),
			month("2026-01-01", 99, 3, 3.03, 2.02, 0.89, 0.76),
		}},
	})
}

func TestChurnBenchmarkObject(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/sales/metrics/churn/benchmark", serve(t, "GET", nil, "churn-benchmark-object.json"))
	got, _, err := ts.client.Benchmarks.Churn(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, []ChurnBenchmark{{AppKey: "com.example.beta", AppName: "Beta for Confluence", Months: []ChurnBenchmarkMonth{
		{Month: NewDate(2025, 12, 1), TotalLicenses: ptr(int64(95)), ChurnedLicenses: ptr(int64(2)), ChurnRate: ptr(2.11), ChurnRateBenchmark: ptr(0.6)},
		{Month: NewDate(2026, 1, 1)},
	}}})
}

func TestChurnBenchmarkBadMonths(t *testing.T) {
	for name, body := range map[string]string{
		"month 13":       `{"churnBenchmarkPerApp": [{"churnBenchmarkPerMonth": [{"year": "2025", "month": "13"}]}]}`,
		"missing month":  `{"churnBenchmarkPerApp": [{"churnBenchmarkPerMonth": [{"year": "2025"}]}]}`,
		"month not int":  `{"churnBenchmarkPerApp": [{"churnBenchmarkPerMonth": [{"year": "2025", "month": "Jan"}]}]}`,
		"year as object": `{"churnBenchmarkPerApp": [{"churnBenchmarkPerMonth": [{"year": {}, "month": "01"}]}]}`,
		"rate as string": `{"churnBenchmarkPerApp": [{"churnBenchmarkPerMonth": [{"year": "2025", "month": "01", "churnRate": "3.1"}]}]}`,
		"per app number": `{"churnBenchmarkPerApp": 5}`,
	} {
		t.Run(name, func(t *testing.T) {
			ts := setup(t)
			ts.handle("GET "+v2Root+"/sales/metrics/churn/benchmark", serveJSON(200, body))
			var de *DecodeError
			if _, _, err := ts.client.Benchmarks.Churn(context.Background(), nil); !errors.As(err, &de) || de.Endpoint != "churn_benchmark" {
				t.Fatalf("error = %v, want a DecodeError", err)
			}
		})
	}
}

func TestEvaluationBenchmarkSpellings(t *testing.T) {
	want := &EvaluationBenchmark{
		Vendor: []EvaluationBenchmarkMonth{{
			Date: NewDate(2026, 1, 1), EvaluationCount: ptr(122.0), PreviousMonthEvaluationCount: ptr(110.0),
			MoMGrowth: ptr(10.91), Percentile: ptr(78.0), MoMGrowthBenchmark: ptr(4.2),
			CountYTD: ptr(122.0), CountYTDLastYear: ptr(97.0), YTDYoYGrowth: ptr(25.77), YTDPercentile: ptr(81.0), YTDYoYGrowthBenchmark: ptr(7.5),
		}},
		Addons: []EvaluationBenchmarkApp{{AddonKey: "com.example.alpha", Name: "Alpha for Jira", Months: []EvaluationBenchmarkMonth{{
			Date: NewDate(2026, 1, 1), EvaluationCount: ptr(88.0), PreviousMonthEvaluationCount: ptr(80.0),
			MoMGrowth: ptr(10.0), Percentile: ptr(74.0), MoMGrowthBenchmark: ptr(3.1),
			CountYTD: ptr(88.0), YTDYoYGrowthBenchmark: ptr(6.4),
		}}}},
	}
	for _, name := range []string{"evaluation-benchmark-live.json", "evaluation-benchmark-spec.json", "evaluation-benchmark-v3-example.json"} {
		t.Run(name, func(t *testing.T) {
			ts := setup(t)
			ts.handle("GET "+v2Root+"/benchmark/evaluations", serve(t, "GET", url.Values{"startDate": {"2026-01-01"}}, name))
			got, _, err := ts.client.Benchmarks.Evaluations(context.Background(), &BenchmarkOptions{StartDate: NewDate(2026, 1, 1)})
			if err != nil {
				t.Fatal(err)
			}
			equal(t, got, want)
		})
	}
}

func TestEvaluationBenchmarkEmpty(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/benchmark/evaluations", serveJSON(200, `{"_links": {}}`))
	got, _, err := ts.client.Benchmarks.Evaluations(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, &EvaluationBenchmark{})
}

func TestSalesBenchmark(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), WithDeveloperID(testDevID))
	ts.handle("GET "+v3Root+"/benchmark/sales", serve(t, "GET", url.Values{"addon": {"com.example.alpha"}}, "sales-benchmark.json"))
	got, _, err := ts.client.Benchmarks.Sales(context.Background(), &BenchmarkOptions{Addons: []string{"com.example.alpha"}})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, &SalesBenchmark{
		Vendor: []SalesBenchmarkMonth{{
			Date: NewDate(2025, 11, 1), Sale: ptr(15230.5), PreviousMonthSale: ptr(14100.0), MoMGrowth: ptr(8.02), Percentile: ptr(66.0),
			MoMGrowthBenchmark: ptr(2.5), SalesYTD: ptr(160400.25), SalesYTDLastYear: ptr(131000.0), YTDYoYGrowth: ptr(22.44),
			YTDPercentile: ptr(71.0), YTDYoYGrowthBenchmark: ptr(9.1),
		}},
		Addons: []SalesBenchmarkApp{{AddonKey: "com.example.alpha", Name: "Alpha for Jira", Months: []SalesBenchmarkMonth{{
			Date: NewDate(2025, 11, 1), Sale: ptr(11200.0), MoMGrowth: ptr(5.5), Percentile: ptr(70.0),
			MoMGrowthBenchmark: ptr(2.9), MoMGrowthBenchmarkBaseProduct: ptr(3.3), SalesYTD: ptr(120000.0), SalesYTDLastYear: ptr(100000.0),
			YTDYoYGrowth: ptr(20.0), YTDPercentile: ptr(73.0), YTDYoYGrowthBenchmark: ptr(8.8), YTDYoYGrowthBenchmarkBaseProduct: ptr(10.2),
		}}}},
	})
	if h := ts.hookCalls(); h[0].Endpoint != "sales_benchmark" {
		t.Errorf("endpoint = %s", h[0].Endpoint)
	}
}
