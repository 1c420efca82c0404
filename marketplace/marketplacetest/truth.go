package marketplacetest

import (
	"time"
)

// The ground-truth functions compute what the aggregate endpoints serve by
// scanning the event slices, independently of the indexes the endpoints use.
// addonKey "" means every app (the "All apps" total). Ranges are inclusive
// UTC dates and are cut at the clock's today, as the endpoints cut them.

// SalesSum is a sales aggregate: rows, net units (refunds subtract) and the
// vendor's revenue in USD.
type SalesSum struct {
	Count, NetCount int64
	Revenue         float64
}

// LicenseKey groups licenses as a licenses export shows them.
type LicenseKey struct {
	AddonKey string
	// Hosting is the display name ("Cloud", "Data Center", "Server").
	Hosting string
	// LicenseType is upper case, as served.
	LicenseType string
	// Status is lower case, as served.
	Status string
}

// served reports whether t is a served day within [from, to].
func (d *Dataset) served(t, from, to time.Time) bool {
	day := dayOf(t)
	return day >= dayOf(from) && day <= dayOf(to) && day <= d.today()
}

// today is the clock's UTC date.
func (d *Dataset) today() day { return dayOf(d.clock.Now()) }

// EvaluationsTotal returns the evaluations of an app whose metric group is
// group ("hosting", "Cloud"), over [from, to].
func (d *Dataset) EvaluationsTotal(addonKey, metric, group string, from, to time.Time) int64 {
	groupOf := evaluationGroups[metric]
	var n int64
	for i := range d.Evaluations {
		e := &d.Evaluations[i]
		if groupOf != nil && (addonKey == "" || e.AddonKey == addonKey) && groupOf(e) == group && d.served(e.Date, from, to) {
			n++
		}
	}
	return n
}

// SalesTotal returns the sales of an app whose metric group is group
// ("tier", "25 Users"), over [from, to].
func (d *Dataset) SalesTotal(addonKey, metric, group string, from, to time.Time) SalesSum {
	groupOf := salesGroups[metric]
	var s SalesSum
	var cents int64
	for i := range d.Transactions {
		t := &d.Transactions[i]
		if groupOf != nil && (addonKey == "" || t.AddonKey == addonKey) && groupOf(t) == group && d.served(t.SaleDate, from, to) {
			s.Count++
			s.NetCount += netOf(t)
			cents += t.vendorCents
		}
	}
	s.Revenue = float64(cents) / 100
	return s
}

// FeedbackTotal returns the feedback entries of an app whose metric ("type"
// or "reason") group is group, over [from, to].
func (d *Dataset) FeedbackTotal(addonKey, metric, group string, from, to time.Time) int64 {
	groupOf := feedbackGroups[metric]
	var n int64
	for i := range d.Feedback {
		f := &d.Feedback[i]
		if groupOf != nil && (addonKey == "" || f.AddonKey == addonKey) && groupOf(f) == group && d.served(f.Date, from, to) {
			n++
		}
	}
	return n
}

// CloudMetricTotal returns the sum of a Cloud metric series over [from, to]
// and, for churn, its uniqueTotal (distinct licenses). metric is "churn"
// (dataset "Monthly"/"Annual", series "Customers"/"Cancellations"),
// "renewal" (dataset "Monthly"/"Annual", series "Renewal opportunities"/
// "Renewals") or "conversion" (dataset "", series "Evaluations"/
// "Conversions"). unique is 0 for metrics other than churn.
func (d *Dataset) CloudMetricTotal(addonKey, metric, dataset, series string, from, to time.Time) (sum, unique int64) {
	app := func(k string) bool { return addonKey == "" || k == addonKey }
	switch metric {
	case "churn", "renewal":
		seen := map[int]bool{}
		for i := range d.Billing {
			b := &d.Billing[i]
			if !app(b.AddonKey) || b.BillingPeriod != dataset || !d.served(b.Date, from, to) {
				continue
			}
			var counts bool
			switch series {
			case seriesCustomers, seriesOpportunities:
				counts = true
			case seriesCancellations:
				counts = !b.Renewed
			case seriesRenewals:
				counts = b.Renewed
			}
			if counts {
				sum++
				seen[b.License] = true
			}
		}
		if metric == "churn" {
			unique = int64(len(seen))
		}
	case "conversion":
		if dataset != "" {
			return 0, 0
		}
		switch series {
		case seriesEvaluations:
			for i := range d.Evaluations {
				e := &d.Evaluations[i]
				if app(e.AddonKey) && e.Hosting == HostingCloud && d.served(e.Date, from, to) {
					sum++
				}
			}
		case seriesConversions:
			for i := range d.Conversions {
				c := &d.Conversions[i]
				if app(c.AddonKey) && d.served(c.Date, from, to) {
					sum++
				}
			}
		}
	}
	return sum, unique
}

// LicenseCounts returns what a full licenses export on day at contains:
// every license started by then, grouped, with its status on that day.
func (d *Dataset) LicenseCounts(at time.Time) map[LicenseKey]int64 {
	out := map[LicenseKey]int64{}
	at = dayOf(at).time() // statuses change at midnight UTC
	for i := range d.Licenses {
		l := &d.Licenses[i]
		if l.Start.After(at) {
			break
		}
		out[LicenseKey{l.AddonKey, l.Hosting, l.LicenseType, l.StatusAt(at)}]++
	}
	return out
}

// MRRAt returns an app's monthly recurring revenue in USD at the end of day
// at: the monthly-equivalent vendor amount of its paid Cloud subscriptions
// active then. addonKey "" sums every app.
func (d *Dataset) MRRAt(addonKey string, at time.Time) float64 {
	var c int64
	for i := range d.MRR {
		m := &d.MRR[i]
		if m.Date.After(at) {
			break
		}
		if addonKey == "" || m.AddonKey == addonKey {
			c += m.cents
		}
	}
	return float64(c) / 100
}
