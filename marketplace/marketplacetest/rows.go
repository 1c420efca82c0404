package marketplacetest

import (
	"strconv"
	"time"
)

// Row bodies of the reporting lists and exports. Optional fields are
// omitted when empty, as the API omits them.

type contactJSON struct {
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
}

type contactDetailsJSON struct {
	Company          string       `json:"company,omitempty"`
	Country          string       `json:"country,omitempty"`
	Region           string       `json:"region,omitempty"`
	TechnicalContact *contactJSON `json:"technicalContact,omitempty"`
	BillingContact   *contactJSON `json:"billingContact,omitempty"`
}

type partnerJSON struct {
	PartnerName    string       `json:"partnerName"`
	PartnerType    string       `json:"partnerType"`
	BillingContact *contactJSON `json:"billingContact,omitempty"`
}

type attributionJSON struct {
	Channel        string `json:"channel,omitempty"`
	ReferrerDomain string `json:"referrerDomain,omitempty"`
}

type licenseJSON struct {
	AddonLicenseID       string             `json:"addonLicenseId"`
	AppEntitlementID     string             `json:"appEntitlementId,omitempty"`
	AppEntitlementNumber string             `json:"appEntitlementNumber,omitempty"`
	HostLicenseID        string             `json:"hostLicenseId,omitempty"`
	HostEntitlementID    string             `json:"hostEntitlementId,omitempty"`
	HostEntitlementNum   string             `json:"hostEntitlementNumber,omitempty"`
	LicenseID            string             `json:"licenseId"`
	CloudID              string             `json:"cloudId,omitempty"`
	CloudSiteHostname    string             `json:"cloudSiteHostname,omitempty"`
	AddonKey             string             `json:"addonKey"`
	AddonName            string             `json:"addonName"`
	ProductID            string             `json:"productId,omitempty"`
	Hosting              string             `json:"hosting"`
	AppEdition           string             `json:"appEdition,omitempty"`
	IsNewBillingSystem   string             `json:"isNewBillingSystem,omitempty"`
	NewBillingSystem     string             `json:"newBillingSystem,omitempty"`
	LastUpdated          string             `json:"lastUpdated"`
	LicenseType          string             `json:"licenseType"`
	MaintenanceStartDate string             `json:"maintenanceStartDate"`
	MaintenanceEndDate   string             `json:"maintenanceEndDate,omitempty"`
	LatestMaintStartDate string             `json:"latestMaintenanceStartDate,omitempty"`
	Status               string             `json:"status"`
	Tier                 string             `json:"tier"`
	ContactDetails       contactDetailsJSON `json:"contactDetails"`
	PartnerDetails       *partnerJSON       `json:"partnerDetails,omitempty"`
	Attribution          *attributionJSON   `json:"attribution,omitempty"`
	// Data insights, only with withDataInsights=true.
	EvaluationOpportunitySize string   `json:"evaluationOpportunitySize,omitempty"`
	EvaluationLicense         string   `json:"evaluationLicense,omitempty"`
	DaysToConvertEval         string   `json:"daysToConvertEval,omitempty"`
	EvaluationStartDate       string   `json:"evaluationStartDate,omitempty"`
	EvaluationEndDate         string   `json:"evaluationEndDate,omitempty"`
	EvaluationSaleDate        string   `json:"evaluationSaleDate,omitempty"`
	ParentProductBillingCycle string   `json:"parentProductBillingCycle,omitempty"`
	ParentProductName         string   `json:"parentProductName,omitempty"`
	ParentProductEdition      string   `json:"parentProductEdition,omitempty"`
	InstalledOnSandbox        string   `json:"installedOnSandbox,omitempty"`
	LicenseSourceType         string   `json:"licenseSourceType,omitempty"`
	TransactionAccountID      string   `json:"transactionAccountId,omitempty"`
	ExtendedServerSupport     string   `json:"extendedServerSupport,omitempty"`
	InGracePeriod             string   `json:"inGracePeriod,omitempty"`
	CloudComplianceBoundaries []string `json:"cloudComplianceBoundaries,omitempty"`
	LicenseLevel              string   `json:"licenseLevel,omitempty"`
}

type discountJSON struct {
	Type   string  `json:"type"`
	Amount float64 `json:"amount"`
}

type purchaseJSON struct {
	SaleDate              string         `json:"saleDate"`
	LicenseType           string         `json:"licenseType"`
	Hosting               string         `json:"hosting"`
	BillingPeriod         string         `json:"billingPeriod"`
	ChangeInBillingPeriod string         `json:"changeInBillingPeriod"`
	OldBillingPeriod      string         `json:"oldBillingPeriod"`
	Tier                  string         `json:"tier"`
	ChangeInTier          string         `json:"changeInTier,omitempty"`
	OldTier               string         `json:"oldTier,omitempty"`
	ParentProductName     string         `json:"parentProductName,omitempty"`
	ParentProductEdition  string         `json:"parentProductEdition,omitempty"`
	ChangeInParentEdition string         `json:"changeInParentProductEdition,omitempty"`
	OldParentEdition      string         `json:"oldParentProductEdition,omitempty"`
	PurchasePrice         float64        `json:"purchasePrice"`
	VendorAmount          float64        `json:"vendorAmount"`
	PartnerDiscountAmount float64        `json:"partnerDiscountAmount,omitempty"`
	Discounts             []discountJSON `json:"discounts"`
	SaleType              string         `json:"saleType"`
	RefundReason          string         `json:"refundReason,omitempty"`
	MaintenanceStartDate  string         `json:"maintenanceStartDate"`
	MaintenanceEndDate    string         `json:"maintenanceEndDate"`
	PaymentTerms          string         `json:"paymentTerms,omitempty"`
}

type transactionJSON struct {
	TransactionID         string             `json:"transactionId"`
	TransactionLineItemID string             `json:"transactionLineItemId"`
	AddonLicenseID        string             `json:"addonLicenseId"`
	LicenseID             string             `json:"licenseId"`
	AppEntitlementID      string             `json:"appEntitlementId,omitempty"`
	AppEntitlementNumber  string             `json:"appEntitlementNumber,omitempty"`
	HostLicenseID         string             `json:"hostLicenseId,omitempty"`
	HostEntitlementID     string             `json:"hostEntitlementId,omitempty"`
	HostEntitlementNumber string             `json:"hostEntitlementNumber,omitempty"`
	CloudID               string             `json:"cloudId,omitempty"`
	AddonKey              string             `json:"addonKey"`
	AddonName             string             `json:"addonName"`
	ProductID             string             `json:"productId,omitempty"`
	AppEdition            string             `json:"appEdition,omitempty"`
	LastUpdated           string             `json:"lastUpdated"`
	PaymentStatus         string             `json:"paymentStatus"`
	LicenseLevel          string             `json:"licenseLevel,omitempty"`
	CloudComplianceBounds []string           `json:"cloudComplianceBoundaries,omitempty"`
	CustomerDetails       contactDetailsJSON `json:"customerDetails"`
	PurchaseDetails       purchaseJSON       `json:"purchaseDetails"`
	PartnerDetails        *partnerJSON       `json:"partnerDetails,omitempty"`
}

type feedbackJSON struct {
	AddonKey             string `json:"addonKey"`
	AddonName            string `json:"addonName"`
	ProductID            string `json:"productId,omitempty"`
	AddonVersion         string `json:"addonVersion"`
	ApplicationKey       string `json:"applicationKey"`
	ApplicationVersion   string `json:"applicationVersion,omitempty"`
	Hosting              string `json:"hosting"`
	AppEdition           string `json:"appEdition,omitempty"`
	Date                 string `json:"date"`
	FeedbackType         string `json:"feedbackType"`
	ReasonKey            string `json:"reasonKey"`
	Message              string `json:"message"`
	Email                string `json:"email,omitempty"`
	FullName             string `json:"fullName,omitempty"`
	LicenseID            string `json:"licenseId,omitempty"`
	AppEntitlementID     string `json:"appEntitlementId,omitempty"`
	AppEntitlementNumber string `json:"appEntitlementNumber,omitempty"`
	CloudID              string `json:"cloudId,omitempty"`
}

type licenseDetailJSON struct {
	LicenseID            string `json:"licenseId"`
	AppEntitlementID     string `json:"appEntitlementId,omitempty"`
	AppEntitlementNumber string `json:"appEntitlementNumber,omitempty"`
	CloudID              string `json:"cloudId,omitempty"`
	MaintenanceStartDate string `json:"maintenanceStartDate"`
	MaintenanceEndDate   string `json:"maintenanceEndDate"`
	MonthsValid          int    `json:"monthsValid"`
}

// transitionJSON is a LicenseTransition. v2 nests the license fields in
// licenseDetails; v3 puts them on the event (the embedded pointer) and sends
// licenseDetails as null.
type transitionJSON struct {
	AddonKey      string `json:"addonKey"`
	AddonName     string `json:"addonName"`
	ProductID     string `json:"productId,omitempty"`
	Hosting       string `json:"hosting"`
	AppEdition    string `json:"appEdition,omitempty"`
	LastUpdated   string `json:"lastUpdated"`
	EventDate     string `json:"eventDate"`
	TransactionID string `json:"transactionId,omitempty"`
	InGracePeriod string `json:"inGracePeriod"`
	*licenseDetailJSON
	LicenseDetails *licenseDetailJSON `json:"licenseDetails"`
}

func contactOf(c Contact) *contactJSON {
	if c == (Contact{}) {
		return nil
	}
	return &contactJSON{Email: c.Email, Name: c.Name, Phone: c.Phone}
}

func contactDetailsOf(c *Customer) contactDetailsJSON {
	return contactDetailsJSON{
		Company: c.Company, Country: c.Country, Region: c.Region,
		TechnicalContact: contactOf(c.TechnicalContact), BillingContact: contactOf(c.BillingContact),
	}
}

func partnerOf(p *Partner) *partnerJSON {
	if p == nil {
		return nil
	}
	return &partnerJSON{PartnerName: p.Name, PartnerType: p.Type, BillingContact: contactOf(p.Contact)}
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

// licenseState is a license as of a day: what changes over its life.
type licenseState struct {
	status               string
	maintStart, maintEnd day
	lastUpdated          day
	tier                 TierSpan
}

// stateAt returns l's state on day at.
func stateAt(l *License, at day) licenseState {
	st := licenseState{status: l.StatusAt(at.time()), tier: l.TierAt(at.time())}
	start, end := dayOf(l.Start), dayOf(l.End)
	st.maintStart, st.maintEnd = start, end
	if pm := l.periodMonths; pm > 0 {
		ref := min(at, end)
		// Estimate the period by month arithmetic, then correct for
		// day-of-month overflow; this avoids a loop over every period.
		k := max(0, (monthNumber(ref)-monthNumber(start))/pm)
		for k > 0 && start.addMonths(k*pm) > ref {
			k--
		}
		for start.addMonths((k+1)*pm) <= ref {
			k++
		}
		st.maintStart = start.addMonths(k * pm)
		st.maintEnd = min(start.addMonths((k+1)*pm)-1, end)
	}
	st.lastUpdated = st.maintStart
	if end < at {
		st.lastUpdated = end + 1
	}
	if c := l.Cancelled; !c.IsZero() && dayOf(c) <= at {
		st.lastUpdated = max(st.lastUpdated, dayOf(c))
	}
	return st
}

// licenseRow renders license i as of day at.
func (c *call) licenseRow(i int, st licenseState, insights bool) licenseJSON {
	l := &c.ds.Licenses[i]
	app := &c.ds.Apps[c.ds.appIndex[l.AddonKey]]
	row := licenseJSON{
		AddonLicenseID:       l.AddonLicenseID,
		AppEntitlementID:     l.AppEntitlementID,
		AppEntitlementNumber: l.AppEntitlementNumber,
		HostLicenseID:        l.HostLicenseID,
		HostEntitlementID:    l.HostEntitlementID,
		HostEntitlementNum:   l.HostEntitlementNumber,
		LicenseID:            l.LicenseID,
		CloudID:              l.CloudID,
		CloudSiteHostname:    l.CloudSiteHostname,
		AddonKey:             l.AddonKey,
		AddonName:            app.Name,
		Hosting:              l.Hosting,
		AppEdition:           l.AppEdition,
		LastUpdated:          st.lastUpdated.String(),
		LicenseType:          l.LicenseType,
		MaintenanceStartDate: st.maintStart.String(),
		MaintenanceEndDate:   st.maintEnd.String(),
		LatestMaintStartDate: st.maintStart.String(),
		Status:               st.status,
		Tier:                 st.tier.Tier,
		ContactDetails:       contactDetailsOf(&l.Customer),
		PartnerDetails:       partnerOf(l.Partner),
	}
	cloud := l.Hosting == HostingCloud
	if c.v3 {
		row.ProductID = app.ProductID
	}
	if cloud {
		billing := "Yes"
		if c.v3 {
			row.NewBillingSystem = billing
		} else {
			row.IsNewBillingSystem = billing
		}
		row.InGracePeriod = "No"
		row.CloudComplianceBoundaries = []string{"commercial"}
		row.LicenseLevel = "single-instance"
	}
	if !insights {
		return row
	}
	row.Attribution = &attributionJSON{Channel: l.Channel}
	row.EvaluationOpportunitySize = strconv.Itoa(l.Tiers[0].Users)
	row.EvaluationLicense, row.DaysToConvertEval = "NA", "NA"
	row.EvaluationStartDate, row.EvaluationEndDate, row.EvaluationSaleDate = "NA", "NA", "NA"
	if l.Evaluation >= 0 {
		e := &c.ds.Licenses[l.Evaluation]
		row.EvaluationLicense = e.LicenseID
		row.DaysToConvertEval = strconv.Itoa(int(dayOf(l.Start) - dayOf(e.Start)))
		row.EvaluationStartDate, row.EvaluationEndDate = formatDate(e.Start), formatDate(e.End)
		row.EvaluationSaleDate = formatDate(l.Start)
	}
	row.LicenseSourceType = "Non-Atlassian"
	row.TransactionAccountID = l.TransactionAccountID
	row.ExtendedServerSupport = "NA"
	if cloud {
		row.ParentProductBillingCycle = "MONTHLY"
		row.ParentProductName = app.ParentProduct
		row.ParentProductEdition = l.ParentProductEdition
		row.InstalledOnSandbox = "No"
	} else {
		row.ParentProductBillingCycle, row.ParentProductName, row.ParentProductEdition = "NA", "NA", "NA"
		row.InstalledOnSandbox = "NA"
		if l.LicenseType == TypeEvaluation {
			row.ParentProductBillingCycle = "ANNUAL"
		}
	}
	return row
}

// transactionRow renders transaction i.
func (c *call) transactionRow(i int) transactionJSON {
	t := &c.ds.Transactions[i]
	l := &c.ds.Licenses[t.License]
	app := &c.ds.Apps[c.ds.appIndex[t.AddonKey]]
	row := transactionJSON{
		TransactionID:         t.TransactionID,
		TransactionLineItemID: t.LineItemID,
		AddonLicenseID:        l.AddonLicenseID,
		LicenseID:             l.LicenseID,
		AppEntitlementID:      l.AppEntitlementID,
		AppEntitlementNumber:  l.AppEntitlementNumber,
		HostLicenseID:         l.HostLicenseID,
		HostEntitlementID:     l.HostEntitlementID,
		HostEntitlementNumber: l.HostEntitlementNumber,
		CloudID:               l.CloudID,
		AddonKey:              t.AddonKey,
		AddonName:             app.Name,
		AppEdition:            l.AppEdition,
		LastUpdated:           formatDate(t.SaleDate),
		PaymentStatus:         t.PaymentStatus,
		CustomerDetails:       contactDetailsOf(&l.Customer),
		PurchaseDetails: purchaseJSON{
			SaleDate:              formatDate(t.SaleDate),
			LicenseType:           t.LicenseType,
			Hosting:               t.Hosting,
			BillingPeriod:         t.BillingPeriod,
			ChangeInBillingPeriod: "No",
			OldBillingPeriod:      t.BillingPeriod,
			Tier:                  t.Tier,
			ChangeInTier:          t.ChangeInTier,
			OldTier:               t.OldTier,
			PurchasePrice:         t.PurchasePrice,
			VendorAmount:          t.VendorAmount,
			Discounts:             []discountJSON{},
			SaleType:              t.SaleType,
			MaintenanceStartDate:  formatDate(t.MaintenanceStart),
			MaintenanceEndDate:    formatDate(t.MaintenanceEnd),
		},
		PartnerDetails: partnerOf(l.Partner),
	}
	if c.v3 {
		row.ProductID = app.ProductID
	}
	p := &row.PurchaseDetails
	if t.Hosting == HostingCloud {
		p.ParentProductName, p.ParentProductEdition = app.ParentProduct, l.ParentProductEdition
		p.ChangeInParentEdition, p.OldParentEdition = "No", l.ParentProductEdition
		row.LicenseLevel, row.CloudComplianceBounds = "single-instance", []string{"commercial"}
	} else {
		p.PaymentTerms = "Net30"
	}
	if t.SaleType == SaleRefund {
		p.RefundReason = "REFUND_CANCELLED_PURCHASE"
	}
	return row
}

// feedbackRow renders feedback entry i.
func (c *call) feedbackRow(i int) feedbackJSON {
	f := &c.ds.Feedback[i]
	app := &c.ds.Apps[c.ds.appIndex[f.AddonKey]]
	row := feedbackJSON{
		AddonKey: f.AddonKey, AddonName: app.Name, AddonVersion: f.AddonVersion,
		ApplicationKey: applicationKey(app.ParentProduct), ApplicationVersion: f.ApplicationVersion,
		Hosting: f.Hosting, Date: formatDate(f.Date), FeedbackType: f.Type, ReasonKey: f.ReasonKey,
		Message: f.Message, Email: f.Email, FullName: f.FullName, LicenseID: f.LicenseID,
		AppEntitlementID: f.AppEntitlementID, AppEntitlementNumber: f.AppEntitlementNumber, CloudID: f.CloudID,
	}
	if f.Hosting == HostingCloud {
		row.AppEdition = "Standard"
	}
	if c.v3 {
		row.ProductID = app.ProductID
	}
	return row
}

// applicationKey is a parent product's application key.
func applicationKey(product string) string {
	if product == ProductConfluence {
		return "confluence"
	}
	return "jira"
}
