package marketplace

import (
	"context"
	"iter"
	"net/url"
)

// TransactionsService reads the vendor's sales transactions.
type TransactionsService service

// TransactionOptions filters transactions. Zero fields are not sent.
type TransactionOptions struct {
	// Addons are app keys.
	Addons []string
	// SaleTypes are "new", "refund", "renewal", "upgrade".
	SaleTypes []string
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
	// Offset is the number of rows to skip (List and All only).
	Offset int
}

// CustomerDetails is the customer of a transaction. Any value may read
// "RTBF" (right to be forgotten).
type CustomerDetails struct {
	Company          string   `json:"company"`
	Country          string   `json:"country"`
	Region           string   `json:"region"`
	TechnicalContact *Contact `json:"technicalContact"`
	BillingContact   *Contact `json:"billingContact"`
}

// PurchaseDetails is what was sold in a transaction. Enumerations are in
// display case ("Cloud", "Annual", "Renewal").
type PurchaseDetails struct {
	SaleDate          Date   `json:"saleDate"`
	LicenseType       string `json:"licenseType"`
	Hosting           string `json:"hosting"`
	BillingPeriod     string `json:"billingPeriod"`
	Tier              string `json:"tier"`
	SaleType          string `json:"saleType"`
	ParentProductName string `json:"parentProductName"`
	// PurchasePrice is what the customer paid, in USD.
	PurchasePrice float64 `json:"purchasePrice"`
	// VendorAmount is the vendor's share in USD; negative on refunds.
	VendorAmount float64 `json:"vendorAmount"`
	// PartnerDiscountAmount is the Solution Partner discount, if any.
	PartnerDiscountAmount *float64 `json:"partnerDiscountAmount"`
	MaintenanceStartDate  Date     `json:"maintenanceStartDate"`
	MaintenanceEndDate    Date     `json:"maintenanceEndDate"`
}

// Transaction is one transaction line item. TransactionID repeats across
// the lines of one invoice; TransactionLineItemID is unique. Partner is nil
// for direct sales.
type Transaction struct {
	TransactionID         string          `json:"transactionId"`
	TransactionLineItemID string          `json:"transactionLineItemId"`
	AddonLicenseID        string          `json:"addonLicenseId"`
	LicenseID             string          `json:"licenseId"`
	AppEntitlementID      string          `json:"appEntitlementId"`
	AppEntitlementNumber  string          `json:"appEntitlementNumber"`
	CloudID               string          `json:"cloudId"`
	AddonKey              string          `json:"addonKey"`
	AddonName             string          `json:"addonName"`
	AppEdition            string          `json:"appEdition"`
	PaymentStatus         string          `json:"paymentStatus"`
	LastUpdated           Date            `json:"lastUpdated"`
	Customer              CustomerDetails `json:"customerDetails"`
	Purchase              PurchaseDetails `json:"purchaseDetails"`
	Partner               *PartnerDetails `json:"partnerDetails"`
}

// List returns one page of transactions, starting at opts.Offset.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-transactions-get
func (s *TransactionsService) List(ctx context.Context, opts *TransactionOptions) ([]Transaction, *Response, error) {
	return transactions.list(ctx, s.client, opts.query(), orZero(opts).Offset)
}

// All returns every transaction from opts.Offset on, following the next
// links page by page.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-transactions-get
func (s *TransactionsService) All(ctx context.Context, opts *TransactionOptions) iter.Seq2[Transaction, error] {
	return transactions.all(ctx, s.client, opts.query(), orZero(opts).Offset)
}

// Export streams every transaction matching opts from the JSON export,
// decoding one row at a time so that the whole export is never held in
// memory. opts.Offset is ignored. Only the request is retried: an export
// that breaks off after rows were yielded ends with an error.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-sales-transactions-export-get
func (s *TransactionsService) Export(ctx context.Context, opts *TransactionOptions) iter.Seq2[Transaction, error] {
	return transactions.export(ctx, s.client, opts.query())
}

func (o *TransactionOptions) query() url.Values {
	q := query{}
	if o != nil {
		q.strs("addon", o.Addons)
		q.strs("saleType", o.SaleTypes)
		q.strs("hosting", o.Hostings)
		q.strs("partnerType", o.PartnerTypes)
		q.date("startDate", o.StartDate)
		q.date("endDate", o.EndDate)
		q.date("lastUpdated", o.LastUpdated)
	}
	return q.values()
}

var transactions = collection[Transaction]{
	endpoint: "transactions",
	path:     []string{"sales", "transactions"},
	newPage:  func() pager[Transaction] { return &transactionPage{} },
}

// transactionPage is the wire form of TransactionCollection.
type transactionPage struct {
	reportingPage
	Transactions []Transaction `json:"transactions"`
}

func (p *transactionPage) rows() []Transaction { return p.Transactions }
