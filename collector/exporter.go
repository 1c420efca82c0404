package collector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// DefaultConcurrency bounds the API calls in flight when Config.Concurrency is zero. The
// Marketplace documents no rate limit, but a handful of parallel requests is what a person's
// browser session would do, and it keeps a full refresh of every collector well under a minute.
const DefaultConcurrency = 4

// Config is what New needs to build an Exporter.
type Config struct {
	// ClientOptions configure the Marketplace client: credentials, API generation, ids, base
	// URL. New adds its own HTTP client (bounded by Concurrency) and request hook (the
	// atlassian_marketplace_api_* metrics) after them.
	ClientOptions []marketplace.Option
	// Collectors to run, with their intervals. Nil means DefaultSettings().
	Collectors []Setting
	// Windows for the windowed families. Nil means DefaultWindows.
	Windows []Window
	// Addons restricts every family to these app keys; empty means all of the vendor's apps.
	Addons []string
	// Concurrency bounds the API attempts in flight across all collectors. One collector takes
	// at most all but one of them, so that a collector whose requests hang never stops the
	// others.
	Concurrency int64
	// Clock decides what "now" is for windows and timestamps. Nil means WallClock.
	Clock Clock
	// Logger receives refresh failures and skipped ticks. Nil discards.
	Logger log.Logger
	// Registerer receives the exporter's own counters and histograms (API requests, refresh
	// failures), which only change as the Exporter works. The Exporter itself must be
	// registered too, by the caller, or served with Handler.
	Registerer prometheus.Registerer
}

// Exporter is a prometheus.Collector that serves the snapshots of all enabled collectors.
type Exporter struct {
	client    *marketplace.Client
	transport *http.Transport
	clock     Clock
	pollers   []*poller
	byName    map[string]*poller
	descs     []*prometheus.Desc
	runOnce   sync.Once
	// snapshots counts snapshot swaps, counters the changes of the counters registered with
	// Config.Registerer, so that Handler knows when to encode either again.
	snapshots, counters atomic.Uint64
}

var _ prometheus.Collector = (*Exporter)(nil)

// New validates cfg, builds the Marketplace client and one poller per enabled collector. It
// makes no API call: the first refresh happens in Run.
func New(cfg Config) (*Exporter, error) {
	if cfg.Registerer == nil {
		return nil, errors.New("collector: Config.Registerer is required")
	}
	if cfg.Collectors == nil {
		cfg.Collectors = DefaultSettings()
	}
	if cfg.Windows == nil {
		cfg.Windows = DefaultWindows
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Concurrency < 0 {
		return nil, fmt.Errorf("collector: concurrency must be positive, got %d", cfg.Concurrency)
	}
	if cfg.Clock == nil {
		cfg.Clock = WallClock
	}
	if cfg.Logger == nil {
		cfg.Logger = log.NewNopLogger()
	}

	api := newAPIMetrics(cfg.Registerer)
	// A transport of its own, so that Run can close its idle connections when it returns.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	opts := append(append([]marketplace.Option(nil), cfg.ClientOptions...),
		marketplace.WithHTTPClient(newHTTPClient(cfg.Concurrency, transport)),
		marketplace.WithRequestHook(api.observe),
	)
	client, err := marketplace.NewClient(opts...)
	if err != nil {
		return nil, err
	}

	d := deps{client: client, windows: cfg.Windows, addons: newAddonFilter(cfg.Addons)}
	failures := newFailuresCounter(cfg.Registerer)
	credentials := &credentialNotice{}
	e := &Exporter{
		client:    client,
		transport: transport,
		clock:     cfg.Clock,
		byName:    map[string]*poller{},
		descs:     []*prometheus.Desc{refreshSuccessDesc, refreshDurationDesc, lastSuccessDesc, refreshIntervalDesc},
	}
	api.moved = &e.counters // before Run: no request has been made yet
	for _, s := range cfg.Collectors {
		r, ok := registry[s.Name]
		if !ok {
			return nil, fmt.Errorf("collector: unknown collector %q (known: %v)", s.Name, Names())
		}
		if _, dup := e.byName[s.Name]; dup {
			return nil, fmt.Errorf("collector: %q enabled twice", s.Name)
		}
		if s.Interval <= 0 {
			return nil, fmt.Errorf("collector: %s interval must be positive, got %s", s.Name, s.Interval)
		}
		src := r.factory(d)
		for _, f := range src.families() {
			e.descs = append(e.descs, f.desc)
		}
		p := newPoller(s.Name, s.Interval, src, cfg.Clock, cfg.Logger, failures)
		p.credentials = credentials
		p.share = shareOf(cfg.Concurrency)
		p.swapped = func() {
			e.snapshots.Add(1)
			e.counters.Add(1) // the refresh may have counted a failure
		}
		e.pollers = append(e.pollers, p)
		e.byName[s.Name] = p
	}
	return e, nil
}

// Client returns the Marketplace client the collectors use, already bounded and instrumented.
func (e *Exporter) Client() *marketplace.Client { return e.client }

// Run refreshes every collector once at once and then on its interval, until ctx ends. It
// returns when no refresh is running any more. Calling it twice is a no-op for the second call.
func (e *Exporter) Run(ctx context.Context) {
	e.runOnce.Do(func() {
		var wg sync.WaitGroup
		for _, p := range e.pollers {
			wg.Go(func() { p.run(ctx) })
		}
		wg.Wait()
		// Kept-alive connections would otherwise outlive the exporter, each with its goroutines.
		e.transport.CloseIdleConnections()
	})
}

// Ready reports whether every enabled collector has finished its first refresh attempt, so
// that /-/ready can keep a freshly started exporter out of rotation until it has data (or
// knows it cannot get any).
func (e *Exporter) Ready() bool {
	for _, p := range e.pollers {
		if !p.ready() {
			return false
		}
	}
	return true
}

// Evaluate fetches and transforms the families of one collector as of the time at, without
// touching the snapshot being served. It is the seam for evaluating the families at past dates.
func (e *Exporter) Evaluate(ctx context.Context, name string, at time.Time) ([]Sample, error) {
	p, ok := e.byName[name]
	if !ok {
		return nil, fmt.Errorf("collector %q is not enabled", name)
	}
	ss, err := p.src.samples(ctx, at)
	if err != nil {
		return nil, err
	}
	sortSamples(ss)
	return ss, nil
}

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range e.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector. It only reads snapshots: no API call can happen on
// the scrape path.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	for _, p := range e.pollers {
		p.collect(ch)
	}
}
