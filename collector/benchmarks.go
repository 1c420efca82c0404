package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

func init() {
	registerCollector("benchmarks", "Cloud churn, evaluation and sales benchmarks against the marketplace, latest month with data", true, 12*time.Hour,
		func(d deps) source {
			return &benchmarksCollector{api: d.client.Benchmarks, addons: d.addons}
		})
}

// benchmarksAPI is the part of the client the benchmarks collector uses.
type benchmarksAPI interface {
	Churn(ctx context.Context, opts *marketplace.BenchmarkOptions) ([]marketplace.ChurnBenchmark, *marketplace.Response, error)
	Evaluations(ctx context.Context, opts *marketplace.BenchmarkOptions) (*marketplace.EvaluationBenchmark, *marketplace.Response, error)
	Sales(ctx context.Context, opts *marketplace.BenchmarkOptions) (*marketplace.SalesBenchmark, *marketplace.Response, error)
}

// benchmarkLookback is how far back the collector asks for benchmark months. Churn and
// evaluation benchmarks lag two to three months and sales benchmarks are published quarterly,
// so a year leaves room for a late publication without losing the series.
const benchmarkLookback = 12

const benchmarkNote = " Benchmarks are monthly and lag by months: the value is for the latest month with data, see atlassian_marketplace_benchmark_month_timestamp_seconds. "

var (
	benchmarkMonth = newGauge("benchmark", "month_timestamp_seconds",
		"Start of the month (UTC) that the app's benchmark values are for, by benchmark (churn, evaluations, sales). "+cachedNote("benchmarks"),
		labelAddonKey, "benchmark")

	churnRate = newGauge("cloud", "churn_rate",
		"Cloud churn rate of the app in the benchmark month, in percent as the API reports it (2.5 means 2.5%), by kind: total, or isolated (the app churned while the host product stayed)."+benchmarkNote+cachedNote("benchmarks"),
		labelAddonKey, "kind")
	churnBenchmarkRate = newGauge("cloud", "churn_benchmark_rate",
		"Marketplace benchmark for the app's Cloud churn rate in the benchmark month (all apps on the same host product), in the API's own unit: documented as percent, compare with atlassian_marketplace_cloud_churn_rate. By kind: total or isolated."+benchmarkNote+cachedNote("benchmarks"),
		labelAddonKey, "kind")
	churnBenchmarkLicenses = newGauge("cloud", "churn_benchmark_licenses",
		"Cloud licenses of the app active on the last day of the benchmark month (the churn benchmark's denominator)."+benchmarkNote+cachedNote("benchmarks"),
		labelAddonKey)
	churnBenchmarkChurned = newGauge("cloud", "churn_benchmark_churned_licenses",
		"Cloud licenses of the app active in the benchmark month but not in the next one."+benchmarkNote+cachedNote("benchmarks"),
		labelAddonKey)
)

// newBenchmarkFamilies defines the four families of the evaluation or sales benchmark.
func newBenchmarkFamilies(benchmark, valueName, valueHelp string) benchmarkFamilies {
	note := benchmarkNote + cachedNote("benchmarks")
	return benchmarkFamilies{
		benchmark: benchmark,
		value:     newGauge("benchmark", valueName, valueHelp+note, labelAddonKey),
		growth: newGauge("benchmark", benchmark+"_growth_ratio",
			"Month-over-month growth of the app's "+benchmark+" in the benchmark month, as a ratio (0.1 is +10%)."+note,
			labelAddonKey),
		marketGrowth: newGauge("benchmark", benchmark+"_marketplace_growth_ratio",
			"Month-over-month growth of the "+benchmark+" of all apps on the app's host product in the benchmark month, as a ratio: the benchmark for atlassian_marketplace_benchmark_"+benchmark+"_growth_ratio."+note,
			labelAddonKey),
		percentile: newGauge("benchmark", benchmark+"_percentile",
			"Percentile (0-100) of the app's "+benchmark+" among the marketplace's apps in the benchmark month."+note,
			labelAddonKey),
	}
}

var (
	evaluationBenchmarkFamilies = newBenchmarkFamilies("evaluations", "evaluations",
		"Evaluations of the app in the benchmark month, as counted by the evaluation benchmark.")
	salesBenchmarkFamilies = newBenchmarkFamilies("sales", "sales_usd",
		"Sales of the app in US dollars in the benchmark month (the vendor's share), as counted by the sales benchmark.")
)

type benchmarksCollector struct {
	api    benchmarksAPI
	addons addonFilter
}

func (c *benchmarksCollector) families() []*Family {
	fs := []*Family{benchmarkMonth, churnRate, churnBenchmarkRate, churnBenchmarkLicenses, churnBenchmarkChurned}
	for _, b := range []benchmarkFamilies{evaluationBenchmarkFamilies, salesBenchmarkFamilies} {
		fs = append(fs, b.value, b.growth, b.marketGrowth, b.percentile)
	}
	return fs
}

func (c *benchmarksCollector) samples(ctx context.Context, at time.Time) ([]Sample, error) {
	end := lastCompleteDay(at)
	first := marketplace.DateOf(time.Date(end.Year, end.Month-(benchmarkLookback-1), 1, 0, 0, 0, 0, time.UTC))
	opts := &marketplace.BenchmarkOptions{Addons: c.addons.list(), StartDate: first, EndDate: end}
	return fanOut(ctx, 3, func(ctx context.Context, i int) ([]Sample, error) {
		switch i {
		case 0:
			res, _, err := c.api.Churn(ctx, opts)
			if err != nil {
				return nil, fmt.Errorf("churn benchmark: %w", err)
			}
			return churnBenchmarkSamples(res, c.addons), nil
		case 1:
			res, _, err := c.api.Evaluations(ctx, opts)
			if err != nil {
				return nil, fmt.Errorf("evaluation benchmark: %w", err)
			}
			return evaluationBenchmarkSamples(res, c.addons), nil
		default:
			res, _, err := c.api.Sales(ctx, opts)
			if err != nil {
				return nil, fmt.Errorf("sales benchmark: %w", err)
			}
			return salesBenchmarkSamples(res, c.addons), nil
		}
	})
}

// latest returns the index of the latest month that has data (by has), or -1. The API
// lists months in no documented order, and trailing months are often present but empty.
func latest[M any](months []M, date func(M) marketplace.Date, has func(M) bool) int {
	best := -1
	for i, m := range months {
		if has(m) && (best < 0 || date(m).After(date(months[best]))) {
			best = i
		}
	}
	return best
}

// addOptional adds a sample only when the API sent the value: a missing benchmark is not zero.
func addOptional(set *sampleSet, f *Family, v *float64, scale float64, labels ...string) {
	if v != nil {
		set.add(f, *v*scale, labels...)
	}
}

func addOptionalInt(set *sampleSet, f *Family, v *int64, labels ...string) {
	if v != nil {
		set.add(f, float64(*v), labels...)
	}
}

func monthSeconds(d marketplace.Date) float64 { return float64(d.Time().Unix()) }

// churnBenchmarkSamples reports each app's latest month that has a churn rate or a license count.
func churnBenchmarkSamples(res []marketplace.ChurnBenchmark, keep addonFilter) []Sample {
	var set sampleSet
	for _, app := range res {
		if !keep.keep(app.AppKey) {
			continue
		}
		i := latest(app.Months,
			func(m marketplace.ChurnBenchmarkMonth) marketplace.Date { return m.Month },
			func(m marketplace.ChurnBenchmarkMonth) bool { return m.ChurnRate != nil || m.TotalLicenses != nil })
		if i < 0 {
			continue
		}
		m := app.Months[i]
		set.add(benchmarkMonth, monthSeconds(m.Month), app.AppKey, "churn")
		addOptional(&set, churnRate, m.ChurnRate, 1, app.AppKey, "total")
		addOptional(&set, churnRate, m.IsolatedChurnRate, 1, app.AppKey, "isolated")
		addOptional(&set, churnBenchmarkRate, m.ChurnRateBenchmark, 1, app.AppKey, "total")
		addOptional(&set, churnBenchmarkRate, m.IsolatedChurnRateBenchmark, 1, app.AppKey, "isolated")
		addOptionalInt(&set, churnBenchmarkLicenses, m.TotalLicenses, app.AppKey)
		addOptionalInt(&set, churnBenchmarkChurned, m.ChurnedLicenses, app.AppKey)
	}
	return set.samples()
}

// benchmarkPoint is one month of an evaluation or sales benchmark, in common terms.
type benchmarkPoint struct {
	date                                    marketplace.Date
	value, growth, marketGrowth, percentile *float64
}

// benchmarkFamilies are the four families of an evaluation or sales benchmark.
type benchmarkFamilies struct {
	benchmark                               string // the benchmark label of the month family
	value, growth, marketGrowth, percentile *Family
}

// addBenchmark reports an app's latest month that has a value. Growth comes in percent and
// leaves as a ratio, as growth does everywhere in Prometheus; percentiles stay 0-100 because
// that is what a percentile is.
func addBenchmark(set *sampleSet, f benchmarkFamilies, key string, points []benchmarkPoint) {
	i := latest(points,
		func(p benchmarkPoint) marketplace.Date { return p.date },
		func(p benchmarkPoint) bool { return p.value != nil })
	if i < 0 {
		return
	}
	p := points[i]
	set.add(benchmarkMonth, monthSeconds(p.date), key, f.benchmark)
	addOptional(set, f.value, p.value, 1, key)
	addOptional(set, f.growth, p.growth, 0.01, key)
	addOptional(set, f.marketGrowth, p.marketGrowth, 0.01, key)
	addOptional(set, f.percentile, p.percentile, 1, key)
}

// appBenchmarkSamples reports each app's latest month of an evaluation or sales benchmark. The
// vendor-level rows are the API's "All apps" total and are left out.
func appBenchmarkSamples[A any](apps []A, key func(A) string, points func(A) []benchmarkPoint, f benchmarkFamilies, keep addonFilter) []Sample {
	var set sampleSet
	for _, app := range apps {
		if k := key(app); keep.keep(k) {
			addBenchmark(&set, f, k, points(app))
		}
	}
	return set.samples()
}

// evaluationBenchmarkSamples reports each app's latest month with an evaluation count.
func evaluationBenchmarkSamples(res *marketplace.EvaluationBenchmark, keep addonFilter) []Sample {
	if res == nil {
		return nil
	}
	return appBenchmarkSamples(res.Addons,
		func(a marketplace.EvaluationBenchmarkApp) string { return a.AddonKey },
		func(a marketplace.EvaluationBenchmarkApp) []benchmarkPoint {
			points := make([]benchmarkPoint, len(a.Months))
			for i, m := range a.Months {
				points[i] = benchmarkPoint{m.Date, m.EvaluationCount, m.MoMGrowth, m.MoMGrowthBenchmark, m.Percentile}
			}
			return points
		}, evaluationBenchmarkFamilies, keep)
}

// salesBenchmarkSamples reports each app's latest month with a sales amount. The marketplace
// growth is the one against all apps on the app's host product.
func salesBenchmarkSamples(res *marketplace.SalesBenchmark, keep addonFilter) []Sample {
	if res == nil {
		return nil
	}
	return appBenchmarkSamples(res.Addons,
		func(a marketplace.SalesBenchmarkApp) string { return a.AddonKey },
		func(a marketplace.SalesBenchmarkApp) []benchmarkPoint {
			points := make([]benchmarkPoint, len(a.Months))
			for i, m := range a.Months {
				points[i] = benchmarkPoint{m.Date, m.Sale, m.MoMGrowth, m.MoMGrowthBenchmark, m.Percentile}
			}
			return points
		}, salesBenchmarkFamilies, keep)
}
