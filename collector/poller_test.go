package collector

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// fixedClock is a Clock that reads one instant.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var testFamily = newGauge("", "test_value", "A value for tests.", "key")

// fakeSource returns what its fields say, counting calls; with gate set it blocks until the
// gate is closed, and reports entering on entered.
type fakeSource struct {
	calls   atomic.Int64
	value   atomic.Int64
	err     atomic.Pointer[error]
	gate    chan struct{}
	entered chan struct{}
}

func (f *fakeSource) families() []*Family { return []*Family{testFamily} }

func (f *fakeSource) samples(ctx context.Context, _ time.Time) ([]Sample, error) {
	f.calls.Add(1)
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if e := f.err.Load(); e != nil {
		return nil, *e
	}
	return []Sample{{Family: testFamily, LabelValues: []string{"a"}, Value: float64(f.value.Load())}}, nil
}

func (f *fakeSource) fail(err error) { f.err.Store(&err) }
func (f *fakeSource) heal()          { f.err.Store(nil) }

// pollerCollector exposes one poller as a prometheus.Collector for testutil.
type pollerCollector struct{ p *poller }

func (c pollerCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }
func (c pollerCollector) Collect(ch chan<- prometheus.Metric) { c.p.collect(ch) }

func newTestPoller(t *testing.T, src source, at time.Time) (*poller, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	p := newPoller("test", time.Hour, src, fixedClock{at}, log.NewNopLogger(), newFailuresCounter(reg))
	reg.MustRegister(pollerCollector{p})
	return p, reg
}

func TestPollerKeepsLastGoodSnapshot(t *testing.T) {
	at := time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)
	src := &fakeSource{}
	src.value.Store(42)
	p, reg := newTestPoller(t, src, at)

	if p.ready() {
		t.Fatal("ready before the first refresh")
	}
	// Before the first refresh only the interval is known.
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP atlassian_marketplace_refresh_interval_seconds How often the collector refreshes from the Marketplace API (--collector.<name>.interval).
# TYPE atlassian_marketplace_refresh_interval_seconds gauge
atlassian_marketplace_refresh_interval_seconds{collector="test"} 3600
`), "atlassian_marketplace_refresh_interval_seconds", "atlassian_marketplace_refresh_success", "atlassian_marketplace_test_value"); err != nil {
		t.Fatal(err)
	}

	p.refresh(context.Background())
	if !p.ready() {
		t.Fatal("not ready after the first refresh")
	}
	good := fmt.Sprintf(`
# HELP atlassian_marketplace_last_refresh_success_timestamp_seconds When the collector last refreshed successfully: the data served is as of this time. Absent until the first success.
# TYPE atlassian_marketplace_last_refresh_success_timestamp_seconds gauge
atlassian_marketplace_last_refresh_success_timestamp_seconds{collector="test"} %d
# HELP atlassian_marketplace_test_value A value for tests.
# TYPE atlassian_marketplace_test_value gauge
atlassian_marketplace_test_value{key="a"} 42
`, at.Unix())
	names := []string{"atlassian_marketplace_last_refresh_success_timestamp_seconds", "atlassian_marketplace_test_value"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(good), names...); err != nil {
		t.Fatal(err)
	}
	if v := testutil.ToFloat64(gaugeOf(t, reg, "atlassian_marketplace_refresh_success")); v != 1 {
		t.Fatalf("refresh_success = %v, want 1", v)
	}

	// The API breaks: the value stays, success drops to 0, the failure is counted by reason.
	src.value.Store(7)
	src.fail(&marketplace.ErrorResponse{StatusCode: 503})
	p.refresh(context.Background())
	if err := testutil.GatherAndCompare(reg, strings.NewReader(good), names...); err != nil {
		t.Fatalf("after a failed refresh: %v", err)
	}
	if v := testutil.ToFloat64(gaugeOf(t, reg, "atlassian_marketplace_refresh_success")); v != 0 {
		t.Fatalf("refresh_success = %v, want 0", v)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP atlassian_marketplace_refresh_failures_total Background refreshes that failed, by collector and reason (credentials, rate_limited, unavailable, timeout, bad_response, other).
# TYPE atlassian_marketplace_refresh_failures_total counter
atlassian_marketplace_refresh_failures_total{collector="test",reason="bad_response"} 0
atlassian_marketplace_refresh_failures_total{collector="test",reason="credentials"} 0
atlassian_marketplace_refresh_failures_total{collector="test",reason="other"} 0
atlassian_marketplace_refresh_failures_total{collector="test",reason="rate_limited"} 0
atlassian_marketplace_refresh_failures_total{collector="test",reason="timeout"} 0
atlassian_marketplace_refresh_failures_total{collector="test",reason="unavailable"} 1
`), "atlassian_marketplace_refresh_failures_total"); err != nil {
		t.Fatal(err)
	}

	// The API heals: fresh values come back.
	src.heal()
	p.refresh(context.Background())
	if v := testutil.ToFloat64(gaugeOf(t, reg, "atlassian_marketplace_test_value")); v != 7 {
		t.Fatalf("value after recovery = %v, want 7", v)
	}
}

func TestPollerFirstFailureIsReadyWithoutData(t *testing.T) {
	src := &fakeSource{}
	src.fail(marketplace.ErrCredentials)
	p, reg := newTestPoller(t, src, time.Now())
	p.refresh(context.Background())
	if !p.ready() {
		t.Fatal("a failed first attempt must still count for readiness")
	}
	n, err := testutil.GatherAndCount(reg, "atlassian_marketplace_test_value", "atlassian_marketplace_last_refresh_success_timestamp_seconds")
	if err != nil || n != 0 {
		t.Fatalf("got %d series (err %v), want none before any success", n, err)
	}
}

// TestPollerSkipsOverlappingRefresh holds one refresh inside the API and checks that a second
// one is not started.
func TestPollerSkipsOverlappingRefresh(t *testing.T) {
	src := &fakeSource{gate: make(chan struct{}), entered: make(chan struct{}, 2)}
	p, _ := newTestPoller(t, src, time.Now())
	done := make(chan bool)
	go func() { done <- p.refresh(context.Background()) }()
	<-src.entered
	if p.refresh(context.Background()) {
		t.Fatal("a second refresh ran while the first was still running")
	}
	close(src.gate)
	if !<-done {
		t.Fatal("the first refresh reports it did not run")
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("source called %d times, want 1", n)
	}
	// Once finished, the next refresh runs again.
	if !p.refresh(context.Background()) {
		t.Fatal("refresh after the first finished was skipped")
	}
}

// TestPollerRunStopsWithContext checks that run refreshes at once and returns, with no refresh
// left running, when its context ends, without counting the aborted refresh as a failure.
func TestPollerRunStopsWithContext(t *testing.T) {
	src := &fakeSource{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	p, _ := newTestPoller(t, src, time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		p.run(ctx)
		close(stopped)
	}()
	<-src.entered
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if p.running.Load() {
		t.Fatal("a refresh is still running after run returned")
	}
	var total float64
	for _, r := range Reasons {
		total += testutil.ToFloat64(p.failures.WithLabelValues("test", r))
	}
	if total != 0 {
		t.Fatalf("shutdown counted %v failures", total)
	}
}

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{marketplace.ErrCredentials, ReasonCredentials},
		{fmt.Errorf("list: %w", &marketplace.ErrorResponse{StatusCode: 401}), ReasonCredentials},
		{&marketplace.ErrorResponse{StatusCode: 403}, ReasonCredentials},
		{fmt.Errorf("x: %w", &marketplace.RateLimitError{ErrorResponse: &marketplace.ErrorResponse{StatusCode: 429}}), ReasonRateLimited},
		{&marketplace.ErrorResponse{StatusCode: 502}, ReasonUnavailable},
		{&marketplace.ErrorResponse{StatusCode: 503}, ReasonUnavailable},
		{&marketplace.ErrorResponse{StatusCode: 400}, ReasonOther},
		{&marketplace.ErrorResponse{StatusCode: 404}, ReasonOther},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), ReasonTimeout},
		{&marketplace.DecodeError{Endpoint: "apps", Err: errors.New("unexpected EOF")}, ReasonBadResponse},
		{marketplace.ErrPaginationLoop, ReasonBadResponse},
		{errors.New("something else"), ReasonOther},
		{nil, ""},
	} {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// gaugeOf gathers the single series of a family as a collector testutil.ToFloat64 can read.
func gaugeOf(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x", Help: "x"}, func() float64 {
				return mf.GetMetric()[0].GetGauge().GetValue()
			})
		}
	}
	t.Fatalf("no single series of %s", name)
	return nil
}
