package marketplace

import (
	"context"
	"iter"
	"net/url"
)

// LicensesService reads the vendor's licenses.
type LicensesService service

// LicenseOptions filters licenses. Zero fields are not sent.
type LicenseOptions struct {
	// Addons are app keys.
	Addons []string
	// LicenseTypes are e.g. "commercial", "evaluation".
	LicenseTypes []string
	// Statuses are "active", "cancelled", "inactive".
	Statuses []string
	// Hostings are "cloud", "datacenter", "server".
	Hostings []string
	// PartnerTypes are "direct", "expert", "reseller".
	PartnerTypes []string
	// StartDate is the first day of the range.
	StartDate Date
	// EndDate is the last day of the range.
	EndDate Date
	// LastUpdated keeps rows updated on or after it.
	LastUpdated Date
	// DateType says which maintenance date the range applies to: "start"
	// or "end".
	DateType string
	// WithDataInsights adds attribution and evaluation-to-sale fields.
	WithDataInsights bool
	// IncludeAtlassianLicenses includes licenses held by Atlassian.
	IncludeAtlassianLicenses bool
	// Offset is the number of rows to skip (List and All only).
	Offset int
}

// ContactDetails is the customer of a license. Any value may read "RTBF"
// (right to be forgotten).
type ContactDetails struct {
	Company          string   `json:"company"`
	Country          string   `json:"country"`
	Region           string   `json:"region"`
	TechnicalContact *Contact `json:"technicalContact"`
	BillingContact   *Contact `json:"billingContact"`
}

// Contact is a person. Any value may read "RTBF" (right to be forgotten).
type Contact struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// PartnerDetails names the Solution Partner of a sale; direct sales have
// none.
type PartnerDetails struct {
	PartnerName string `json:"partnerName"`
	// PartnerType is "Expert", "Reseller", "Corporate_reseller" or "Unknown".
	PartnerType string `json:"partnerType"`
}

// License is one license row. Fields hold the API's values unchanged:
// hosting "Cloud" or "Data Center", license type upper case ("COMMERCIAL"),
// status lower case ("active"). LicenseID is a SEN for Server and Data
// Center and an entitlement number for Cloud. Optional fields are "" (or
// the zero Date) when absent; Partner is nil for direct sales. Fields the
// exporter has no use for (attribution, data insights) are not decoded.
type License struct {
	AddonLicenseID       string          `json:"addonLicenseId"`
	LicenseID            string          `json:"licenseId"`
	AppEntitlementID     string          `json:"appEntitlementId"`
	AppEntitlementNumber string          `json:"appEntitlementNumber"`
	HostLicenseID        string          `json:"hostLicenseId"`
	CloudID              string          `json:"cloudId"`
	CloudSiteHostname    string          `json:"cloudSiteHostname"`
	AddonKey             string          `json:"addonKey"`
	AddonName            string          `json:"addonName"`
	Hosting              string          `json:"hosting"`
	AppEdition           string          `json:"appEdition"`
	LicenseType          string          `json:"licenseType"`
	Status               string          `json:"status"`
	Tier                 string          `json:"tier"`
	LastUpdated          Date            `json:"lastUpdated"`
	MaintenanceStartDate Date            `json:"maintenanceStartDate"`
	MaintenanceEndDate   Date            `json:"maintenanceEndDate"`
	Contact              ContactDetails  `json:"contactDetails"`
	Partner              *PartnerDetails `json:"partnerDetails"`
}

// List returns one page of licenses, starting at opts.Offset.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-licenses-get
func (s *LicensesService) List(ctx context.Context, opts *LicenseOptions) ([]License, *Response, error) {
	return licenses.list(ctx, s.client, opts.query(), orZero(opts).Offset)
}

// All returns every license from opts.Offset on, following the next links
// page by page.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-licenses-get
func (s *LicensesService) All(ctx context.Context, opts *LicenseOptions) iter.Seq2[License, error] {
	return licenses.all(ctx, s.client, opts.query(), orZero(opts).Offset)
}

// Export streams every license matching opts from the JSON export, decoding
// one row at a time so that the whole export is never held in memory.
// opts.Offset is ignored. Only the request is retried: an export that
// breaks off after rows were yielded ends with an error.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-licenses-export-get
func (s *LicensesService) Export(ctx context.Context, opts *LicenseOptions) iter.Seq2[License, error] {
	return licenses.export(ctx, s.client, opts.query())
}

func (o *LicenseOptions) query() url.Values {
	q := query{}
	if o != nil {
		q.strs("addon", o.Addons)
		q.strs("licenseType", o.LicenseTypes)
		q.strs("status", o.Statuses)
		q.strs("hosting", o.Hostings)
		q.strs("partnerType", o.PartnerTypes)
		q.date("startDate", o.StartDate)
		q.date("endDate", o.EndDate)
		q.date("lastUpdated", o.LastUpdated)
		q.str("dateType", o.DateType)
		q.flag("withDataInsights", o.WithDataInsights)
		q.flag("includeAtlassianLicenses", o.IncludeAtlassianLicenses)
	}
	return q.values()
}

var licenses = collection[License]{
	endpoint: "licenses",
	path:     []string{"licenses"},
	newPage:  func() pager[License] { return &licensePage{} },
}

// licensePage is the wire form of LicenseCollection.
type licensePage struct {
	reportingPage
	Licenses []License `json:"licenses"`
}

func (p *licensePage) rows() []License { return p.Licenses }
