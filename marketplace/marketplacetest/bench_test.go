package marketplacetest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchSimulator is a large vendor: 100 apps, 100,000 licenses and
// transactions.
func benchSimulator(b *testing.B) *Simulator {
	b.Helper()
	s, err := New(Options{Apps: 100, Licenses: 100_000, Transactions: 100_000, Clock: NewManualClock(testToday)})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchmarkEndpoint(b *testing.B, path string) {
	s := benchSimulator(b)
	req := httptest.NewRequest("GET", path, nil)
	req.SetBasicAuth(DefaultUser, DefaultToken)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkSalesByCountry28Days is the exporter's typical aggregate call.
func BenchmarkSalesByCountry28Days(b *testing.B) {
	benchmarkEndpoint(b, "/rest/2/vendors/12345/reporting/sales/transactions/country?startDate=2026-07-19&endDate=2026-08-15")
}

// BenchmarkEvaluationsByHostingWholeHistory aggregates two years weekly.
func BenchmarkEvaluationsByHostingWholeHistory(b *testing.B) {
	benchmarkEndpoint(b, "/rest/2/vendors/12345/reporting/evaluations/hosting")
}

// BenchmarkChurn28Days includes the distinct-customer count.
func BenchmarkChurn28Days(b *testing.B) {
	benchmarkEndpoint(b, "/rest/2/vendors/12345/reporting/sales/metrics/churn?startDate=2026-07-19&endDate=2026-08-15")
}

// BenchmarkNew measures generating the large vendor.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		benchSimulator(b)
	}
}

// BenchmarkNewDefault measures generating the default vendor, what --demo
// waits for at start, without the cache that lets simulators share it.
func BenchmarkNewDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newSimulator(Options{Clock: NewManualClock(testToday)}, false); err != nil {
			b.Fatal(err)
		}
	}
}
