package main

import (
	"testing"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// TestDemoFillsEveryWeek checks that the demo vendor is busy enough for every dashboard panel to
// show numbers over a 7-day window on any date: TestEndToEndPrometheus runs the panels on today's
// data only, this covers every window ending in the last year and up to the simulator's last
// day (the simulator draws a day's events from the seed and the day alone, so these are the days
// the demo shows). Without an event of each kind below in the window, some panels have no series
// (sales and evaluations by region, country or partner, feedback by reason) or divide by zero
// (Cloud conversion, monthly churn and renewal).
func TestDemoFillsEveryWeek(t *testing.T) {
	opts := demoOptions()
	now := time.Now().UTC()
	opts.Clock = marketplacetest.NewManualClock(now)
	sim, err := marketplacetest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	d := sim.Data()
	first, last := now.AddDate(-1, 0, 0).Truncate(24*time.Hour), d.Last
	days := int(last.Sub(first).Hours()/24) + 1

	kinds := map[string][]time.Time{}
	for _, e := range d.Evaluations {
		kinds["evaluation"] = append(kinds["evaluation"], e.Date)
		if e.Hosting == marketplacetest.HostingCloud {
			kinds["Cloud evaluation"] = append(kinds["Cloud evaluation"], e.Date)
		}
	}
	for _, tx := range d.Transactions {
		kinds["sale"] = append(kinds["sale"], tx.SaleDate)
	}
	for _, b := range d.Billing {
		if b.BillingPeriod == marketplacetest.Monthly {
			kinds["monthly Cloud renewal date"] = append(kinds["monthly Cloud renewal date"], b.Date)
		}
	}
	for _, f := range d.Feedback {
		kinds["feedback"] = append(kinds["feedback"], f.Date)
	}
	for kind, dates := range kinds {
		perDay := make([]int, days+7)
		for _, at := range dates {
			// Index i counts the events of day first-7+i, so that the windows ending on the first
			// days are complete.
			if i := int(at.Sub(first).Hours()/24) + 7; i >= 0 && i < len(perDay) {
				perDay[i]++
			}
		}
		empty, fewest := 0, -1
		for end := 7; end < len(perDay); end++ {
			n := 0
			for _, c := range perDay[end-6 : end+1] {
				n += c
			}
			if n == 0 {
				empty++
				if empty <= 3 {
					t.Errorf("no %s in the 7 days to %s", kind, first.AddDate(0, 0, end-7).Format(time.DateOnly))
				}
			}
			if fewest < 0 || n < fewest {
				fewest = n
			}
		}
		if empty > 3 {
			t.Errorf("no %s in %d more windows", kind, empty-3)
		}
		t.Logf("%-26s at least %d in every 7 days from %s to %s", kind, fewest, first.Format(time.DateOnly), last.Format(time.DateOnly))
	}
}
