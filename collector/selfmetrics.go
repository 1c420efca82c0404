package collector

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// Failure reasons, the bounded values of the reason label of
// atlassian_marketplace_refresh_failures_total.
const (
	ReasonCredentials = "credentials"
	ReasonRateLimited = "rate_limited"
	ReasonUnavailable = "unavailable"
	ReasonTimeout     = "timeout"
	ReasonBadResponse = "bad_response"
	ReasonOther       = "other"
)

// Reasons lists every failure reason, so counters can start at zero for each of them: rate()
// and increase() need a series to exist before its first increment.
var Reasons = []string{ReasonCredentials, ReasonRateLimited, ReasonUnavailable, ReasonTimeout, ReasonBadResponse, ReasonOther}

// Reason classifies a refresh error into one of the Reasons. The order matters: a rate-limit
// error is also an *ErrorResponse, and a timeout can hide inside a transport error.
func Reason(err error) string {
	var (
		rateLimit *marketplace.RateLimitError
		decode    *marketplace.DecodeError
		resp      *marketplace.ErrorResponse
		netErr    net.Error
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &rateLimit):
		return ReasonRateLimited
	case marketplace.IsCredentialError(err):
		return ReasonCredentials
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return ReasonTimeout
	case errors.As(err, &decode), errors.Is(err, marketplace.ErrPaginationLoop):
		return ReasonBadResponse
	case errors.As(err, &resp):
		if resp.StatusCode >= 500 {
			return ReasonUnavailable
		}
		return ReasonOther
	case errors.As(err, &netErr):
		// Refused or reset connections, DNS failures: the API is not there right now.
		return ReasonUnavailable
	}
	return ReasonOther
}

// apiMetrics counts what the client reports through its request hook, once per HTTP attempt.
type apiMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	retries  *prometheus.CounterVec
	moved    *atomic.Uint64 // if set, counts observations, for Handler's cache
}

func newAPIMetrics(reg prometheus.Registerer) *apiMetrics {
	f := promauto.With(reg)
	return &apiMetrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "api", Name: "requests_total",
			Help: "HTTP requests sent to the Marketplace API, one per attempt, by endpoint and status code (code=\"error\" when no response arrived).",
		}, []string{"endpoint", "code"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "api", Name: "request_duration_seconds",
			Help: "Time until the Marketplace API's response headers arrived (or the attempt failed), per attempt.",
			// The API answers aggregates in well under a second and exports in tens of seconds;
			// the default buckets stop at 10s.
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"endpoint"}),
		retries: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "api", Name: "retries_total",
			Help: "HTTP attempts to the Marketplace API that were retries of a failed attempt (429, 502-504, connection errors).",
		}, []string{"endpoint"}),
	}
}

// observe is the client's request hook. The client calls it synchronously once per attempt, so
// it only touches counters.
func (m *apiMetrics) observe(info marketplace.RequestInfo) {
	code := "error"
	if info.StatusCode != 0 {
		code = strconv.Itoa(info.StatusCode)
	}
	m.requests.WithLabelValues(info.Endpoint, code).Inc()
	m.duration.WithLabelValues(info.Endpoint).Observe(info.Duration.Seconds())
	if info.Attempt > 1 {
		m.retries.WithLabelValues(info.Endpoint).Inc()
	}
	if m.moved != nil {
		m.moved.Add(1) // after the counters: a cache built meanwhile is never older
	}
}

// refreshDescs are the per-collector refresh metrics, emitted as const metrics from the pollers'
// state at scrape time so they always match the snapshot being served.
var (
	refreshSuccessDesc = prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "", "refresh_success"),
		"Whether the collector's last background refresh from the Marketplace API succeeded (1) or failed (0). After a failure the previous data stays exposed.",
		[]string{"collector"}, nil)
	refreshDurationDesc = prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "", "refresh_duration_seconds"),
		"How long the collector's last background refresh took, successful or not.",
		[]string{"collector"}, nil)
	lastSuccessDesc = prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "", "last_refresh_success_timestamp_seconds"),
		"When the collector last refreshed successfully: the data served is as of this time. Absent until the first success.",
		[]string{"collector"}, nil)
	refreshIntervalDesc = prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "", "refresh_interval_seconds"),
		"How often the collector refreshes from the Marketplace API (--collector.<name>.interval).",
		[]string{"collector"}, nil)
)

func newFailuresCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	return promauto.With(reg).NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "refresh_failures_total",
		Help: "Background refreshes that failed, by collector and reason (credentials, rate_limited, unavailable, timeout, bad_response, other).",
	}, []string{"collector", "reason"})
}

// newHTTPClient returns an HTTP client whose attempts share one bound on concurrency.
func newHTTPClient(limit int64, base http.RoundTripper) *http.Client {
	return &http.Client{Transport: newLimitedTransport(limit, base)}
}
