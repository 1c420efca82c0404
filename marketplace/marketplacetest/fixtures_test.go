package marketplacetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// keyPaths collects the key paths of a JSON value; array elements merge
// under "[]", so a path is present when any element has it.
func keyPaths(v any, prefix string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := prefix + "." + k
			out[p] = true
			keyPaths(e, p, out)
		}
	case []any:
		for _, e := range x {
			keyPaths(e, prefix+"[]", out)
		}
	}
}

// TestFixtureShapes checks that the simulator's bodies have every field the
// reference's example responses have, so that a client written against the
// fixtures meets the same shapes here.
func TestFixtureShapes(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	// Fields of the fixtures the simulator never produces: optional in the
	// reference, and absent in most real rows too.
	optional := []string{
		".transactions[].purchaseDetails.partnerDiscountAmount",
		".transactions[].purchaseDetails.discounts[].type",
		".transactions[].purchaseDetails.discounts[].amount",
		".licenses[].contactDetails.technicalContact.address1",
		".licenses[].contactDetails.technicalContact.city",
		".licenses[].contactDetails.technicalContact.postcode",
		".licenses[].attribution.referrerDomain",
	}
	for _, tc := range []struct{ fixture, path string }{
		{"reporting-links.json", v2(s)},
		{"evaluations-by-hosting.json", v2(s) + "/evaluations/hosting?aggregation=week&" + window},
		{"sales-by-tier.json", v2(s) + "/sales/transactions/tier?aggregation=month&" + window},
		{"feedback-metrics-by-reason.json", v2(s) + "/feedback/metrics/reason?aggregation=month&" + window},
		{"churn-metrics.json", v2(s) + "/sales/metrics/churn?aggregation=week&" + window},
		{"conversion-metrics.json", v2(s) + "/sales/metrics/conversion?" + window},
		{"renewal-metrics.json", v2(s) + "/sales/metrics/renewal?" + window},
		{"churn-benchmark.json", v2(s) + "/sales/metrics/churn/benchmark"},
		{"transactions-page.json", v2(s) + "/sales/transactions?limit=50&offset=50"},
		{"licenses-page.json", v2(s) + "/licenses?withDataInsights=true&limit=50&offset=50"},
		{"feedback-details.json", v2(s) + "/feedback/details?limit=50&offset=10"},
		{"addon-distribution-summary.json", "/rest/2/addons/com.example.alpha/distribution"},
	} {
		raw, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", tc.fixture))
		if err != nil {
			t.Fatal(err)
		}
		var fixture, served any
		if err := json.Unmarshal(raw, &fixture); err != nil {
			t.Fatalf("%s: %v", tc.fixture, err)
		}
		getJSON(t, s, tc.path, &served)
		want, got := map[string]bool{}, map[string]bool{}
		keyPaths(fixture, "", want)
		keyPaths(served, "", got)
		for p := range want {
			if !got[p] && !slices.Contains(optional, p) {
				t.Errorf("%s: %s has no %s", tc.fixture, tc.path, p)
			}
		}
	}
}
