package marketplacetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// A window that spans a month boundary and starts mid-week.
const window = "startDate=2026-05-13&endDate=2026-08-15"

var windowFrom, windowTo = day0("2026-05-13"), day0("2026-08-15")

// checkTotals requires the total's series to equal the sum over addons,
// element by element, and every series to share the same bucket dates.
func checkTotals(t *testing.T, name string, agg tAggregate) {
	t.Helper()
	var dates []string
	want := map[string][]tElement{}
	each := func(series []tSeries, f func(tSeries)) {
		for _, s := range series {
			if dates == nil {
				for _, e := range s.Elements {
					dates = append(dates, e.Date)
				}
			}
			if len(s.Elements) != len(dates) {
				t.Fatalf("%s: series %q has %d buckets, want %d", name, s.Name, len(s.Elements), len(dates))
			}
			for i, e := range s.Elements {
				if e.Date != dates[i] {
					t.Fatalf("%s: series %q bucket %d dated %s, want %s", name, s.Name, i, e.Date, dates[i])
				}
			}
			f(s)
		}
	}
	for _, a := range agg.Addons {
		each(a.Series, func(s tSeries) {
			if want[s.Name] == nil {
				want[s.Name] = make([]tElement, len(s.Elements))
			}
			for i, e := range s.Elements {
				w := &want[s.Name][i]
				w.Count += e.Count
				if e.NetCount != nil {
					n := *e.NetCount
					if w.NetCount != nil {
						n += *w.NetCount
					}
					w.NetCount = &n
				}
				if e.Revenue != nil {
					r := *e.Revenue
					if w.Revenue != nil {
						r += *w.Revenue
					}
					w.Revenue = &r
				}
			}
		})
	}
	if len(agg.Total.Series) != len(want) {
		t.Errorf("%s: total has %d series, addons have %d", name, len(agg.Total.Series), len(want))
	}
	each(agg.Total.Series, func(s tSeries) {
		for i, e := range s.Elements {
			w := want[s.Name][i]
			if e.Count != w.Count || (w.NetCount != nil && *e.NetCount != *w.NetCount) || (w.Revenue != nil && !closeEnough(*e.Revenue, *w.Revenue)) {
				t.Errorf("%s: total %q bucket %s = %+v, sum of addons %+v", name, s.Name, e.Date, e, w)
			}
		}
	})
}

func TestSalesAgree(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	ds := s.Data()
	var byMetric []SalesSum
	for _, metric := range []string{"hosting", "tier", "type", "region", "country", "partner"} {
		for _, agg := range []string{"week", "month"} {
			var body tAggregate
			getJSON(t, s, fmt.Sprintf("%s/sales/transactions/%s?aggregation=%s&%s", v2(s), metric, agg, window), &body)
			checkTotals(t, metric+"/"+agg, body)
			byMetric = append(byMetric, grand(body.Total.Series))
			for _, a := range body.Addons {
				for group, got := range sums(a.Series) {
					want := ds.SalesTotal(a.AddonKey, metric, group, windowFrom, windowTo)
					if got.Count != want.Count || got.NetCount != want.NetCount || !closeEnough(got.Revenue, want.Revenue) {
						t.Errorf("sales %s %s %q = %+v, truth %+v", metric, a.AddonKey, group, got, want)
					}
				}
			}
		}
	}
	// The transactions list over the same window is the ground the
	// aggregates stand on.
	var list SalesSum
	var refunds int
	for _, raw := range pageThrough(t, s, v2(s)+"/sales/transactions?limit=50&"+window, "transactions") {
		var row struct {
			PurchaseDetails struct {
				SaleType      string
				VendorAmount  float64
				PurchasePrice float64
			}
		}
		json.Unmarshal(raw, &row)
		list.Count++
		list.NetCount++
		if row.PurchaseDetails.SaleType == SaleRefund {
			list.NetCount -= 2
			refunds++
			if row.PurchaseDetails.VendorAmount >= 0 || row.PurchaseDetails.PurchasePrice >= 0 {
				t.Errorf("refund with non-negative amounts: %s", raw)
			}
		}
		list.Revenue += row.PurchaseDetails.VendorAmount
	}
	if list.Count == 0 {
		t.Fatal("no transactions in the window")
	}
	for i, got := range byMetric {
		if got.Count != list.Count || got.NetCount != list.NetCount || !closeEnough(got.Revenue, list.Revenue) {
			t.Errorf("aggregate %d sums to %+v, transactions list to %+v", i, got, list)
		}
	}
	t.Logf("%d transactions, %d refunds, revenue %.2f", list.Count, refunds, list.Revenue)
}

func TestEvaluationsAndFeedbackAgree(t *testing.T) {
	s, _ := newTestServer(t, Options{Apps: 5})
	ds := s.Data()
	for _, fam := range []struct {
		path    string
		metrics []string
		truth   func(key, metric, group string, from, to time.Time) int64
		list    string
	}{
		{"/evaluations/", []string{"hosting", "region", "country", "partner"}, ds.EvaluationsTotal, ""},
		{"/feedback/metrics/", []string{"type", "reason"}, ds.FeedbackTotal, "/feedback/details"},
	} {
		var totals []int64
		for _, metric := range fam.metrics {
			var body tAggregate
			getJSON(t, s, v3(s)+fam.path+metric+"?aggregation=week&"+window, &body)
			checkTotals(t, fam.path+metric, body)
			totals = append(totals, grand(body.Total.Series).Count)
			for _, a := range body.Addons {
				if a.ProductID == "" {
					t.Errorf("v3 %s: addon %s has no productId", fam.path, a.AddonKey)
				}
				for group, got := range sums(a.Series) {
					if want := fam.truth(a.AddonKey, metric, group, windowFrom, windowTo); got.Count != want {
						t.Errorf("%s%s %s %q = %d, truth %d", fam.path, metric, a.AddonKey, group, got.Count, want)
					}
				}
			}
		}
		for _, n := range totals[1:] {
			if n != totals[0] {
				t.Errorf("%s: metrics disagree on the total: %v", fam.path, totals)
			}
		}
		if totals[0] == 0 {
			t.Errorf("%s: nothing in the window", fam.path)
		}
		if fam.list != "" {
			if n := len(pageThrough(t, s, v3(s)+fam.list+"?limit=50&"+window, "feedback")); int64(n) != totals[0] {
				t.Errorf("feedback details list %d entries, metrics %d", n, totals[0])
			}
		}
	}
}

func TestWeeklyBucketsStartOnSundayAndCountOnlyTheRange(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	var body tAggregate
	// 2026-05-13 is a Wednesday: its bucket is dated Sunday 2026-05-10 but
	// holds only the days from the 13th.
	getJSON(t, s, v2(s)+"/evaluations/hosting?"+window, &body)
	first := body.Total.Series[0].Elements[0].Date
	if first != "2026-05-10" {
		t.Errorf("first weekly bucket %s, want 2026-05-10", first)
	}
	for _, e := range body.Total.Series[0].Elements {
		if day0(e.Date).Weekday() != time.Sunday {
			t.Errorf("bucket %s is not a Sunday", e.Date)
		}
	}
	cloud := body.Total.Series[0]
	want := s.Data().EvaluationsTotal("", "hosting", cloud.Name, day0("2026-05-13"), day0("2026-05-16"))
	if cloud.Elements[0].Count != want {
		t.Errorf("first bucket counts %d, want the %d of 13–16 May only", cloud.Elements[0].Count, want)
	}
	getJSON(t, s, v2(s)+"/evaluations/hosting?aggregation=month&"+window, &body)
	if d := body.Total.Series[0].Elements[0].Date; d != "2026-05-01" {
		t.Errorf("first monthly bucket %s, want 2026-05-01", d)
	}
	// A range entirely in the future is empty.
	getJSON(t, s, v2(s)+"/evaluations/hosting?startDate=2027-01-01&endDate=2027-02-01", &body)
	if len(body.Total.Series) != 0 || len(body.Addons) != 0 {
		t.Errorf("future range: %d series, %d addons; want none", len(body.Total.Series), len(body.Addons))
	}
}

func TestCloudMetricsAgree(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	ds := s.Data()
	parts := map[string]map[string]tPart{} // metric → addon key ("" total)
	for _, metric := range []string{"churn", "renewal", "conversion"} {
		var body tAggregate
		getJSON(t, s, fmt.Sprintf("%s/sales/metrics/%s?aggregation=month&%s", v2(s), metric, window), &body)
		parts[metric] = map[string]tPart{"": body.Total}
		for _, a := range append([]tPart{body.Total}, body.Addons...) {
			parts[metric][a.AddonKey] = a
			datasets := a.Datasets
			if metric == "conversion" {
				if len(a.Datasets) != 0 {
					t.Errorf("conversion has datasets")
				}
				datasets = []tDataset{{Series: a.Series}}
			}
			for _, d := range datasets {
				for _, se := range d.Series {
					got := sums([]tSeries{se})[se.Name].Count
					want, unique := ds.CloudMetricTotal(a.AddonKey, metric, d.Name, se.Name, windowFrom, windowTo)
					if got != want {
						t.Errorf("%s %q %s/%s = %d, truth %d", metric, a.AddonKey, d.Name, se.Name, got, want)
					}
					switch {
					case metric == "churn" && se.UniqueTotal == nil:
						t.Errorf("churn %q %s/%s has no uniqueTotal", a.AddonKey, d.Name, se.Name)
					case metric == "churn" && (*se.UniqueTotal != unique || *se.UniqueTotal > got):
						t.Errorf("churn %q %s/%s uniqueTotal %d, truth %d, sum %d", a.AddonKey, d.Name, se.Name, *se.UniqueTotal, unique, got)
					case metric != "churn" && se.UniqueTotal != nil:
						t.Errorf("%s has uniqueTotal", metric)
					}
				}
			}
		}
	}
	// Each end of a billing period is a churn customer and a renewal
	// opportunity, and then a renewal or a cancellation.
	seriesSum := func(p tPart, dataset, series string) int64 {
		for _, d := range p.Datasets {
			if d.Name == dataset {
				return sums(d.Series)[series].Count
			}
		}
		t.Fatalf("no dataset %q", dataset)
		return 0
	}
	for key, churn := range parts["churn"] {
		renewal := parts["renewal"][key]
		for _, period := range []string{Monthly, Annual} {
			customers, cancellations := seriesSum(churn, period, "Customers"), seriesSum(churn, period, "Cancellations")
			opps, renewals := seriesSum(renewal, period, "Renewal opportunities"), seriesSum(renewal, period, "Renewals")
			if customers != opps || renewals+cancellations != opps {
				t.Errorf("%q %s: customers %d, cancellations %d, opportunities %d, renewals %d", key, period, customers, cancellations, opps, renewals)
			}
		}
	}
	if c, _ := ds.CloudMetricTotal("", "churn", Monthly, "Customers", windowFrom, windowTo); c == 0 {
		t.Error("no monthly churn customers in the window")
	}
}

func TestPartnerMetricsIdentity(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	ds := s.Data()
	body := `{"metrics":{"metricSets":[{"name":"RECURRING_REVENUE"}]},
		"dateRange":{"startDate":"2025-01-01","endDate":"2026-08-15"},"granularity":"MONTH",
		"attributes":[{"name":"APP_KEY"},{"name":"APP_NAME"}]}`
	var records []map[string]any
	for offset := 0; ; offset += 14 {
		status, raw := fetch(t, s, "POST", fmt.Sprintf("/rest/2/vendors/12345/partner-metrics?limit=14&offset=%d", offset), body)
		if status != 200 {
			t.Fatalf("partner-metrics: %d %s", status, raw)
		}
		var page struct{ Records []map[string]any }
		if err := json.Unmarshal(raw, &page); err != nil {
			t.Fatal(err)
		}
		records = append(records, page.Records...)
		if len(page.Records) < 14*len(ds.Apps) {
			break
		}
	}
	if want := 20 * len(ds.Apps); len(records) != want {
		t.Fatalf("%d records, want %d (20 months × apps)", len(records), want)
	}
	f := func(r map[string]any, k string) float64 { return r[k].(float64) }
	sawNew := false
	for _, r := range records {
		sum := f(r, "openingMrr") + f(r, "newMrr") + f(r, "expansionMrr") + f(r, "reactivatedMrr") +
			f(r, "contractionMrr") + f(r, "expiredMrr")
		if !closeEnough(sum, f(r, "closingMrr")) || !closeEnough(12*f(r, "closingMrr"), f(r, "arr")) {
			t.Errorf("identity broken: %v", r)
		}
		if f(r, "expiredMrr") > 0 || f(r, "contractionMrr") > 0 {
			t.Errorf("expired and contraction must not be positive: %v", r)
		}
		sawNew = sawNew || f(r, "newMrr") > 0
		// Closing MRR is what the active subscriptions pay at the bucket's
		// last served day.
		start := day0(r["date"].(string))
		end := start.AddDate(0, 1, -1)
		if end.After(testToday) {
			end = testToday
		}
		if want := ds.MRRAt(r["appKey"].(string), end); !closeEnough(want, f(r, "closingMrr")) {
			t.Errorf("%s %s closing %.2f, MRRAt %.2f", r["appKey"], r["date"], f(r, "closingMrr"), want)
		}
	}
	if !sawNew {
		t.Error("no new MRR anywhere")
	}
}

func TestLicenseExportMatchesLicenseCounts(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	var rows []struct {
		AddonKey, Hosting, LicenseType, Status string
		ContactDetails                         struct{ TechnicalContact struct{ Email string } }
	}
	getJSON(t, s, v2(s)+"/licenses/export?accept=json", &rows)
	got := map[LicenseKey]int64{}
	rtbf := 0
	for _, r := range rows {
		got[LicenseKey{r.AddonKey, r.Hosting, r.LicenseType, r.Status}]++
		if r.ContactDetails.TechnicalContact.Email == "RTBF" {
			rtbf++
		}
	}
	want := s.Data().LicenseCounts(testToday)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("export groups\n%v\nLicenseCounts\n%v", got, want)
	}
	seen := map[string]bool{}
	for k := range want {
		seen[k.Status] = true
		seen[k.LicenseType] = true
		seen[k.Hosting] = true
	}
	for _, v := range []string{"active", "inactive", "cancelled", "COMMERCIAL", "EVALUATION", "ACADEMIC", "COMMUNITY", "OPEN_SOURCE", "Cloud", "Data Center", "Server"} {
		if !seen[v] {
			t.Errorf("no license is %s", v)
		}
	}
	if rtbf == 0 {
		t.Error("no RTBF contact")
	}
}

func TestBenchmarksAgree(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	ds := s.Data()
	latest, ok := ds.LatestBenchmarkMonth(testToday)
	if !ok || latest.Format(dateLayout) != "2026-06-01" {
		t.Fatalf("latest benchmark month %v %v", latest, ok)
	}
	var evals struct {
		Total struct {
			Months []map[string]any `json:"evaluationBenchmarkPerVendorPerMonth"`
		}
		Addons []struct {
			AddonKey string
			Months   []map[string]any `json:"evaluationBenchmarkPerAppPerMonth"`
		}
	}
	getJSON(t, s, v2(s)+"/benchmark/evaluations?startDate=2026-01-15", &evals)
	var sales struct {
		Total struct {
			Months []map[string]any `json:"salesBenchmarkPerMonth"`
		}
		Addons []struct {
			AddonKey string
			Months   []map[string]any `json:"salesBenchmarkPerMonth"`
		}
	}
	getJSON(t, s, v2(s)+"/benchmark/sales?startDate=2026-01-15", &sales)
	if len(evals.Total.Months) != 6 || len(sales.Total.Months) != 6 {
		t.Fatalf("%d and %d vendor months from January to June", len(evals.Total.Months), len(sales.Total.Months))
	}
	evalSum, saleSum := make([]float64, 6), make([]float64, 6)
	for i, a := range evals.Addons {
		for k, m := range a.Months {
			from := day0(m["date"].(string))
			to := from.AddDate(0, 1, -1)
			if want := ds.EvaluationsTotal(a.AddonKey, "hosting", HostingCloud, from, to); m["evaluationCount"].(float64) != float64(want) {
				t.Errorf("%s %s: evaluationCount %v, Cloud evaluations %d", a.AddonKey, m["date"], m["evaluationCount"], want)
			}
			want := ds.SalesTotal(a.AddonKey, "hosting", HostingCloud, from, to).Revenue
			if got := sales.Addons[i].Months[k]["sale"].(float64); !closeEnough(got, want) {
				t.Errorf("%s %s: sale %.2f, Cloud vendor amounts %.2f", a.AddonKey, m["date"], got, want)
			}
			evalSum[k] += m["evaluationCount"].(float64)
			saleSum[k] += sales.Addons[i].Months[k]["sale"].(float64)
		}
	}
	for k := range 6 {
		if evals.Total.Months[k]["evaluationCount"] != evalSum[k] || !closeEnough(sales.Total.Months[k]["sale"].(float64), saleSum[k]) {
			t.Errorf("month %d: vendor totals %v / %v, sums over apps %v / %v", k,
				evals.Total.Months[k]["evaluationCount"], sales.Total.Months[k]["sale"], evalSum[k], saleSum[k])
		}
	}
	e, sl, ok := ds.BenchmarkTotals(latest)
	if !ok || float64(e.EvaluationCount) != evalSum[5] || !closeEnough(sl.Sale, saleSum[5]) {
		t.Errorf("BenchmarkTotals %v %v, served %v %v", e.EvaluationCount, sl.Sale, evalSum[5], saleSum[5])
	}

	var churn struct {
		ChurnBenchmarkPerApp []struct {
			Months []struct {
				Year, Month                    string
				TotalLicenses, ChurnedLicenses int64
				ChurnRate                      float64
			} `json:"churnBenchmarkPerMonth"`
		}
	}
	getJSON(t, s, v2(s)+"/sales/metrics/churn/benchmark", &churn)
	for _, a := range churn.ChurnBenchmarkPerApp {
		last := a.Months[len(a.Months)-1]
		if last.Year+"-"+last.Month != "2026-06" {
			t.Errorf("latest churn benchmark %s-%s", last.Year, last.Month)
		}
		for _, m := range a.Months {
			if m.ChurnedLicenses > m.TotalLicenses || (m.TotalLicenses > 0 && !closeEnough(m.ChurnRate, percent(m.ChurnedLicenses, m.TotalLicenses))) {
				t.Errorf("churn benchmark %+v", m)
			}
		}
	}
}
