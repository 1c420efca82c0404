package marketplacetest

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// weekly returns n/weeks.
func weekly(n int64, weeks int) float64 { return float64(n) / float64(weeks) }

// TestDefaultVendorVolumes pins what the demo shows a vendor: every app
// busy enough that dashboards have lines and alerts' minimum counts matter,
// in the ranges of a small-to-mid vendor.
func TestDefaultVendorVolumes(t *testing.T) {
	for _, today := range []time.Time{testToday, testToday.AddDate(0, 5, 0)} {
		t.Run(today.Format(dateLayout), func(t *testing.T) {
			s, err := New(Options{Clock: NewManualClock(today)})
			if err != nil {
				t.Fatal(err)
			}
			ds := s.Data()
			// Four weeks for rates, thirteen for what is rarer.
			from4, from13 := today.AddDate(0, 0, -27), today.AddDate(0, 0, -90)
			dist := ds.DistributionAt(today)
			for a, app := range ds.Apps {
				k := app.Key
				check := func(what string, got, lo, hi float64) {
					t.Helper()
					if got < lo || got > hi {
						t.Errorf("%s: %s = %.2f, want %g to %g", k, what, got, lo, hi)
					}
				}
				evals := map[string]int64{}
				var allEvals int64
				for _, h := range hostings {
					evals[h] = ds.EvaluationsTotal(k, "hosting", h, from4, today)
					allEvals += evals[h]
				}
				check("evaluations a week", weekly(allEvals, 4), 15, 60)
				check("Cloud share of evaluations", float64(evals[HostingCloud])/float64(allEvals), 0.5, 1)
				for _, h := range app.Hostings {
					if h == HostingDataCenter {
						check("Data Center share of evaluations", float64(evals[h])/float64(allEvals), 0.12, 0.45)
					}
				}
				check("Server share of evaluations", float64(evals[HostingServer])/float64(allEvals), 0, 0.1)

				var sales, refunds int64
				for _, st := range saleTypes {
					n := ds.SalesTotal(k, "type", st, from4, today).Count
					sales += n
					if st == SaleRefund {
						refunds = ds.SalesTotal(k, "type", st, from13, today).Count
					}
				}
				check("transactions a week", weekly(sales, 4), 5, 45)
				check("refunds a month", float64(refunds)/3, 0.5, 8)

				var feedback int64
				for _, ft := range feedbackTypes {
					feedback += ds.FeedbackTotal(k, "type", ft, from4, today)
				}
				check("feedback a week", weekly(feedback, 4), 2, 20)

				var customers, cancellations int64
				for _, p := range billingPeriods {
					c, _ := ds.CloudMetricTotal(k, "churn", p, seriesCustomers, from13, today)
					x, _ := ds.CloudMetricTotal(k, "churn", p, seriesCancellations, from13, today)
					customers, cancellations = customers+c, cancellations+x
				}
				check("Cloud churn", float64(cancellations)/float64(customers), 0.015, 0.1)
				cloudEvals, _ := ds.CloudMetricTotal(k, "conversion", "", seriesEvaluations, from13, today)
				conversions, _ := ds.CloudMetricTotal(k, "conversion", "", seriesConversions, from13, today)
				check("Cloud conversion", float64(conversions)/float64(cloudEvals), 0.08, 0.3)

				check("MRR", ds.MRRAt(k, today), 1000, 50000)
				check("installs", float64(dist[a].TotalInstalls), 100, 5000)
			}
		})
	}
}

// TestDefaultVendorStory checks the trends the demo is built to show: one
// app growing fast, Server fading, and one app whose uninstalls burst now
// and then, enough to trip the feedback-spike alert (at least twice the
// 28-day weekly average and at least 5), which the others rarely do.
func TestDefaultVendorStory(t *testing.T) {
	today := testToday
	s, _ := newTestServer(t, Options{})
	ds := s.Data()
	evalsOver := func(key, hosting string, from, to time.Time) int64 {
		var n int64
		for _, h := range hostings {
			if hosting == "" || h == hosting {
				n += ds.EvaluationsTotal(key, "hosting", h, from, to)
			}
		}
		return n
	}
	quarter, yearAgo := today.AddDate(0, -3, 0), today.AddDate(-1, 0, 0)
	growing := 0
	for _, app := range ds.Apps {
		if evalsOver(app.Key, "", quarter, today) > 3*evalsOver(app.Key, "", yearAgo.AddDate(0, -3, 0), yearAgo)/2 {
			growing++
		}
	}
	if growing == 0 {
		t.Error("no app has half as many evaluations again as a year before")
	}
	alpha := ds.Apps[0].Key
	if now, before := evalsOver(alpha, HostingServer, quarter, today), evalsOver(alpha, HostingServer, yearAgo.AddDate(0, -3, 0), yearAgo); now >= before {
		t.Errorf("Server evaluations did not fall: %d this quarter, %d a year before", now, before)
	}

	spikeDays := map[string]int{}
	for i := range 365 {
		to := today.AddDate(0, 0, -i)
		for _, app := range ds.Apps {
			week := ds.FeedbackTotal(app.Key, "type", "uninstall", to.AddDate(0, 0, -6), to)
			month := ds.FeedbackTotal(app.Key, "type", "uninstall", to.AddDate(0, 0, -27), to)
			if week >= 5 && 2*week >= month {
				spikeDays[app.Key]++
			}
		}
	}
	for _, app := range ds.Apps {
		got, bursts := spikeDays[app.Key], app.Key == ds.Apps[1].Key
		switch {
		case bursts && (got < 30 || got > 120):
			t.Errorf("%s: uninstall spike on %d days of the year, want a week after each burst", app.Key, got)
		case !bursts && got > 20:
			t.Errorf("%s: uninstall spike on %d days of the year without bursts", app.Key, got)
		}
	}
}

// TestDataOutlivesTheMargin moves the clock far past the days New
// generated: the simulator generates further days on the way, and the
// days it had served before do not change.
func TestDataOutlivesTheMargin(t *testing.T) {
	s, clock := newTestServer(t, Options{})
	before := s.Data()
	past := v2(s) + "/sales/transactions/type?startDate=2026-01-01&endDate=2026-08-15"
	_, pastBody := fetch(t, s, http.MethodGet, past, "")
	exportPath := v2(s) + "/licenses/export?endDate=2026-08-15"
	_, exportBefore := fetch(t, s, http.MethodGet, exportPath, "")

	clock.Advance(400 * 24 * time.Hour)
	today := testToday.AddDate(0, 0, 400)
	var agg tAggregate
	getJSON(t, s, fmt.Sprintf("%s/evaluations/hosting?startDate=%s", v2(s), today.AddDate(0, 0, -27).Format(dateLayout)), &agg)
	if n := grand(agg.Total.Series).Count; n < 100 {
		t.Errorf("%d evaluations in the four weeks up to %s", n, today.Format(dateLayout))
	}
	after := s.Data()
	if after == before || !after.Last.After(today) || !after.First.Equal(before.First) {
		t.Fatalf("after 400 days the data runs %s to %s (before %s to %s)", after.First, after.Last, before.First, before.Last)
	}
	if _, b := fetch(t, s, http.MethodGet, past, ""); !bytes.Equal(b, pastBody) {
		t.Error("sales of days already served changed when the simulator generated more days")
	}
	// The licenses export is a snapshot as of today, so statuses move on;
	// the licenses themselves, in their order, stay.
	for i := range before.Licenses {
		if !before.Licenses[i].Start.After(testToday) && before.Licenses[i].LicenseID != after.Licenses[i].LicenseID {
			t.Fatalf("license %d changed: %s, then %s", i, before.Licenses[i].LicenseID, after.Licenses[i].LicenseID)
		}
	}
	clock.Set(testToday)
	if _, b := fetch(t, s, http.MethodGet, exportPath, ""); !bytes.Equal(b, exportBefore) {
		t.Error("the licenses export as of the first day changed")
	}
}

// TestSimulatorsShareTheirVendor creates two simulators with the same
// options on the same day: they share the generated events, and each keeps
// its own ids and clock.
func TestSimulatorsShareTheirVendor(t *testing.T) {
	c1, c2 := NewManualClock(testToday), NewManualClock(testToday.Add(time.Hour))
	a, err := New(Options{Clock: c1, DeveloperID: "11111111-1111-4111-8111-111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Options{Clock: c2, DeveloperID: "22222222-2222-4222-8222-222222222222"})
	if err != nil {
		t.Fatal(err)
	}
	da, db := a.Data(), b.Data()
	if &da.Licenses[0] != &db.Licenses[0] {
		t.Error("the second simulator generated the vendor again")
	}
	if da.DeveloperID == db.DeveloperID {
		t.Errorf("both datasets have developer id %s", da.DeveloperID)
	}
	c2.Advance(24 * time.Hour)
	from, to := testToday.AddDate(0, 0, -6), testToday.AddDate(0, 0, 1)
	if x, y := da.EvaluationsTotal("", "hosting", HostingCloud, from, to), b.Data().EvaluationsTotal("", "hosting", HostingCloud, from, to); x >= y {
		t.Errorf("the clock moved for b only, yet a sees %d evaluations and b %d", x, y)
	}
}
