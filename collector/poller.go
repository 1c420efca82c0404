package collector

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// poller owns one collector's refresh loop and the snapshot it serves.
type poller struct {
	name     string
	interval time.Duration
	src      source
	clock    Clock
	logger   log.Logger
	failures *prometheus.CounterVec
	// share bounds this collector's attempts in flight below the exporter-wide bound; nil
	// leaves only that bound.
	share *semaphore.Weighted
	// credentials is shared by the pollers of one Exporter (New sets it); newPoller gives
	// each poller one of its own.
	credentials *credentialNotice

	// state is swapped whole, never mutated, so Collect sees the snapshot and the refresh
	// metrics that describe it together, without a lock on the scrape path.
	state   atomic.Pointer[pollState]
	running atomic.Bool

	attempted     chan struct{} // closed once the first refresh attempt has finished
	attemptedOnce sync.Once

	// swapped, if set, is called after every new state is stored.
	swapped func()
}

// pollState is an immutable view of a poller: the last good snapshot plus how the last refresh
// went. A failed refresh produces a new pollState that carries the old metrics over.
type pollState struct {
	metrics     []prometheus.Metric
	attempted   bool
	success     bool
	duration    time.Duration
	lastSuccess time.Time // zero until the first success
}

func newPoller(name string, interval time.Duration, src source, clock Clock, logger log.Logger, failures *prometheus.CounterVec) *poller {
	p := &poller{
		name:        name,
		interval:    interval,
		src:         src,
		clock:       clock,
		logger:      log.With(logger, "collector", name),
		failures:    failures,
		attempted:   make(chan struct{}),
		credentials: &credentialNotice{},
	}
	p.state.Store(&pollState{})
	for _, r := range Reasons {
		failures.WithLabelValues(name, r)
	}
	return p
}

// run refreshes once at once and then on every tick until ctx ends, and returns only when no
// refresh of this poller is running any more.
func (p *poller) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { p.refresh(ctx) })
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// In its own goroutine, so that a tick arriving while a slow refresh (a big
			// license export) still runs is seen, logged and skipped rather than queued.
			wg.Go(func() { p.refresh(ctx) })
		}
	}
}

// refresh fetches a new snapshot and swaps it in. It reports whether it ran: a refresh is never
// started while the previous one is still running.
func (p *poller) refresh(ctx context.Context) bool {
	if !p.running.CompareAndSwap(false, true) {
		level.Warn(p.logger).Log("msg", "refresh skipped: the previous refresh is still running", "interval", p.interval)
		return false
	}
	defer p.running.Store(false)
	defer p.attemptedOnce.Do(func() { close(p.attempted) })

	// A refresh that outlives its interval only delays the next one; cut it off there.
	rctx, cancel := context.WithTimeout(ctx, p.interval)
	defer cancel()
	if p.share != nil {
		rctx = withShare(rctx, p.share)
	}

	start := time.Now()
	at := p.clock.Now()
	samples, err := p.src.samples(rctx, at)
	var metrics []prometheus.Metric
	if err == nil {
		metrics, err = constMetrics(samples)
	}
	took := time.Since(start)

	if ctx.Err() != nil {
		// Shutting down: an aborted refresh is not a failure of the API.
		return true
	}

	prev := p.state.Load()
	next := &pollState{attempted: true, duration: took, metrics: prev.metrics, lastSuccess: prev.lastSuccess}
	if err != nil {
		reason := Reason(err)
		p.failures.WithLabelValues(p.name, reason).Inc()
		if reason == ReasonCredentials {
			p.credentials.failed(p.logger, took, err)
		} else {
			level.Error(p.logger).Log("msg", "refresh failed, still serving the previous data", "reason", reason, "duration", took, "err", err)
		}
	} else {
		p.credentials.accepted()
		next.success = true
		next.metrics = metrics
		next.lastSuccess = at
		// The first success and a recovery are news; the hourly routine is not.
		lvl := level.Debug
		if !prev.success {
			lvl = level.Info
		}
		lvl(p.logger).Log("msg", "refreshed", "series", len(metrics), "duration", took)
	}
	p.state.Store(next)
	if p.swapped != nil {
		p.swapped()
	}
	return true
}

// credentialNotice turns rejected credentials into one clear error line for a whole Exporter
// rather than one per collector and refresh: every collector fails at once, for the same
// reason, with the same fix. Later failures log at debug until some refresh succeeds again.
type credentialNotice struct {
	told atomic.Bool
}

func (n *credentialNotice) failed(logger log.Logger, took time.Duration, err error) {
	status := 0
	var resp *marketplace.ErrorResponse
	if errors.As(err, &resp) {
		status = resp.StatusCode
	}
	if n.told.CompareAndSwap(false, true) {
		level.Error(logger).Log("msg", "the Marketplace API rejected the credentials: check the user (--marketplace.user) and the API token, and that the account may read the vendor's reports; still serving the previous data",
			"reason", ReasonCredentials, "status", status, "duration", took, "err", err)
		return
	}
	level.Debug(logger).Log("msg", "refresh failed: the credentials are still rejected", "reason", ReasonCredentials, "status", status, "duration", took, "err", err)
}

// accepted notes that a refresh got through, so that the next rejection is news again.
func (n *credentialNotice) accepted() { n.told.Store(false) }

// ready reports whether the first refresh attempt has finished, successful or not.
func (p *poller) ready() bool {
	select {
	case <-p.attempted:
		return true
	default:
		return false
	}
}

// collect sends the snapshot and the refresh metrics. It never blocks on a refresh.
func (p *poller) collect(ch chan<- prometheus.Metric) {
	s := p.state.Load()
	ch <- prometheus.MustNewConstMetric(refreshIntervalDesc, prometheus.GaugeValue, p.interval.Seconds(), p.name)
	if s.attempted {
		success := 0.0
		if s.success {
			success = 1
		}
		ch <- prometheus.MustNewConstMetric(refreshSuccessDesc, prometheus.GaugeValue, success, p.name)
		ch <- prometheus.MustNewConstMetric(refreshDurationDesc, prometheus.GaugeValue, s.duration.Seconds(), p.name)
	}
	if !s.lastSuccess.IsZero() {
		ch <- prometheus.MustNewConstMetric(lastSuccessDesc, prometheus.GaugeValue, float64(s.lastSuccess.UnixMilli())/1e3, p.name)
	}
	for _, m := range s.metrics {
		ch <- m
	}
}

// constMetrics builds the snapshot. Label values come from the API, so they are made valid
// UTF-8 first: one odd country name must not cost the whole refresh.
func constMetrics(samples []Sample) ([]prometheus.Metric, error) {
	out := make([]prometheus.Metric, 0, len(samples))
	for _, s := range samples {
		lv := make([]string, len(s.LabelValues))
		for i, v := range s.LabelValues {
			if !utf8.ValidString(v) {
				v = strings.ToValidUTF8(v, "\uFFFD")
			}
			lv[i] = v
		}
		m, err := prometheus.NewConstMetric(s.Family.desc, s.Family.Type, s.Value, lv...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Family.Name, err)
		}
		out = append(out, m)
	}
	return out, nil
}
