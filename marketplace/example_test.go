package marketplace_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// newExampleServer starts a simulated Marketplace, so that the examples run
// without network access. Real use leaves out WithBaseURL.
func newExampleServer() *httptest.Server {
	sim, err := marketplacetest.New(marketplacetest.Options{
		Clock: marketplacetest.NewManualClock(time.Date(2026, 3, 22, 0, 0, 0, 0, time.UTC)),
	})
	if err != nil {
		log.Fatal(err)
	}
	return httptest.NewServer(sim)
}

func Example() {
	srv := newExampleServer()
	defer srv.Close()

	client, err := marketplace.NewClient(
		marketplace.WithBaseURL(srv.URL),
		marketplace.WithCredentials(marketplacetest.DefaultUser, marketplacetest.DefaultToken),
		marketplace.WithVendorID(marketplacetest.DefaultVendorID),
		marketplace.WithUserAgent("marketplace_exporter/1.0.0"),
	)
	if err != nil {
		log.Fatal(err)
	}

	// Evaluations by hosting over the four weeks up to 21 March 2026.
	end := marketplace.NewDate(2026, 3, 21)
	evals, _, err := client.Evaluations.Aggregate(context.Background(), marketplace.EvaluationsByHosting, &marketplace.AggregateOptions{
		Aggregation: marketplace.AggregationWeek,
		StartDate:   end.AddDays(-27),
		EndDate:     end,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range evals.Total.Series {
		var n int64
		for _, el := range s.Elements {
			n += el.Count
		}
		fmt.Printf("%s: %d\n", s.Name, n)
	}
	// Output:
	// Cloud: 324
	// Data Center: 73
	// Server: 6
}

func ExampleLicensesService_Export() {
	srv := newExampleServer()
	defer srv.Close()
	client, err := marketplace.NewClient(
		marketplace.WithBaseURL(srv.URL),
		marketplace.WithCredentials(marketplacetest.DefaultUser, marketplacetest.DefaultToken),
		marketplace.WithVendorID(marketplacetest.DefaultVendorID),
	)
	if err != nil {
		log.Fatal(err)
	}

	// Rows are decoded one at a time as the export arrives; the export is
	// never held in memory whole.
	active := 0
	for l, err := range client.Licenses.Export(context.Background(), &marketplace.LicenseOptions{Hostings: []string{"cloud"}}) {
		if err != nil {
			log.Fatal(err)
		}
		if l.Status == "active" {
			active++
		}
	}
	fmt.Println("active Cloud licenses:", active)
	// Output:
	// active Cloud licenses: 1381
}

func ExampleWithRequestHook() {
	srv := newExampleServer()
	defer srv.Close()
	client, err := marketplace.NewClient(
		marketplace.WithBaseURL(srv.URL),
		marketplace.WithCredentials(marketplacetest.DefaultUser, "wrong-token"),
		marketplace.WithVendorID(marketplacetest.DefaultVendorID),
		// The exporter counts requests by endpoint and status code here.
		marketplace.WithRequestHook(func(ri marketplace.RequestInfo) {
			fmt.Printf("%s %s attempt %d: %d (retry: %v)\n", ri.Method, ri.Endpoint, ri.Attempt, ri.StatusCode, ri.Retry)
		}),
	)
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = client.Sales.Aggregate(context.Background(), marketplace.SalesByTier, nil)
	fmt.Println("credentials rejected:", marketplace.IsCredentialError(err))
	var er *marketplace.ErrorResponse
	if errors.As(err, &er) {
		fmt.Println("status:", er.StatusCode)
	}
	// Output:
	// GET sales_tier attempt 1: 401 (retry: false)
	// credentials rejected: true
	// status: 401
}
