package main

import (
	"net/http"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/marketplace-exporter/marketplace_exporter/collector"
)

// metricsHandler serves /metrics. The exporter's families, its own counters (registered with
// own, as collector.Config.Registerer) and the build info are encoded once per change; the Go,
// process and handler metrics, which this registers with reg unless
// --web.disable-exporter-metrics, are gathered on every scrape. Like promhttp with
// ContinueOnError: one bad series must not blank the whole page.
func metricsHandler(cfg *config, reg, own *prometheus.Registry, exp *collector.Exporter, logger log.Logger) http.Handler {
	own.MustRegister(versioncollector.NewCollector("atlassian_marketplace_exporter"))
	opts := collector.HandlerOpts{Own: own, ErrorLog: promhttpLogger{level.Error(logger)}}
	if cfg.noSelfMetrics {
		return exp.Handler(opts)
	}
	reg.MustRegister(collectors.NewGoCollector(), collector.NewProcessCollector())
	opts.Live, opts.Registry = reg, reg
	return promhttp.InstrumentMetricHandler(reg, exp.Handler(opts))
}
