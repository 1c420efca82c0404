// Package collector turns the Atlassian Marketplace reporting API into Prometheus metrics.
//
// The Marketplace API is slow, its data lags by up to a day, and a vendor's account has a
// request budget that scrapes must not spend. So nothing here calls the API on the scrape path:
// each collector has a poller that refreshes in the background on its own interval and swaps in
// an immutable snapshot of const metrics, and Collect only reads those snapshots. A failed
// refresh keeps the previous snapshot, so /metrics keeps serving the last good values while the
// refresh metrics (atlassian_marketplace_refresh_success and friends) report the failure.
//
// Each collector splits into a fetch (the API calls, fanned out with errgroup and bounded by one
// semaphore shared by all collectors) and a pure transformation from the typed API responses
// and the evaluation time to Samples. The transformation is kept pure so that the same code can
// evaluate the families at past dates (backfill) as well as now.
package collector

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// namespace prefixes every metric this exporter exposes.
const namespace = "atlassian_marketplace"

// Label names shared by several collectors.
const (
	labelAddonKey = "addon_key"
	labelWindow   = "window"
)

// Family describes one metric family: its name, help, label names and type. The transformation
// functions emit Samples of Families rather than prometheus.Metrics so that callers other than
// the scrape path (a backfill writing OpenMetrics with timestamps) can reuse them.
type Family struct {
	Name   string               // fully qualified metric name
	Help   string               // HELP text
	Labels []string             // label names, in the order of Sample.LabelValues
	Type   prometheus.ValueType // gauge for every family so far
	desc   *prometheus.Desc
}

func newGauge(subsystem, name, help string, labels ...string) *Family {
	fq := prometheus.BuildFQName(namespace, subsystem, name)
	return &Family{
		Name:   fq,
		Help:   help,
		Labels: labels,
		Type:   prometheus.GaugeValue,
		desc:   prometheus.NewDesc(fq, help, labels, nil),
	}
}

// Desc returns the family's Prometheus descriptor.
func (f *Family) Desc() *prometheus.Desc { return f.desc }

// Sample is one value of a Family. LabelValues follow the order of Family.Labels.
type Sample struct {
	Family      *Family
	LabelValues []string // in the order of Family.Labels
	Value       float64
}

// Clock tells the collectors what "now" is. Windows end on the last complete UTC day by this
// clock, so tests and the simulator can pin it.
type Clock interface {
	Now() time.Time
}

type wallClock struct{}

// Now implements Clock.
func (wallClock) Now() time.Time { return time.Now() }

// WallClock is the real time.
var WallClock Clock = wallClock{}

// source is what one collector knows how to do: fetch from the API and turn the answers into
// samples for the moment at.
type source interface {
	// families lists every family samples can return, for Describe.
	families() []*Family
	// samples fetches and transforms. It must not keep state between calls: the poller calls
	// it from one goroutine at a time, but a backfill may call it for any date.
	samples(ctx context.Context, at time.Time) ([]Sample, error)
}

// deps is what a collector factory gets.
type deps struct {
	client  *marketplace.Client
	windows []Window
	addons  addonFilter
}

type factory func(deps) source

type registration struct {
	name            string
	help            string
	defaultEnabled  bool
	defaultInterval time.Duration
	factory         factory
}

// registry of collector factories, filled by init functions in the collector files, as in
// node_exporter. It is static metadata only: flags and instances live elsewhere, so several
// exporters (tests) can coexist in one process.
var registry = map[string]registration{}

func registerCollector(name, help string, defaultEnabled bool, defaultInterval time.Duration, f factory) {
	if _, dup := registry[name]; dup {
		panic("collector registered twice: " + name)
	}
	registry[name] = registration{name, help, defaultEnabled, defaultInterval, f}
}

// Names returns the names of all known collectors, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(registry))
}

// Setting enables one collector with its refresh interval.
type Setting struct {
	Name     string
	Interval time.Duration
}

// DefaultSettings returns the collectors that are on by default, with their default intervals.
func DefaultSettings() []Setting {
	var s []Setting
	for _, name := range Names() {
		r := registry[name]
		if r.defaultEnabled {
			s = append(s, Setting{Name: name, Interval: r.defaultInterval})
		}
	}
	return s
}

// Flags holds the --[no-]collector.<name> and --collector.<name>.interval flags.
type Flags struct {
	enabled   map[string]*bool
	intervals map[string]*time.Duration
}

// AddFlags defines the per-collector flags on app. Taking the application rather than using
// kingpin.CommandLine keeps main's run testable.
func AddFlags(app *kingpin.Application) *Flags {
	f := &Flags{enabled: map[string]*bool{}, intervals: map[string]*time.Duration{}}
	for _, name := range Names() {
		r := registry[name]
		state := "disabled"
		if r.defaultEnabled {
			state = "enabled"
		}
		f.enabled[name] = app.Flag("collector."+name,
			fmt.Sprintf("Enable the %s collector: %s (default: %s).", name, r.help, state)).
			Default(fmt.Sprint(r.defaultEnabled)).Bool()
		flag := "collector." + name + ".interval"
		iv := &intervalValue{flag: flag, d: new(time.Duration)}
		app.Flag(flag, fmt.Sprintf("How often the %s collector refreshes from the API.", name)).
			Default(r.defaultInterval.String()).SetValue(iv)
		f.intervals[name] = iv.d
	}
	return f
}

// intervalValue is a duration flag whose parse errors name the flag: kingpin's own duration
// flag reports only "time: invalid duration", which leaves a user with many flags guessing.
type intervalValue struct {
	flag string
	d    *time.Duration
}

// Set implements kingpin.Value.
func (v *intervalValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("--%s: %w", v.flag, err)
	}
	*v.d = d
	return nil
}

// String implements kingpin.Value.
func (v *intervalValue) String() string { return v.d.String() }

// Settings returns the enabled collectors. It fails, naming the flag, on an interval that is
// not positive: a zero interval would hammer the API.
func (f *Flags) Settings() ([]Setting, error) {
	var s []Setting
	for _, name := range Names() {
		if !*f.enabled[name] {
			continue
		}
		iv := *f.intervals[name]
		if iv <= 0 {
			return nil, fmt.Errorf("--collector.%s.interval must be positive, got %s", name, iv)
		}
		s = append(s, Setting{Name: name, Interval: iv})
	}
	return s, nil
}

// addonFilter keeps the app keys given by --marketplace.addon; empty keeps everything.
type addonFilter map[string]bool

func newAddonFilter(keys []string) addonFilter {
	if len(keys) == 0 {
		return nil
	}
	f := addonFilter{}
	for _, k := range keys {
		f[k] = true
	}
	return f
}

func (f addonFilter) keep(key string) bool {
	// The API's "All apps" totals come with an empty key: they are the sum of the parts, so
	// they never become series.
	if key == "" {
		return false
	}
	return len(f) == 0 || f[key]
}

func (f addonFilter) list() []string {
	if len(f) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(f))
}

// sampleSet accumulates samples keyed by label values, so that two API rows that map to the
// same label set (say "Data center" and "Data Center") add up instead of producing a duplicate
// series, which would make the whole scrape fail.
type sampleSet struct {
	order []string
	byKey map[string]*Sample
}

func (s *sampleSet) add(f *Family, v float64, labelValues ...string) {
	if s.byKey == nil {
		s.byKey = map[string]*Sample{}
	}
	key := f.Name + "\xff" + strings.Join(labelValues, "\xff")
	if existing, ok := s.byKey[key]; ok {
		existing.Value += v
		return
	}
	s.byKey[key] = &Sample{Family: f, LabelValues: labelValues, Value: v}
	s.order = append(s.order, key)
}

func (s *sampleSet) samples() []Sample {
	out := make([]Sample, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, *s.byKey[k])
	}
	return out
}

// sortSamples orders samples by family and labels so snapshots (and golden files) are stable.
func sortSamples(ss []Sample) {
	sort.SliceStable(ss, func(i, j int) bool {
		if ss[i].Family.Name != ss[j].Family.Name {
			return ss[i].Family.Name < ss[j].Family.Name
		}
		return slices.Compare(ss[i].LabelValues, ss[j].LabelValues) < 0
	})
}

// canonicalHosting maps the API's hosting spellings onto its display text. The license-event
// rows spell "Data center" with a lower-case c; one series per hosting is what dashboards need.
func canonicalHosting(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "cloud":
		return "Cloud"
	case "data center", "datacenter":
		return "Data Center"
	case "server":
		return "Server"
	}
	return s
}

// lower is the label value for the enumerations the contract keeps lower-case.
func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// lastCompleteDay is the last UTC day that has fully passed at t: windows end there, since the
// current day is still filling in.
func lastCompleteDay(t time.Time) marketplace.Date {
	return marketplace.DateOf(t).AddDays(-1)
}
