package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/marketplace-exporter/marketplace_exporter/collector"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// TestDisableExporterMetrics checks what --web.disable-exporter-metrics leaves out: the Go,
// process and handler metrics go, the exporter's own families stay.
func TestDisableExporterMetrics(t *testing.T) {
	for _, disabled := range []bool{false, true} {
		args := []string{"--demo"}
		if disabled {
			args = append(args, "--web.disable-exporter-metrics")
		}
		cfg, code, err := parseFlags(args, io.Discard, io.Discard)
		if err != nil || code >= 0 {
			t.Fatalf("%v: %v (code %d)", args, err, code)
		}
		if cfg.noSelfMetrics != disabled {
			t.Fatalf("%v: noSelfMetrics = %v", args, cfg.noSelfMetrics)
		}
		reg, own := prometheus.NewRegistry(), prometheus.NewRegistry()
		exp, err := collector.New(collector.Config{
			ClientOptions: []marketplace.Option{marketplace.WithVendorID(1), marketplace.WithCredentials("u", "t")},
			Registerer:    own,
		})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		metricsHandler(cfg, reg, own, exp, log.NewNopLogger()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		page := rec.Body.String()
		for _, family := range []string{"atlassian_marketplace_exporter_build_info", "atlassian_marketplace_refresh_interval_seconds", "atlassian_marketplace_refresh_failures_total"} {
			if !strings.Contains(page, "# TYPE "+family+" ") {
				t.Errorf("disabled=%v: no %s", disabled, family)
			}
		}
		for _, family := range []string{"go_goroutines", "process_start_time_seconds", "promhttp_metric_handler_requests_total", "promhttp_metric_handler_errors_total"} {
			if got := strings.Contains(page, "# TYPE "+family+" "); got == disabled {
				t.Errorf("disabled=%v: %s present = %v", disabled, family, got)
			}
		}
	}
}
