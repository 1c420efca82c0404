package marketplace

import "context"

// BenchmarksService reads how the vendor's apps compare with the
// marketplace: churn, evaluation and sales benchmarks.
type BenchmarksService service

// BenchmarkOptions filters the benchmark endpoints. The API moves both dates
// to the first of their month.
type BenchmarkOptions struct {
	// Addons are app keys.
	Addons []string
	// StartDate is the first month of the range.
	StartDate Date
	// EndDate is the last month of the range.
	EndDate Date
}

// ChurnBenchmark is the churn benchmark of one app.
type ChurnBenchmark struct {
	AppKey  string
	AppName string
	Months  []ChurnBenchmarkMonth
}

// ChurnBenchmarkMonth is one month of a churn benchmark. Rates are in
// percent as the API sends them; the benchmarks' unit is not documented.
type ChurnBenchmarkMonth struct {
	// Month is the first day of the month, from the API's year and month.
	Month Date
	// TotalLicenses were active on the last day of the month.
	TotalLicenses *int64
	// ChurnedLicenses were active in the month but not in the next.
	ChurnedLicenses            *int64
	ChurnRate                  *float64
	IsolatedChurnRate          *float64
	ChurnRateBenchmark         *float64
	IsolatedChurnRateBenchmark *float64
}

// EvaluationBenchmark is the evaluation benchmark of the vendor and of each
// app.
type EvaluationBenchmark struct {
	// Vendor holds the months of the vendor as a whole ("All apps").
	Vendor []EvaluationBenchmarkMonth
	// Addons holds one entry per app.
	Addons []EvaluationBenchmarkApp
}

// EvaluationBenchmarkApp is the evaluation benchmark of one app.
type EvaluationBenchmarkApp struct {
	AddonKey string
	Name     string
	Months   []EvaluationBenchmarkMonth
}

// EvaluationBenchmarkMonth is one month of an evaluation benchmark. Growth
// and percentile values are in percent, as the API sends them. The
// *Benchmark fields come from ...AllPartners on the vendor level and from
// ...AllAppsOnBaseProduct on the app level.
type EvaluationBenchmarkMonth struct {
	Date                         Date
	EvaluationCount              *float64
	PreviousMonthEvaluationCount *float64
	MoMGrowth                    *float64
	Percentile                   *float64
	MoMGrowthBenchmark           *float64
	CountYTD                     *float64
	CountYTDLastYear             *float64
	YTDYoYGrowth                 *float64
	YTDPercentile                *float64
	YTDYoYGrowthBenchmark        *float64
}

// SalesBenchmark is the sales benchmark of the vendor and of each app.
type SalesBenchmark struct {
	// Vendor holds the months of the vendor as a whole ("All apps").
	Vendor []SalesBenchmarkMonth
	// Addons holds one entry per app.
	Addons []SalesBenchmarkApp
}

// SalesBenchmarkApp is the sales benchmark of one app.
type SalesBenchmarkApp struct {
	AddonKey string
	Name     string
	Months   []SalesBenchmarkMonth
}

// SalesBenchmarkMonth is one month of a sales benchmark. Money is USD (the
// vendor's share), growth and percentile are percent. The *Benchmark fields
// come from ...AllPartners on the vendor level and from
// ...AllAppsOnBaseProduct on the app level; the *BaseProduct fields exist on
// the app level only.
type SalesBenchmarkMonth struct {
	Date                             Date
	Sale                             *float64
	PreviousMonthSale                *float64
	MoMGrowth                        *float64
	Percentile                       *float64
	MoMGrowthBenchmark               *float64
	MoMGrowthBenchmarkBaseProduct    *float64
	SalesYTD                         *float64
	SalesYTDLastYear                 *float64
	YTDYoYGrowth                     *float64
	YTDPercentile                    *float64
	YTDYoYGrowthBenchmark            *float64
	YTDYoYGrowthBenchmarkBaseProduct *float64
}

// Churn returns the churn benchmark per app.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-metrics-churn-benchmark-get
func (s *BenchmarksService) Churn(ctx context.Context, opts *BenchmarkOptions) ([]ChurnBenchmark, *Response, error) {
	return nil, nil, errNotImplemented
}

// Evaluations returns the evaluation benchmark.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-benchmark-evaluations-get
func (s *BenchmarksService) Evaluations(ctx context.Context, opts *BenchmarkOptions) (*EvaluationBenchmark, *Response, error) {
	return nil, nil, errNotImplemented
}

// Sales returns the sales benchmark.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-benchmark-sales-get
func (s *BenchmarksService) Sales(ctx context.Context, opts *BenchmarkOptions) (*SalesBenchmark, *Response, error) {
	return nil, nil, errNotImplemented
}
