package marketplacetest

import (
	"time"
)

// Dataset is the ground truth behind every response: one synthetic vendor,
// generated deterministically from the seed. It holds events for days up to
// Last, marginDays past the day it was generated; only days up to the
// clock's today are ever served. It must not be modified: simulators may
// share its events.
//
// Every event slice is sorted by date. Dates are midnight UTC.
type Dataset struct {
	// VendorID is the v2 vendor id.
	VendorID int64
	// DeveloperID is the v3 developer-space id.
	DeveloperID string
	// Apps are the vendor's apps, in the order responses list them.
	Apps []App

	// First and Last bound the generated days, inclusive. First is the first
	// day of history: nothing exists before it.
	First, Last time.Time

	// Licenses are all licenses ever started, by start date.
	Licenses []License
	// Evaluations are evaluation starts, one for each EVALUATION license.
	Evaluations []Evaluation
	// Transactions are all sales rows, by sale date.
	Transactions []Transaction
	// Feedback are uninstall, disable and unsubscribe feedback entries.
	Feedback []Feedback
	// Billing are Cloud subscriptions reaching the end of a billing period:
	// the events behind the churn and renewal metrics.
	Billing []BillingEvent
	// Conversions are Cloud evaluations turning into paid subscriptions.
	Conversions []Conversion
	// MRR are the changes of monthly recurring revenue behind partner-metrics.
	MRR []MRRChange
	// ChurnBenchmarks, EvaluationBenchmarks and SalesBenchmarks are the
	// monthly benchmark rows, by month then app; see Benchmarks for which
	// months are published on a given day.
	ChurnBenchmarks      []ChurnBenchmarkMonth
	EvaluationBenchmarks []EvaluationBenchmarkMonth
	SalesBenchmarks      []SalesBenchmarkMonth
	// Insights are the monthly customer-insights snapshots, by month.
	Insights []InsightsMonth

	appIndex map[string]int
	clock    Clock
	first    day
	last     day
	idx      *indexes
	seed     int64
}

// App is one of the vendor's apps.
type App struct {
	Key  string
	Name string
	// ProductID is the app's v3 product id.
	ProductID string
	// ParentProduct is "Jira" or "Confluence".
	ParentProduct string
	// Hostings are the hostings the app is sold for, as display names.
	Hostings []string
	// Version is the latest app version, as feedback reports it.
	Version string
	// AppDistribution is the distribution summary as of the day the Dataset
	// was generated; the endpoints serve DistributionAt the clock's today.
	AppDistribution
	// ReviewCount and AverageStars are the review summary.
	ReviewCount  int64
	AverageStars float64

	// Prices in cents: per user tier a monthly Cloud price and an annual
	// Data Center/Server price.
	cloudMonthly, dcAnnual []int64
}

// Customer is the synthetic customer behind a license. Any contact field
// may read "RTBF" (right to be forgotten).
type Customer struct {
	Company          string
	Country, Region  string
	TechnicalContact Contact
	BillingContact   Contact
}

// Contact is a person at a customer or partner.
type Contact struct {
	Name, Email, Phone string
}

// Partner is the Solution Partner that sold a license.
type Partner struct {
	Name string
	// Type is "Expert", "Reseller" or "Corporate_reseller".
	Type    string
	Contact Contact
}

// TierSpan is a license's tier from a day on.
type TierSpan struct {
	From  time.Time
	Tier  string
	Users int
}

// License is one license. Its status changes over time; see StatusAt.
type License struct {
	AddonKey string
	// LicenseID is a SEN (Server, Data Center) or an E-number (Cloud).
	LicenseID            string
	AddonLicenseID       string
	AppEntitlementID     string
	AppEntitlementNumber string
	HostLicenseID        string
	// HostEntitlementID and HostEntitlementNumber identify the Cloud
	// site's parent product subscription.
	HostEntitlementID     string
	HostEntitlementNumber string
	TransactionAccountID  string
	CloudID               string
	CloudSiteHostname     string
	Hosting               string
	LicenseType           string
	// BillingPeriod is "Monthly" or "Annual" for paid Cloud subscriptions.
	BillingPeriod string
	// AppEdition is "Standard" or "Advanced" on Cloud.
	AppEdition string
	// ParentProductEdition is the Cloud site's edition (Free, Standard,
	// Premium, Enterprise).
	ParentProductEdition string
	// Start is the first day; End the last day of the last granted period.
	Start, End time.Time
	// Cancelled is the day the license became cancelled, or zero.
	Cancelled time.Time
	// Tiers is the tier history, oldest first.
	Tiers    []TierSpan
	Customer Customer
	// Partner is nil for direct sales.
	Partner *Partner
	// Evaluation is the index in Dataset.Licenses of the evaluation this
	// license converted from, or -1.
	Evaluation int
	// ConvertedOn is, for an evaluation that converted, the conversion day.
	ConvertedOn time.Time
	// Channel is the marketing attribution channel.
	Channel string

	periodMonths int // 0: End is fixed (evaluations)
	number       uint64
}

// StatusAt returns the license's status on day at: "cancelled" from the
// cancellation day on, "inactive" after the last granted day, else "active".
func (l *License) StatusAt(at time.Time) string {
	switch {
	case !l.Cancelled.IsZero() && !at.Before(l.Cancelled):
		return StatusCancelled
	case at.After(l.End):
		return StatusInactive
	default:
		return StatusActive
	}
}

// TierAt returns the license's tier on day at.
func (l *License) TierAt(at time.Time) TierSpan {
	t := l.Tiers[0]
	for _, s := range l.Tiers[1:] {
		if s.From.After(at) {
			break
		}
		t = s
	}
	return t
}

// Evaluation is an evaluation start.
type Evaluation struct {
	AddonKey string
	Date     time.Time
	Hosting  string
	Country  string
	Region   string
	// Partner is the partner type series name, "Direct" without a partner.
	Partner string
	// License is the index of the evaluation license in Dataset.Licenses.
	License int
}

// Transaction is one sales row (a transaction line item).
type Transaction struct {
	TransactionID string
	LineItemID    string
	AddonKey      string
	// License is the index of the license in Dataset.Licenses.
	License       int
	SaleDate      time.Time
	SaleType      string
	Hosting       string
	LicenseType   string
	BillingPeriod string
	Tier          string
	OldTier       string
	// ChangeInTier is "Increase", "Decrease" or "Not Applicable".
	ChangeInTier string
	Country      string
	Region       string
	// Partner is the partner type series name, "Direct" without a partner.
	Partner string
	// PurchasePrice and VendorAmount are USD; both negative on refunds.
	PurchasePrice    float64
	VendorAmount     float64
	MaintenanceStart time.Time
	MaintenanceEnd   time.Time
	PaymentStatus    string

	vendorCents int64
}

// Feedback is an uninstall, disable or unsubscribe feedback entry.
type Feedback struct {
	AddonKey string
	Date     time.Time
	Hosting  string
	// Type is "uninstall", "disable" or "unsubscribe".
	Type      string
	ReasonKey string
	Message   string
	// FullName and Email are empty for anonymous feedback.
	FullName, Email      string
	LicenseID            string
	AppEntitlementID     string
	AppEntitlementNumber string
	CloudID              string
	AddonVersion         string
	ApplicationVersion   string
}

// BillingEvent is a paid Cloud subscription reaching the end of a billing
// period: a renewal opportunity and a churn-metric customer, which either
// renews or cancels.
type BillingEvent struct {
	AddonKey      string
	Date          time.Time
	BillingPeriod string
	License       int
	Renewed       bool
	// Transaction is the index of the renewal's transaction, or -1.
	Transaction int
}

// Conversion is a Cloud evaluation converting to a paid subscription.
type Conversion struct {
	AddonKey string
	Date     time.Time
	// Evaluation and License index the evaluation and the paid license.
	Evaluation, License int
	// Transaction indexes the paid license's first transaction.
	Transaction int
}

// MRR change kinds, as partner-metrics field names.
const (
	MRRNew         = "NEW_MRR"
	MRRExpansion   = "EXPANSION_MRR"
	MRRContraction = "CONTRACTION_MRR"
	MRRReactivated = "REACTIVATED_MRR"
	MRRExpired     = "EXPIRED_MRR"
)

// MRRChange is a change of an app's monthly recurring revenue (the vendor's
// share, monthly equivalent) on a day. Amount is negative for contraction
// and expiry.
type MRRChange struct {
	AddonKey string
	Date     time.Time
	Kind     string
	Amount   float64

	cents int64
}

// ChurnBenchmarkMonth is a churn benchmark row.
type ChurnBenchmarkMonth struct {
	AddonKey string
	Month    time.Time
	// TotalLicenses were active on the month's last day; ChurnedLicenses of
	// them were no longer active on the next month's last day.
	TotalLicenses, ChurnedLicenses                 int64
	ChurnRate, IsolatedChurnRate                   float64
	ChurnRateBenchmark, IsolatedChurnRateBenchmark float64
}

// EvaluationBenchmarkMonth is an evaluation benchmark row. Counts are Cloud
// evaluations.
type EvaluationBenchmarkMonth struct {
	AddonKey                   string
	Month                      time.Time
	EvaluationCount            int64
	PreviousMonthCount         int64
	MoMGrowth                  float64
	Percentile                 float64
	MoMGrowthBenchmark         float64
	CountYTD, CountYTDLastYear int64
	YTDYoYGrowth               float64
	YTDPercentile              float64
	YTDYoYGrowthBenchmark      float64
}

// SalesBenchmarkMonth is a sales benchmark row. Sales are the vendor amounts
// of Cloud transactions.
type SalesBenchmarkMonth struct {
	AddonKey                   string
	Month                      time.Time
	Sale, PreviousMonthSale    float64
	MoMGrowth                  float64
	Percentile                 float64
	MoMGrowthBenchmark         float64
	SalesYTD, SalesYTDLastYear float64
	YTDYoYGrowth               float64
	YTDPercentile              float64
	YTDYoYGrowthBenchmark      float64

	// The money fields in cents, so that vendor totals add up exactly.
	saleCents, prevCents, ytdCents, lastYearCents int64
}

// InsightsMonth is a month of customer insights, taken over the Cloud
// licenses active on the month's last day. Each map goes from group value
// (as served) to a user count.
type InsightsMonth struct {
	Month time.Time
	// Regions: apac, emea, americas, unknown.
	Regions map[string]int64
	// Editions: free, standard, premium, enterprise.
	Editions map[string]int64
	// ActiveUsers: paid, non-paid.
	ActiveUsers map[string]int64
	// Tiers: product ("Jira", "Confluence") to tier ("Evaluation", "1-10",
	// "11-100", "101-1000", "1000+").
	Tiers map[string]map[string]int64
}

// App returns the app with the given key.
func (d *Dataset) App(key string) (App, bool) {
	i, ok := d.appIndex[key]
	if !ok {
		return App{}, false
	}
	return d.Apps[i], true
}
