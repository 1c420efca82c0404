package marketplace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// wantLicenses are the rows of fixtures/licenses-page.json.
var wantLicenses = []License{
	{
		AddonLicenseID: "E-4AB-CD1-EF2-GH3", LicenseID: "E-4AB-CD1-EF2-GH3",
		AppEntitlementID: "11111111-2222-4333-8444-555555555555", AppEntitlementNumber: "E-4AB-CD1-EF2-GH3",
		CloudID: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", CloudSiteHostname: "acme-example.atlassian.net",
		AddonKey: "com.example.alpha", AddonName: "Alpha for Jira", Hosting: "Cloud", AppEdition: "Standard",
		LicenseType: "COMMERCIAL", Status: "active", Tier: "25 Users",
		LastUpdated: NewDate(2026, 3, 15), MaintenanceStartDate: NewDate(2026, 3, 14), MaintenanceEndDate: NewDate(2026, 4, 14),
		Contact: ContactDetails{
			Company: "Acme Example GmbH", Country: "Germany", Region: "EMEA",
			TechnicalContact: &Contact{Email: "admin@acme.example", Name: "Alex Admin", Phone: "+49 30 0000000"},
			BillingContact:   &Contact{Email: "billing@acme.example", Name: "Bea Billing"},
		},
	},
	{
		AddonLicenseID: "3456789", LicenseID: "SEN-3456789", HostLicenseID: "7654321",
		AddonKey: "com.example.beta", AddonName: "Beta for Confluence", Hosting: "Data Center",
		LicenseType: "EVALUATION", Status: "active", Tier: "Evaluation",
		LastUpdated: NewDate(2026, 3, 9), MaintenanceStartDate: NewDate(2026, 3, 2), MaintenanceEndDate: NewDate(2026, 4, 1),
		Contact: ContactDetails{
			Company: "Example Widgets Inc.", Country: "United States", Region: "Americas",
			TechnicalContact: &Contact{Email: "it@widgets.example", Name: "Terry Tech"},
		},
		Partner: &PartnerDetails{PartnerName: "Example Reseller LLC", PartnerType: "Reseller"},
	},
}

// wantTransactions are the rows of fixtures/transactions-page.json.
var wantTransactions = []Transaction{
	{
		TransactionID: "IN-000-111-222", TransactionLineItemID: "7f3c2a10-0000-4000-8000-000000000001",
		AddonLicenseID: "E-4AB-CD1-EF2-GH3", LicenseID: "E-4AB-CD1-EF2-GH3",
		AppEntitlementID: "11111111-2222-4333-8444-555555555555", AppEntitlementNumber: "E-4AB-CD1-EF2-GH3",
		CloudID: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", AddonKey: "com.example.alpha", AddonName: "Alpha for Jira",
		AppEdition: "Standard", PaymentStatus: "Paid", LastUpdated: NewDate(2026, 3, 15),
		Customer: CustomerDetails{
			Company: "Acme Example GmbH", Country: "Germany", Region: "EMEA",
			TechnicalContact: &Contact{Email: "admin@acme.example", Name: "Alex Admin"},
			BillingContact:   &Contact{Email: "billing@acme.example", Name: "Bea Billing"},
		},
		Purchase: PurchaseDetails{
			SaleDate: NewDate(2026, 3, 14), LicenseType: "COMMERCIAL", Hosting: "Cloud", BillingPeriod: "Monthly",
			Tier: "25 Users", SaleType: "Upgrade", ParentProductName: "Jira", PurchasePrice: 62.5, VendorAmount: 50,
			MaintenanceStartDate: NewDate(2026, 3, 14), MaintenanceEndDate: NewDate(2026, 4, 14),
		},
	},
	{
		TransactionID: "AT-700000123", TransactionLineItemID: "0123456789", AddonLicenseID: "2345678", LicenseID: "SEN-2345678",
		AddonKey: "com.example.beta", AddonName: "Beta for Confluence", PaymentStatus: "Open", LastUpdated: NewDate(2026, 3, 11),
		Customer: CustomerDetails{
			Company: "Example Widgets Inc.", Country: "United States", Region: "Americas",
			TechnicalContact: &Contact{Email: "it@widgets.example", Name: "Terry Tech"},
			BillingContact:   &Contact{Email: "RTBF", Name: "RTBF"},
		},
		Purchase: PurchaseDetails{
			SaleDate: NewDate(2026, 3, 10), LicenseType: "COMMERCIAL", Hosting: "Data Center", BillingPeriod: "Annual",
			Tier: "500 Users", SaleType: "Renewal", PurchasePrice: 3990, VendorAmount: 3391.5, PartnerDiscountAmount: ptr(210.0),
			MaintenanceStartDate: NewDate(2026, 3, 10), MaintenanceEndDate: NewDate(2027, 3, 9),
		},
		Partner: &PartnerDetails{PartnerName: "Example Solutions Partner Ltd", PartnerType: "Expert"},
	},
}

// wantFeedback are the rows of fixtures/feedback-details.json.
var wantFeedback = []Feedback{
	{
		AddonKey: "com.example.alpha", AddonName: "Alpha for Jira", AddonVersion: "4.12.0", ApplicationKey: "jira",
		Hosting: "Cloud", AppEdition: "Standard", Date: NewDate(2026, 3, 12), FeedbackType: "uninstall", ReasonKey: "usefulness",
		Message: "Only needed it for a one-off migration.", Email: "sam@customer.example", FullName: "Sam Customer",
		AppEntitlementID: "22222222-3333-4444-8555-666666666666", AppEntitlementNumber: "E-5CD-EF2-GH3-IJ4",
		CloudID: "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff",
	},
	{
		AddonKey: "com.example.beta", AddonName: "Beta for Confluence", AddonVersion: "2.3.1", ApplicationKey: "confluence",
		Hosting: "Data Center", Date: NewDate(2026, 3, 9), FeedbackType: "disable", ReasonKey: "bugs", LicenseID: "SEN-3456789",
	},
}

func TestLicensesList(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/licenses", serve(t, "GET", url.Values{
		"addon":                    {"com.example.alpha", "com.example.beta"},
		"licenseType":              {"commercial", "evaluation"},
		"status":                   {"active"},
		"hosting":                  {"cloud", "datacenter"},
		"partnerType":              {"reseller"},
		"startDate":                {"2026-01-01"},
		"endDate":                  {"2026-03-31"},
		"lastUpdated":              {"2026-03-01"},
		"dateType":                 {"end"},
		"withDataInsights":         {"true"},
		"includeAtlassianLicenses": {"true"},
		"offset":                   {"2"},
		"limit":                    {"50"},
	}, "fixtures/licenses-page.json"))
	got, resp, err := ts.client.Licenses.List(context.Background(), &LicenseOptions{
		Addons: []string{"com.example.alpha", "com.example.beta"}, LicenseTypes: []string{"commercial", "evaluation"},
		Statuses: []string{"active"}, Hostings: []string{"cloud", "datacenter"}, PartnerTypes: []string{"reseller"},
		StartDate: NewDate(2026, 1, 1), EndDate: NewDate(2026, 3, 31), LastUpdated: NewDate(2026, 3, 1), DateType: "end",
		WithDataInsights: true, IncludeAtlassianLicenses: true, Offset: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, wantLicenses)
	want := ts.server.URL + testPrefix + v2Root + "/licenses?limit=50&offset=4&status=active&withDataInsights=true"
	if resp.NextURL != want {
		t.Errorf("NextURL = %q, want %q", resp.NextURL, want)
	}
}

func TestTransactionsList(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/sales/transactions", serve(t, "GET", url.Values{
		"addon": {"com.example.alpha"}, "saleType": {"new", "refund"}, "hosting": {"cloud"}, "partnerType": {"expert"},
		"startDate": {"2026-03-01"}, "endDate": {"2026-03-31"}, "lastUpdated": {"2026-03-02"}, "limit": {"50"},
	}, "fixtures/transactions-page.json"))
	got, _, err := ts.client.Transactions.List(context.Background(), &TransactionOptions{
		Addons: []string{"com.example.alpha"}, SaleTypes: []string{"new", "refund"}, Hostings: []string{"cloud"},
		PartnerTypes: []string{"expert"}, StartDate: NewDate(2026, 3, 1), EndDate: NewDate(2026, 3, 31), LastUpdated: NewDate(2026, 3, 2),
	})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, wantTransactions)
}

func TestFeedbackDetails(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/feedback/details", serve(t, "GET", url.Values{
		"type": {"uninstall", "disable"}, "reason": {"bugs"}, "addon": {"com.example.alpha"}, "hosting": {"cloud"},
		"startDate": {"2026-03-01"}, "endDate": {"2026-03-31"}, "anonymous": {"false"}, "limit": {"50"},
	}, "fixtures/feedback-details.json"))
	got, _, err := ts.client.Feedback.Details(context.Background(), &FeedbackOptions{
		Types: []string{"uninstall", "disable"}, Reasons: []string{"bugs"}, Addons: []string{"com.example.alpha"},
		Hostings: []string{"cloud"}, StartDate: NewDate(2026, 3, 1), EndDate: NewDate(2026, 3, 31), Anonymous: ptr(false),
	})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, got, wantFeedback)
}

// pagedHandler serves pages of rows under key: page i (from the offset in
// the query) links to the next page with a host-relative href until the
// last page.
func pagedHandler(t *testing.T, path, key string, pages [][]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("limit"); got != "50" {
			t.Errorf("limit = %q, want 50", got)
		}
		i := 0
		fmt.Sscan(r.URL.Query().Get("offset"), &i)
		i /= 10
		links := `{}`
		if i+1 < len(pages) {
			// The API's own links carry its default page size and no prefix.
			links = fmt.Sprintf(`{"next": {"href": "%s?offset=%d&limit=10"}}`, path, (i+1)*10)
		}
		fmt.Fprintf(w, `{"_links": %s, %q: [%s]}`, links, key, strings.Join(pages[i], ","))
	}
}

func TestAllFollowsNextLinksBelowTheBasePrefix(t *testing.T) {
	ts := setup(t)
	ctx := context.Background()
	ts.handle("GET "+v2Root+"/licenses", pagedHandler(t, v2Root+"/licenses", "licenses",
		[][]string{{`{"licenseId": "L1"}`, `{"licenseId": "L2"}`}, {`{"licenseId": "L3"}`}, {}, {`{"licenseId": "L4"}`}}))
	ts.handle("GET "+v2Root+"/sales/transactions", pagedHandler(t, v2Root+"/sales/transactions", "transactions",
		[][]string{{`{"transactionId": "T1"}`}, {`{"transactionId": "T2"}`}}))
	ts.handle("GET "+v2Root+"/feedback/details", pagedHandler(t, testPrefix+v2Root+"/feedback/details", "feedback",
		[][]string{{`{"reasonKey": "bugs"}`}, {`{"reasonKey": "other"}`}}))

	licenses, err := collect(ts.client.Licenses.All(ctx, nil))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, licenses, []License{{LicenseID: "L1"}, {LicenseID: "L2"}, {LicenseID: "L3"}, {LicenseID: "L4"}})

	txs, err := collect(ts.client.Transactions.All(ctx, &TransactionOptions{Addons: []string{"a"}}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, txs, []Transaction{{TransactionID: "T1"}, {TransactionID: "T2"}})

	// These links already start with the prefix; it must not be doubled.
	fb, err := collect(ts.client.Feedback.AllDetails(ctx, nil))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, fb, []Feedback{{ReasonKey: "bugs"}, {ReasonKey: "other"}})
}

func TestAllStopsWhenTheCallerDoes(t *testing.T) {
	ts := setup(t)
	ts.handle("GET "+v2Root+"/licenses", pagedHandler(t, v2Root+"/licenses", "licenses",
		[][]string{{`{"licenseId": "L1"}`, `{"licenseId": "L2"}`}, {`{"licenseId": "L3"}`}}))
	n := 0
	for l, err := range ts.client.Licenses.All(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; l.LicenseID == "L2" {
			break
		}
	}
	if n != 2 || len(ts.hookCalls()) != 1 {
		t.Errorf("read %d rows with %d requests; want 2 rows from 1 request", n, len(ts.hookCalls()))
	}
}

func TestPaginationLoop(t *testing.T) {
	ts := setup(t)
	// A server that ignores offset sends the same next link forever.
	ts.handle("GET "+v2Root+"/licenses", serveJSON(200,
		`{"_links": {"next": {"href": "`+v2Root+`/licenses?offset=50"}}, "licenses": [{"licenseId": "x"}]}`))
	got, err := collect(ts.client.Licenses.All(context.Background(), nil))
	if !errors.Is(err, ErrPaginationLoop) {
		t.Fatalf("error = %v, want ErrPaginationLoop", err)
	}
	if len(got) != 2 {
		t.Errorf("got %d rows before the loop, want 2", len(got))
	}
}

func TestNextLinkResolution(t *testing.T) {
	ts := setup(t)
	host := ts.server.URL
	base := host + testPrefix + v2Root + "/licenses"
	tests := []struct {
		href, want, err string
	}{
		{href: v2Root + "/licenses?offset=50", want: base + "?limit=50&offset=50"},
		{href: testPrefix + v2Root + "/licenses?offset=50", want: base + "?limit=50&offset=50"},
		{href: host + testPrefix + v2Root + "/licenses?offset=50&limit=10", want: base + "?limit=50&offset=50"},
		{href: "licenses?offset=50", want: host + testPrefix + v2Root + "/licenses?limit=50&offset=50"},
		{href: "https://evil.example/steal", err: "leaves the API host"},
		{href: "//evil.example/steal", err: "leaves the API host"},
		{href: "%zz", err: "unreadable link"},
	}
	for _, tt := range tests {
		t.Run(tt.href, func(t *testing.T) {
			ts.mux = http.NewServeMux()
			ts.server.Config.Handler = ts.mux
			ts.handle("GET "+v2Root+"/licenses", serveJSON(200, fmt.Sprintf(`{"_links": {"next": {"href": %q}}, "licenses": []}`, tt.href)))
			_, resp, err := ts.client.Licenses.List(context.Background(), nil)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.NextURL != tt.want {
				t.Errorf("NextURL = %q, want %q", resp.NextURL, tt.want)
			}
		})
	}
}

func TestListErrorsComeThroughTheIterator(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	ts.handle("GET /rest/3/developer-space/vendor/12345", status(401))
	ctx := context.Background()
	for name, err := range map[string]error{
		"licenses":     second(collect(ts.client.Licenses.All(ctx, nil))),
		"transactions": second(collect(ts.client.Transactions.Export(ctx, nil))),
		"feedback":     second(collect(ts.client.Feedback.Export(ctx, nil))),
		"churn":        second(collect(ts.client.CloudMetrics.AllDetails(ctx, CloudChurn, nil))),
	} {
		if !IsCredentialError(err) || !strings.Contains(err.Error(), "resolve developer id") {
			t.Errorf("%s: error = %v, want the failed developer id lookup", name, err)
		}
	}
	if _, _, err := ts.client.Licenses.List(ctx, nil); !IsCredentialError(err) {
		t.Errorf("List: error = %v", err)
	}
}

func second[A, B any](_ A, b B) B { return b }
