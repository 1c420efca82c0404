package marketplacetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// samplePaths covers every family of endpoints.
func samplePaths(s *Server) []string {
	var paths []string
	for _, base := range []string{v2(s), v3(s)} {
		paths = append(paths,
			base,
			base+"/evaluations/country?aggregation=month",
			base+"/sales/transactions/tier?"+window,
			base+"/feedback/metrics/reason?"+window,
			base+"/sales/metrics/churn?"+window,
			base+"/sales/metrics/conversion/details?limit=50",
			base+"/licenses?limit=50&offset=100&withDataInsights=true",
			// Exports of a few months: whole ones would only add time.
			base+"/licenses/export?"+window,
			base+"/sales/transactions/export?"+window,
			base+"/feedback/details/export?"+window,
			base+"/sales/metrics/churn/benchmark",
			base+"/benchmark/evaluations",
			base+"/benchmark/sales",
			base+"/customer-insights/tiers",
		)
	}
	return append(paths, "/rest/2/addons/vendor/12345", "/rest/2/addons/com.example.alpha",
		"/rest/3/product-listing/developer-space/"+s.Options().DeveloperID)
}

func TestDeterministic(t *testing.T) {
	a, _ := newTestServer(t, Options{Seed: 7})
	// b generates its vendor again rather than sharing a's from the cache.
	sim, err := newSimulator(Options{Seed: 7, Clock: NewManualClock(testToday)}, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := serve(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if a.Data().Licenses[0].LicenseID != b.Data().Licenses[0].LicenseID || &a.Data().Licenses[0] == &b.Data().Licenses[0] {
		t.Fatal("b does not hold a generated copy of a's vendor")
	}
	c, _ := newTestServer(t, Options{Seed: 8})
	differ := 0
	for _, p := range samplePaths(a) {
		_, x := fetch(t, a, "GET", p, "")
		_, y := fetch(t, b, "GET", p, "")
		_, z := fetch(t, c, "GET", p, "")
		if !bytes.Equal(x, y) {
			t.Errorf("%s: same seed and clock, different bodies", p)
		}
		if !bytes.Equal(x, z) {
			differ++
		}
	}
	if differ < len(samplePaths(a))/2 {
		t.Errorf("another seed changed only %d bodies", differ)
	}
}

func TestClockRevealsDaysWithoutChangingThem(t *testing.T) {
	s, clock := newTestServer(t, Options{})
	past := v2(s) + "/sales/transactions/type?startDate=2026-01-01&endDate=2026-08-15"
	_, before := fetch(t, s, "GET", past, "")
	var txBefore []json.RawMessage
	getJSON(t, s, v2(s)+"/sales/transactions/export", &txBefore)

	clock.Advance(30 * 24 * time.Hour)
	if _, after := fetch(t, s, "GET", past, ""); !bytes.Equal(before, after) {
		t.Error("a past range changed when the clock moved")
	}
	var txAfter []json.RawMessage
	getJSON(t, s, v2(s)+"/sales/transactions/export", &txAfter)
	if len(txAfter) <= len(txBefore) {
		t.Errorf("30 more days revealed no transaction: %d then %d", len(txBefore), len(txAfter))
	}
	for i := range txBefore {
		if !bytes.Equal(txBefore[i], txAfter[i]) {
			t.Fatalf("transaction %d changed when the clock moved", i)
		}
	}
	var agg tAggregate
	getJSON(t, s, v2(s)+"/evaluations/hosting?startDate=2026-08-16", &agg)
	if len(agg.Total.Series[0].Elements) < 4 {
		t.Errorf("the new days have %d weekly buckets", len(agg.Total.Series[0].Elements))
	}
}

// A simulator created on a later day has the same data for the days both
// know: days depend on the seed, not on the clock.
func TestDaysDoNotDependOnCreationDay(t *testing.T) {
	early, _ := newTestServer(t, Options{})
	late, _ := newTestServer(t, Options{Clock: NewManualClock(testToday.AddDate(0, 0, 45))})
	from, to := testToday.AddDate(0, -6, 0), testToday
	for _, h := range hostings {
		a := early.Data().EvaluationsTotal("", "hosting", h, from, to)
		b := late.Data().EvaluationsTotal("", "hosting", h, from, to)
		if a != b {
			t.Errorf("%s evaluations over the shared days: %d and %d", h, a, b)
		}
	}
	path := v2(early) + fmt.Sprintf("/feedback/details/export?startDate=%s&endDate=%s", from.Format(dateLayout), to.Format(dateLayout))
	_, x := fetch(t, early, http.MethodGet, path, "")
	_, y := fetch(t, late, http.MethodGet, path, "")
	if !bytes.Equal(x, y) {
		t.Error("feedback over the shared days differs")
	}
}
