package marketplacetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// get sends an authenticated GET to the simulator.
func get(s *marketplacetest.Server, path string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(marketplacetest.DefaultUser, marketplacetest.DefaultToken)
	return http.DefaultClient.Do(req)
}

// A test runs a simulator on a fixed day and checks what a client read
// against the ground truth.
func ExampleNewServer() {
	clock := marketplacetest.NewManualClock(time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC))
	s, err := marketplacetest.NewServer(marketplacetest.Options{Clock: clock})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	resp, err := get(s, "/rest/2/vendors/12345/reporting/evaluations/hosting?startDate=2026-08-02&endDate=2026-08-15")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var body struct {
		Total struct {
			Series []struct {
				Name     string
				Elements []struct{ Count int64 }
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		panic(err)
	}
	var cloud int64
	for _, e := range body.Total.Series[0].Elements {
		cloud += e.Count
	}
	from, to := time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC)
	fmt.Println(body.Total.Series[0].Name, cloud == s.Data().EvaluationsTotal("", "hosting", "Cloud", from, to))
	// Output: Cloud true
}

// Faults make one endpoint misbehave, here for a single request.
func ExampleSimulator_InjectFault() {
	s, err := marketplacetest.NewServer(marketplacetest.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	s.InjectFault("licenses", marketplacetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second, Times: 1})
	for range 2 {
		resp, err := get(s, "/rest/2/vendors/12345/reporting/licenses")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	fmt.Println(s.Requests("licenses"), "requests")
	// Output:
	// 429 Retry-After="2"
	// 200 Retry-After=""
	// 2 requests
}
