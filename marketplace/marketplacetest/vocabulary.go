package marketplacetest

import (
	"slices"
	"strconv"
	"strings"
)

// The group values the simulator serves, in the order series appear in
// aggregate responses. Fixed enumerations come first in a natural order;
// every dimension's groups are known up front, so series order never
// depends on which events happen to fall in a range.

// Hosting display names, as served in bodies.
const (
	HostingCloud      = "Cloud"
	HostingDataCenter = "Data Center"
	HostingServer     = "Server"
)

var hostings = []string{HostingCloud, HostingDataCenter, HostingServer}

// hostingFilters maps the lower-case query values to display names.
var hostingFilters = map[string]string{
	"cloud":      HostingCloud,
	"datacenter": HostingDataCenter,
	"server":     HostingServer,
}

// Partner series names. Direct sales have no partnerDetails at all.
const partnerDirect = "Direct"

var partnerTypes = []string{partnerDirect, "Expert", "Reseller", "Corporate_reseller"}

var partnerFilters = map[string]string{"direct": partnerDirect, "expert": "Expert", "reseller": "Reseller"}

// Sale types.
const (
	SaleNew     = "New"
	SaleRenewal = "Renewal"
	SaleUpgrade = "Upgrade"
	SaleRefund  = "Refund"
)

var saleTypes = []string{SaleNew, SaleRenewal, SaleUpgrade, SaleRefund}

// License types, upper case as served.
const (
	TypeCommercial    = "COMMERCIAL"
	TypeAcademic      = "ACADEMIC"
	TypeEvaluation    = "EVALUATION"
	TypeCommunity     = "COMMUNITY"
	TypeOpenSource    = "OPEN_SOURCE"
	TypeDemonstration = "DEMONSTRATION"
)

// licenseTypeFilters lists every filter value the reference names; the
// simulator only generates some of them, but filtering on the others is
// valid and matches nothing.
var licenseTypeFilters = map[string]string{
	"academic": TypeAcademic, "commercial": TypeCommercial, "community": TypeCommunity,
	"demonstration": TypeDemonstration, "evaluation": TypeEvaluation, "open_source": TypeOpenSource,
	"net_new_evaluation": "NET_NEW_EVALUATION", "upgrade_evaluation": "UPGRADE_EVALUATION",
	"classroom": "CLASSROOM", "free": "FREE",
}

// License statuses, lower case as served.
const (
	StatusActive    = "active"
	StatusInactive  = "inactive"
	StatusCancelled = "cancelled"
)

var statuses = []string{StatusActive, StatusInactive, StatusCancelled}

// Billing periods of Cloud subscriptions.
const (
	Monthly = "Monthly"
	Annual  = "Annual"
)

var billingPeriods = []string{Monthly, Annual}

// Feedback types and reason keys.
var feedbackTypes = []string{"uninstall", "disable", "unsubscribe"}

var feedbackReasons = []string{
	"bugs", "expectations", "merging", "not-meeting-needs", "other", "project-based", "sandbox", "usefulness",
}

var feedbackMessages = map[string][]string{
	"bugs": {
		"Kept failing after the last update.", "The board view throws errors.", "Broke our workflows after the upgrade.",
		"Pages time out since the new version.", "",
	},
	"expectations":      {"Not what the listing promised.", "Thought it would sync both ways.", ""},
	"merging":           {"Merging two sites, will reinstall later.", "Consolidating instances.", ""},
	"not-meeting-needs": {"Missing the reports we need.", "We need per-project settings.", "No export to CSV.", ""},
	"other":             {"", "Budget cuts.", "Switching to another tool.", "Too expensive for our team size."},
	"project-based":     {"Only needed it for one project.", "Project finished.", ""},
	"sandbox":           {"Was testing in a sandbox.", "Trial site only.", ""},
	"usefulness":        {"Only needed it for a one-off migration.", "Nobody used it.", "Too complicated for our users.", ""},
}

// tier is a user tier with its size.
type tier struct {
	name  string
	users int
}

var tiers = []tier{
	{"10 Users", 10}, {"25 Users", 25}, {"50 Users", 50}, {"100 Users", 100}, {"250 Users", 250},
	{"500 Users", 500}, {"1000 Users", 1000}, {"2000 Users", 2000}, {"Unlimited Users", 10000},
}

// evaluationTier is the tier text of evaluation licenses.
const evaluationTier = "Evaluation"

// country is a country with its sales region.
type country struct {
	name, region string
	weight       float64
}

// Regions, as served in aggregate series and contact details.
var regions = []string{"EMEA", "Americas", "APAC", "Unknown"}

// countries is sorted by name: country series appear in this order.
var countries = []country{
	{"Australia", "APAC", 4}, {"Austria", "EMEA", 2}, {"Brazil", "Americas", 3}, {"Canada", "Americas", 4},
	{"Denmark", "EMEA", 1.5}, {"France", "EMEA", 5}, {"Germany", "EMEA", 10}, {"India", "APAC", 4},
	{"Israel", "EMEA", 1.5}, {"Italy", "EMEA", 2}, {"Japan", "APAC", 4}, {"Netherlands", "EMEA", 3},
	{"New Zealand", "APAC", 1}, {"Poland", "EMEA", 2}, {"Singapore", "APAC", 1.5}, {"Spain", "EMEA", 2},
	{"Sweden", "EMEA", 2}, {"Switzerland", "EMEA", 2.5}, {"United Kingdom", "EMEA", 8},
	{"United States", "Americas", 30}, {"Unknown", "Unknown", 0.5},
}

// Parent products of apps.
const (
	ProductJira       = "Jira"
	ProductConfluence = "Confluence"
)

// Parent product editions of Cloud sites, as customer insights group them.
var editions = []string{"Free", "Standard", "Premium", "Enterprise"}

// Word lists for synthetic names.
var (
	appWords = []string{
		"Alpha", "Beacon", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Indigo", "Juniper",
		"Kestrel", "Lumen", "Meridian", "Nimbus", "Onyx", "Prism", "Quartz", "Relay", "Summit", "Tundra",
		"Umbra", "Vertex", "Willow", "Xenon", "Yarrow", "Zephyr",
	}
	appSuffixes = []string{"Boards", "Reports", "Workflows", "Timesheets", "Diagrams", "Checklists", "Forms", "Sync"}
	firstNames  = []string{
		"Alex", "Bea", "Chris", "Dana", "Eli", "Fran", "Gus", "Hana", "Ivo", "Jo", "Kim", "Lee", "Mia", "Noor",
		"Oli", "Pat", "Quinn", "Rae", "Sam", "Tess", "Uma", "Vic", "Wes", "Yara", "Zoe",
	}
	lastNames = []string{
		"Admin", "Becker", "Castro", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
		"Kowalski", "Larsen", "Müller", "Nakamura", "Olsen", "Patel", "Rossi", "Schmidt", "Tanaka", "Weber",
	}
	companyWords    = []string{"Acme", "Bluebird", "Crescent", "Driftwood", "Evergreen", "Foxglove", "Goldleaf", "Hilltop", "Ironbark", "Kingfisher", "Lakeside", "Moonstone", "Northwind", "Oakridge", "Pinecone", "Redwood", "Silverline", "Tidewater", "Upland", "Westbrook"}
	companySuffixes = []string{"GmbH", "Inc.", "Ltd", "LLC", "SA", "BV", "AB", "Pty Ltd", "KK", "Labs"}
	partnerNames    = []string{"Example Solutions Partner Ltd", "Example Reseller LLC", "Sample Consulting AG", "Demo Expert Group", "Placeholder Licensing Corp"}
	channels        = []string{"Organic search", "Direct", "Marketplace search", "Paid search", "Referral"}
)

// sortedKeys returns m's keys in order, for stable error messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Lower-case forms for synthetic e-mail addresses and domains, computed once.
var (
	companyDomains = lowered(companyWords)
	// fullNames[first][last] is "First Last", emailNames[first][last]
	// "first.last".
	fullNames  = namePairs(func(f, l string) string { return f + " " + l })
	emailNames = namePairs(func(f, l string) string { return strings.ToLower(f + "." + l) })
	// phoneNumbers are the synthetic numbers +1 555 0000 to +1 555 9999.
	phoneNumbers = func() []string {
		out := make([]string, 10000)
		for i := range out {
			out[i] = "+1 555 " + strconv.Itoa(10000 + i)[1:]
		}
		return out
	}()
	partnerDomains = func() map[string]string {
		out := map[string]string{}
		for _, p := range partnerNames {
			out[p] = strings.ToLower(strings.Fields(p)[0]) + "-partner.example"
		}
		return out
	}()
)

func namePairs(join func(first, last string) string) [][]string {
	out := make([][]string, len(firstNames))
	for i, f := range firstNames {
		for _, l := range lastNames {
			out[i] = append(out[i], join(f, l))
		}
	}
	return out
}

func lowered(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.ToLower(w)
	}
	return out
}
