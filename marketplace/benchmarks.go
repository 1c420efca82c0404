package marketplace

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

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

// ChurnBenchmark is the churn benchmark of one app, identified by its key
// and name, month by month.
type ChurnBenchmark struct {
	AppKey  string
	AppName string
	Months  []ChurnBenchmarkMonth
}

// ChurnBenchmarkMonth is one month of a churn benchmark. Rates are in
// percent as the API sends them; the unit of the *Benchmark fields is not
// documented (live values near 1.0 read like a ratio to the ecosystem).
// Values the API leaves out are nil.
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

// EvaluationBenchmarkApp is the evaluation benchmark of one app, identified
// by its key and name, month by month.
type EvaluationBenchmarkApp struct {
	AddonKey string
	Name     string
	Months   []EvaluationBenchmarkMonth
}

// EvaluationBenchmarkMonth is one month of an evaluation benchmark. Growth
// and percentile values are in percent, as the API sends them. The
// *Benchmark fields come from ...AllPartners on the vendor level and from
// ...AllAppsOnBaseProduct on the app level. Values the API leaves out are
// nil.
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

// SalesBenchmarkApp is the sales benchmark of one app, identified by its
// key and name, month by month.
type SalesBenchmarkApp struct {
	AddonKey string
	Name     string
	Months   []SalesBenchmarkMonth
}

// SalesBenchmarkMonth is one month of a sales benchmark. Money is USD (the
// vendor's share), growth and percentile are percent. The *Benchmark fields
// come from ...AllPartners on the vendor level and from
// ...AllAppsOnBaseProduct on the app level; the *BaseProduct fields exist on
// the app level only. Values the API leaves out are nil.
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

// Churn returns the churn benchmark per app. The spec sends one app as an
// object, the live API an array; both decode.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-metrics-churn-benchmark-get
func (s *BenchmarksService) Churn(ctx context.Context, opts *BenchmarkOptions) ([]ChurnBenchmark, *Response, error) {
	w, resp, err := getReporting[struct {
		PerApp oneOrMany[struct {
			AppName string           `json:"appName"`
			AppKey  string           `json:"appKey"`
			Months  []churnMonthWire `json:"churnBenchmarkPerMonth"`
		}] `json:"churnBenchmarkPerApp"`
	}](ctx, s.client, "churn_benchmark", opts.query(), "sales", "metrics", "churn", "benchmark")
	if err != nil {
		return nil, resp, err
	}
	out := make([]ChurnBenchmark, len(w.PerApp))
	for i, a := range w.PerApp {
		out[i] = ChurnBenchmark{AppKey: a.AppKey, AppName: a.AppName, Months: make([]ChurnBenchmarkMonth, len(a.Months))}
		for j, m := range a.Months {
			if m.Month < 1 || m.Month > 12 {
				return nil, resp, &DecodeError{Endpoint: "churn_benchmark", Err: fmt.Errorf("month %d out of range", m.Month)}
			}
			out[i].Months[j] = ChurnBenchmarkMonth{
				Month:                      NewDate(int(m.Year), time.Month(m.Month), 1),
				TotalLicenses:              m.TotalLicenses,
				ChurnedLicenses:            m.ChurnedLicenses,
				ChurnRate:                  m.ChurnRate,
				IsolatedChurnRate:          m.IsolatedChurnRate,
				ChurnRateBenchmark:         m.ChurnRateBenchmark,
				IsolatedChurnRateBenchmark: m.IsolatedChurnRateBenchmark,
			}
		}
	}
	return out, resp, nil
}

// Evaluations returns the evaluation benchmark. The spec, Atlassian's v3
// example and the live API spell its keys differently; all spellings decode.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-benchmark-evaluations-get
func (s *BenchmarksService) Evaluations(ctx context.Context, opts *BenchmarkOptions) (*EvaluationBenchmark, *Response, error) {
	type vendorWire struct {
		Months      []evaluationMonthWire `json:"evaluationBenchmarkPerVendorPerMonth"`
		CloudMonths []evaluationMonthWire `json:"CloudEvaluationBenchmarkPerVendorPerMonth"`
	}
	type appWire struct {
		AddonKey    string                `json:"addonKey"`
		Name        string                `json:"name"`
		Months      []evaluationMonthWire `json:"evaluationBenchmarkPerAppPerMonth"`
		CloudMonths []evaluationMonthWire `json:"CloudEvaluationBenchmarkPerAppPerMonth"`
	}
	w, resp, err := getReporting[struct {
		Total       *vendorWire `json:"total"`
		Totals      *vendorWire `json:"totals"`
		Addons      []appWire   `json:"addons"`
		CloudAddons []appWire   `json:"CloudEvaluationBenchmarkPerApp"`
	}](ctx, s.client, "evaluation_benchmark", opts.query(), "benchmark", "evaluations")
	if err != nil {
		return nil, resp, err
	}
	b := &EvaluationBenchmark{}
	if v := cmp.Or(w.Total, w.Totals); v != nil {
		b.Vendor = convert(orSlice(v.Months, v.CloudMonths), evaluationMonthWire.month)
	}
	for _, a := range orSlice(w.Addons, w.CloudAddons) {
		b.Addons = append(b.Addons, EvaluationBenchmarkApp{
			AddonKey: a.AddonKey,
			Name:     a.Name,
			Months:   convert(orSlice(a.Months, a.CloudMonths), evaluationMonthWire.month),
		})
	}
	return b, resp, nil
}

// Sales returns the sales benchmark.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-benchmark-sales-get
func (s *BenchmarksService) Sales(ctx context.Context, opts *BenchmarkOptions) (*SalesBenchmark, *Response, error) {
	type vendorWire struct {
		Months []salesMonthWire `json:"salesBenchmarkPerMonth"`
	}
	w, resp, err := getReporting[struct {
		Total  *vendorWire `json:"total"`
		Totals *vendorWire `json:"totals"`
		Addons []struct {
			AddonKey string           `json:"addonKey"`
			Name     string           `json:"name"`
			Months   []salesMonthWire `json:"salesBenchmarkPerMonth"`
		} `json:"addons"`
	}](ctx, s.client, "sales_benchmark", opts.query(), "benchmark", "sales")
	if err != nil {
		return nil, resp, err
	}
	b := &SalesBenchmark{}
	if v := cmp.Or(w.Total, w.Totals); v != nil {
		b.Vendor = convert(v.Months, salesMonthWire.month)
	}
	for _, a := range w.Addons {
		b.Addons = append(b.Addons, SalesBenchmarkApp{AddonKey: a.AddonKey, Name: a.Name, Months: convert(a.Months, salesMonthWire.month)})
	}
	return b, resp, nil
}

func (o *BenchmarkOptions) query() url.Values {
	q := query{}
	if o != nil {
		q.strs("addon", o.Addons)
		q.date("startDate", o.StartDate)
		q.date("endDate", o.EndDate)
	}
	return q.values()
}

// churnMonthWire is a ChurnBenchmarkPerMonth: year and month as strings
// ("2025", "01"), numbers tolerated.
type churnMonthWire struct {
	Year                       flexInt  `json:"year"`
	Month                      flexInt  `json:"month"`
	TotalLicenses              *int64   `json:"totalLicenses"`
	ChurnedLicenses            *int64   `json:"churnedLicenses"`
	ChurnRate                  *float64 `json:"churnRate"`
	IsolatedChurnRate          *float64 `json:"isolatedChurnRate"`
	ChurnRateBenchmark         *float64 `json:"churnRateBenchmark"`
	IsolatedChurnRateBenchmark *float64 `json:"isolatedChurnRateBenchmark"`
}

// flexInt is an integer sent as a JSON string or number.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	if firstByte(b) == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		*n = flexInt(v)
		return nil
	}
	return json.Unmarshal(b, (*int)(n))
}

// evaluationMonthWire is one month of the evaluation benchmark under every
// spelling seen: the spec's typo evalautionCount and plural
// previousMonthEvaluationCounts, and the live singular forms. The
// benchmark fields are ...AllPartners on the vendor level and
// ...AllAppsOnBaseProduct on the app level.
type evaluationMonthWire struct {
	Date                      Date     `json:"date"`
	EvaluationCount           *float64 `json:"evaluationCount"`
	EvalautionCount           *float64 `json:"evalautionCount"`
	PreviousMonth             *float64 `json:"previousMonthEvaluationCount"`
	PreviousMonthPlural       *float64 `json:"previousMonthEvaluationCounts"`
	MoMGrowth                 *float64 `json:"evaluationMoMGrowth"`
	Percentile                *float64 `json:"evaluationPercentile"`
	MoMBenchmarkPartners      *float64 `json:"evaluationMoMGrowthBenchmarkAllPartners"`
	MoMBenchmarkBaseProduct   *float64 `json:"evaluationMoMGrowthBenchmarkAllAppsOnBaseProduct"`
	CountYTD                  *float64 `json:"evaluationCountYTD"`
	CountYTDLastYear          *float64 `json:"evaluationCountYTDLastYear"`
	YTDYoYGrowth              *float64 `json:"evaluationYTDYoYGrowth"`
	YTDPercentile             *float64 `json:"evaluationYTDPercentile"`
	YTDBenchmarkPartners      *float64 `json:"evaluationYTDYoYGrowthBenchmarkAllPartners"`
	YTDBenchmarkOnBaseProduct *float64 `json:"evaluationYTDYoYGrowthBenchmarkAllAppsOnBaseProduct"`
}

func (w evaluationMonthWire) month() EvaluationBenchmarkMonth {
	return EvaluationBenchmarkMonth{
		Date:                         w.Date,
		EvaluationCount:              cmp.Or(w.EvaluationCount, w.EvalautionCount),
		PreviousMonthEvaluationCount: cmp.Or(w.PreviousMonth, w.PreviousMonthPlural),
		MoMGrowth:                    w.MoMGrowth,
		Percentile:                   w.Percentile,
		MoMGrowthBenchmark:           cmp.Or(w.MoMBenchmarkPartners, w.MoMBenchmarkBaseProduct),
		CountYTD:                     w.CountYTD,
		CountYTDLastYear:             w.CountYTDLastYear,
		YTDYoYGrowth:                 w.YTDYoYGrowth,
		YTDPercentile:                w.YTDPercentile,
		YTDYoYGrowthBenchmark:        cmp.Or(w.YTDBenchmarkPartners, w.YTDBenchmarkOnBaseProduct),
	}
}

// salesMonthWire is one month of the sales benchmark, vendor or app level.
type salesMonthWire struct {
	Date                    Date     `json:"date"`
	Sale                    *float64 `json:"sale"`
	PreviousMonthSale       *float64 `json:"previousMonthSale"`
	MoMGrowth               *float64 `json:"salesMoMGrowth"`
	Percentile              *float64 `json:"salesPercentile"`
	MoMBenchmarkPartners    *float64 `json:"salesMoMGrowthBenchmarkAllPartners"`
	MoMBenchmarkAllOnBase   *float64 `json:"salesMoMGrowthBenchmarkAllAppsOnBaseProduct"`
	MoMBenchmarkBaseProduct *float64 `json:"salesMoMGrowthBenchmarkBaseProduct"`
	SalesYTD                *float64 `json:"salesYTD"`
	SalesYTDLastYear        *float64 `json:"salesYTDLastYear"`
	YTDYoYGrowth            *float64 `json:"salesYTDYoYGrowth"`
	YTDPercentile           *float64 `json:"salesYTDPercentile"`
	YTDBenchmarkPartners    *float64 `json:"salesYTDYoYGrowthBenchmarkAllPartners"`
	YTDBenchmarkAllOnBase   *float64 `json:"salesYTDYoYGrowthBenchmarkAllAppsOnBaseProduct"`
	YTDBenchmarkBaseProduct *float64 `json:"salesYTDYoYGrowthBenchmarkBaseProduct"`
}

func (w salesMonthWire) month() SalesBenchmarkMonth {
	return SalesBenchmarkMonth{
		Date:                             w.Date,
		Sale:                             w.Sale,
		PreviousMonthSale:                w.PreviousMonthSale,
		MoMGrowth:                        w.MoMGrowth,
		Percentile:                       w.Percentile,
		MoMGrowthBenchmark:               cmp.Or(w.MoMBenchmarkPartners, w.MoMBenchmarkAllOnBase),
		MoMGrowthBenchmarkBaseProduct:    w.MoMBenchmarkBaseProduct,
		SalesYTD:                         w.SalesYTD,
		SalesYTDLastYear:                 w.SalesYTDLastYear,
		YTDYoYGrowth:                     w.YTDYoYGrowth,
		YTDPercentile:                    w.YTDPercentile,
		YTDYoYGrowthBenchmark:            cmp.Or(w.YTDBenchmarkPartners, w.YTDBenchmarkAllOnBase),
		YTDYoYGrowthBenchmarkBaseProduct: w.YTDBenchmarkBaseProduct,
	}
}

// orSlice returns a unless it is nil (absent or null), else b.
func orSlice[T any](a, b []T) []T {
	if a != nil {
		return a
	}
	return b
}

// convert maps f over in.
func convert[In, Out any](in []In, f func(In) Out) []Out {
	if in == nil {
		return nil
	}
	out := make([]Out, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
