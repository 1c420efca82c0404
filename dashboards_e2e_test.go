package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// rulesFile is the rule file the dashboards and the README document.
const rulesFile = "alerts/marketplace.rules.yml"

// exporterAlerts is the rule group of the alerts about the exporter itself (failing or stale
// refreshes, credentials, rate limits, the target down or absent, windows missing): none of
// them may be active while the demo is healthy and scraped as job="marketplace".
const exporterAlerts = "atlassian-marketplace.exporter"

// scrapeInterval is the scrape and rule evaluation interval of the test's Prometheus.
const scrapeInterval = time.Second

// TestEndToEndPrometheus runs the exporter with --demo under a real Prometheus that scrapes it
// as job "marketplace" and evaluates alerts/marketplace.rules.yml, then runs every panel query of
// every dashboard in dashboards/ with the variables set to the values Grafana would offer, and
// checks that every rule is loaded, healthy and (for recording rules) produces series.
func TestEndToEndPrometheus(t *testing.T) {
	prom := prometheusTool(t, "PROMETHEUS", "prometheus", "to run the dashboards' queries and the rules against a real Prometheus")
	rules, err := filepath.Abs(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	boards := loadDashboards(t, "dashboards/*.json")
	groups := loadRuleGroups(t, rules)

	began := time.Now()
	e := startExporter(t, buildExporter(t), nil, "--demo", "--web.listen-address=127.0.0.1:0")
	e.waitReady(t)
	// Scraped from its first refresh on, so every scrape has all the data.
	p := startPrometheus(t, prom, strings.TrimPrefix(e.base, "http://"), rules)
	first := time.Now()
	// Four scrapes: a rate over $__rate_interval (4 scrape intervals) then has samples to use.
	dataIn := p.waitScrapes(t, 4)
	p.waitEvaluated(t, dataIn)
	t.Logf("exporter ready, scraped 4 times and every rule evaluated since: %v after the start", time.Since(began).Round(time.Millisecond))

	t.Run("dashboards", func(t *testing.T) { checkDashboards(t, p.api, boards, first, time.Now()) })
	t.Run("rules", func(t *testing.T) { checkRules(t, p.api, groups) })
	e.stop(t)
}

// waitScrapes waits until Prometheus has scraped the exporter successfully n times and
// returns the time it saw that.
func (p *runningPrometheus) waitScrapes(t *testing.T, n int) time.Time {
	t.Helper()
	const q = `sum_over_time(up{job="marketplace"}[1m])`
	poll(t, 30*time.Second, "scrapes of the exporter", func(ctx context.Context) (bool, string) {
		v, _, err := p.api.query(ctx, q, time.Now())
		if err != nil {
			return false, err.Error()
		}
		if vec, ok := v.(model.Vector); ok && len(vec) == 1 && int(vec[0].Value) >= n {
			return true, ""
		}
		return false, fmt.Sprintf("%s = %v, want >= %d", q, v, n)
	})
	return time.Now()
}

// waitEvaluated waits until every rule has been evaluated after the time given.
func (p *runningPrometheus) waitEvaluated(t *testing.T, after time.Time) {
	t.Helper()
	poll(t, 30*time.Second, "rule evaluations", func(ctx context.Context) (bool, string) {
		groups, err := p.api.rules(ctx)
		if err != nil {
			return false, err.Error()
		}
		var waiting []string
		for _, g := range groups {
			for _, r := range g.Rules {
				if !r.LastEvaluation.After(after) {
					waiting = append(waiting, r.Name)
				}
			}
		}
		if len(groups) > 0 && len(waiting) == 0 {
			return true, ""
		}
		return false, fmt.Sprintf("%d groups loaded; not evaluated since %s: %v", len(groups), after.Format(time.RFC3339Nano), waiting)
	})
}

// dashboardFile is the part of a dashboard JSON file the test reads.
type dashboardFile struct {
	file       string
	Title      string           `json:"title"`
	Panels     []dashboardPanel `json:"panels"`
	Templating struct {
		List []dashboardVariable `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
}

// dashboardPanel is a panel, or a row with the panels it holds when collapsed.
type dashboardPanel struct {
	ID      int    `json:"id"`
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		RefID   string `json:"refId"`
		Expr    string `json:"expr"`
		Range   bool   `json:"range"`
		Instant bool   `json:"instant"`
	} `json:"targets"`
	Panels []dashboardPanel `json:"panels"`
}

// dashboardVariable is a template variable.
type dashboardVariable struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Definition string `json:"definition"`
	Regex      string `json:"regex"`
	Multi      bool   `json:"multi"`
	IncludeAll bool   `json:"includeAll"`
}

// panelQuery is one target of a panel.
type panelQuery struct {
	panel        dashboardPanel
	refID, expr  string
	rangeQuery   bool
	instantQuery bool
}

func (q panelQuery) String() string {
	return fmt.Sprintf("panel %q (id %d) query %s", q.panel.Title, q.panel.ID, q.refID)
}

// queries lists every target of every panel, rows' panels included.
func (d dashboardFile) queries() []panelQuery {
	var out []panelQuery
	var walk func([]dashboardPanel)
	walk = func(ps []dashboardPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				out = append(out, panelQuery{panel: p, refID: tg.RefID, expr: tg.Expr, rangeQuery: tg.Range, instantQuery: tg.Instant})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

func loadDashboards(t *testing.T, pattern string) []dashboardFile {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no dashboards match %s", pattern)
	}
	var out []dashboardFile
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := dashboardFile{file: filepath.Base(f)}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(d.queries()) == 0 {
			t.Fatalf("%s: no panel queries", f)
		}
		out = append(out, d)
	}
	return out
}

// checkDashboards runs every panel query of every dashboard once for each value of the
// single-value variables (the windows), with the multi-value ones (the apps) on All: as an
// instant query at end and, for targets Grafana runs over the time range, as a range query
// over [start, end]. A query fails the test when Prometheus rejects it or it returns nothing
// (or only NaN, but for latency quantiles).
func checkDashboards(t *testing.T, prom *promAPI, boards []dashboardFile, start, end time.Time) {
	step := scrapeInterval
	builtins := grafanaIntervals(step, scrapeInterval, end.Sub(start))
	var targets, runs, nanOnly int
	for _, d := range boards {
		bindings := variableBindings(t, prom, d, end)
		problems := map[string]string{} // query run -> problem, so that each runs once
		run := func(kind, expr string) string {
			key := kind + " " + expr
			if p, ok := problems[key]; ok {
				return p
			}
			runs++
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var v model.Value
			var warnings []string
			var err error
			if kind == "range" {
				v, warnings, err = prom.queryRange(ctx, expr, start, end, step)
			} else {
				v, warnings, err = prom.query(ctx, expr, end)
			}
			var p string
			switch n, nan := samples(v); {
			case err != nil:
				p = "error: " + err.Error()
			case len(warnings) > 0:
				p = "warnings: " + strings.Join(warnings, "; ")
			case n == 0:
				p = "no data"
			case nan == n && strings.HasPrefix(expr, "histogram_quantile("):
				// No API request in $__rate_interval, which is all of this test: the
				// refreshes are hourly. A real Prometheus sees the quantiles after each one.
				nanOnly++
				t.Logf("%s: %s %s returns only NaN (%d samples): no API request meanwhile", d.file, kind, expr, n)
			case nan == n:
				p = "only NaN"
			}
			problems[key] = p
			return p
		}
		for _, q := range d.queries() {
			targets++
			if q.expr == "" {
				t.Errorf("%s: %s: no expr", d.file, q)
				continue
			}
			for _, b := range bindings {
				expr := substituteVariables(q.expr, b.values, builtins)
				if left := variableRef.FindString(expr); left != "" {
					t.Errorf("%s: %s: unknown variable %s in %s", d.file, q, left, q.expr)
					break
				}
				kinds := []string{"instant"}
				if q.rangeQuery {
					kinds = append(kinds, "range")
				}
				for _, kind := range kinds {
					if p := run(kind, expr); p != "" {
						t.Errorf("%s (%s): %s, with %s: %s query %s\n    %s", d.file, d.Title, q, b, kind, p, expr)
					}
				}
			}
		}
		for _, a := range d.Annotations.List {
			if a.Expr == "" {
				continue
			}
			// The firing alerts: nothing is expected to fire, so only errors count.
			if p := run("instant", substituteVariables(a.Expr, nil, builtins)); strings.HasPrefix(p, "error") || strings.HasPrefix(p, "warnings") {
				t.Errorf("%s: annotation %q: %s\n    %s", d.file, a.Name, p, a.Expr)
			}
		}
	}
	t.Logf("%d panel queries of %d dashboards checked: %d distinct instant and range queries run, %d of them latency quantiles, all NaN",
		targets, len(boards), runs, nanOnly)
}

// samples counts the samples of a query result, and how many of them are NaN.
func samples(v model.Value) (n, nan int) {
	count := func(f model.SampleValue) {
		n++
		if math.IsNaN(float64(f)) {
			nan++
		}
	}
	switch v := v.(type) {
	case model.Vector:
		for _, s := range v {
			count(s.Value)
		}
	case model.Matrix:
		for _, s := range v {
			for _, p := range s.Values {
				count(p.Value)
			}
		}
	case *model.Scalar:
		count(v.Value)
	case *model.String:
		n++
	}
	return n, nan
}

// grafanaIntervals are the values of Grafana's built-in interval variables for a query with
// the given step over the given range, on a data source that scrapes every scrape.
// $__rate_interval is max($__interval + scrape interval, 4 * scrape interval).
func grafanaIntervals(step, scrape, rng time.Duration) map[string]string {
	rate := max(step+scrape, 4*scrape)
	secs := int64(rng.Seconds())
	return map[string]string{
		"__interval":      model.Duration(step).String(),
		"__interval_ms":   strconv.FormatInt(step.Milliseconds(), 10),
		"__rate_interval": model.Duration(rate).String(),
		"__range":         strconv.FormatInt(secs, 10) + "s",
		"__range_s":       strconv.FormatInt(secs, 10),
		"__range_ms":      strconv.FormatInt(secs*1000, 10),
	}
}

// variableRef matches $name, ${name} and ${name:format}, as Grafana does.
var variableRef = regexp.MustCompile(`\$(?:\{(\w+)(?::\w+)?\}|(\w+))`)

// substituteVariables replaces the dashboard's variables, then Grafana's built-in ones, and
// leaves unknown ones in place.
func substituteVariables(expr string, values, builtins map[string]string) string {
	return variableRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := variableRef.FindStringSubmatch(ref)
		name := m[1] + m[2]
		if v, ok := values[name]; ok {
			return v
		}
		if v, ok := builtins[name]; ok {
			return v
		}
		return ref
	})
}

// binding is one choice of the dashboard's variables, formatted for PromQL.
type binding struct {
	values map[string]string
	shown  []string // name=value of the single-value variables, for messages
}

func (b binding) String() string {
	if len(b.shown) == 0 {
		return "all apps"
	}
	return "all apps, " + strings.Join(b.shown, ", ")
}

// variableBindings resolves the dashboard's query variables against Prometheus the way
// Grafana does and returns every combination of the single-value variables' values, with the
// multi-value variables on All.
func variableBindings(t *testing.T, prom *promAPI, d dashboardFile, at time.Time) []binding {
	t.Helper()
	out := []binding{{values: map[string]string{}}}
	for _, v := range d.Templating.List {
		if v.Type == "datasource" {
			continue // picked in Grafana's UI; queries never name it
		}
		values := variableValues(t, prom, d.file, v, at)
		if v.Multi || v.IncludeAll {
			for _, b := range out {
				b.values[v.Name] = formatMulti(values)
			}
			continue
		}
		var next []binding
		for _, b := range out {
			for _, val := range values {
				nb := binding{values: map[string]string{}, shown: append(slices.Clone(b.shown), v.Name+"="+val)}
				for k, x := range b.values {
					nb.values[k] = x
				}
				nb.values[v.Name] = prometheusRegularEscape(val)
				next = append(next, nb)
			}
		}
		out = next
	}
	return out
}

// Grafana's query variable definitions for Prometheus.
var (
	queryResultDef = regexp.MustCompile(`^query_result\((.+)\)$`)
	labelValuesDef = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\s*\)$`)
)

// variableValues runs a query variable's definition and regex as Grafana does, and fails the
// test when it gives no value.
func variableValues(t *testing.T, prom *promAPI, file string, v dashboardVariable, at time.Time) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var options []string
	switch m := queryResultDef.FindStringSubmatch(v.Definition); {
	case v.Type != "query":
		t.Fatalf("%s: variable %s has type %q, which the test cannot resolve", file, v.Name, v.Type)
	case m != nil:
		res, _, err := prom.query(ctx, m[1], at)
		if err != nil {
			t.Fatalf("%s: variable %s: %s: %v", file, v.Name, v.Definition, err)
		}
		vec, ok := res.(model.Vector)
		if !ok {
			t.Fatalf("%s: variable %s: %s gives a %s, not a vector", file, v.Name, v.Definition, res.Type())
		}
		for _, s := range vec {
			options = append(options, queryResultText(s))
		}
	default:
		lv := labelValuesDef.FindStringSubmatch(v.Definition)
		if lv == nil {
			t.Fatalf("%s: variable %s: definition %q is neither query_result(...) nor label_values(metric, label)", file, v.Name, v.Definition)
		}
		vals, err := prom.labelValues(ctx, lv[2], lv[1])
		if err != nil {
			t.Fatalf("%s: variable %s: %s: %v", file, v.Name, v.Definition, err)
		}
		options = vals
	}
	values := applyVariableRegex(t, file, v, options)
	if len(values) == 0 {
		t.Fatalf("%s: variable %s (%s) has no values", file, v.Name, v.Definition)
	}
	return values
}

// queryResultText is the line Grafana's query_result() makes of a sample:
// name{label="value",...} value timestamp_ms, labels in Prometheus's (sorted) order.
func queryResultText(s *model.Sample) string {
	names := make([]string, 0, len(s.Metric))
	for n := range s.Metric {
		if n != model.MetricNameLabel {
			names = append(names, string(n))
		}
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, n := range names {
		pairs[i] = n + `="` + string(s.Metric[model.LabelName(n)]) + `"`
	}
	return fmt.Sprintf("%s{%s} %s %d", s.Metric[model.MetricNameLabel], strings.Join(pairs, ","), s.Value, s.Timestamp.UnixNano()/1e6)
}

// applyVariableRegex keeps the options that match the variable's regex (a JavaScript /.../
// literal) and takes the value from its "value" group or its first group, deduplicated and
// sorted.
func applyVariableRegex(t *testing.T, file string, v dashboardVariable, options []string) []string {
	t.Helper()
	seen := map[string]bool{}
	if v.Regex == "" {
		for _, o := range options {
			seen[o] = true
		}
	} else {
		body := strings.TrimPrefix(v.Regex, "/")
		body = body[:strings.LastIndex(body, "/")] // drop the flags
		re, err := regexp.Compile(body)
		if err != nil {
			t.Fatalf("%s: variable %s: regex %s: %v", file, v.Name, v.Regex, err)
		}
		for _, o := range options {
			m := re.FindStringSubmatch(o)
			switch {
			case m == nil:
			case re.SubexpIndex("value") > 0:
				seen[m[re.SubexpIndex("value")]] = true
			case len(m) > 1:
				seen[m[1]] = true
			default:
				seen[m[0]] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for val := range seen {
		out = append(out, val)
	}
	sort.Strings(out)
	return out
}

// regexMeta are the characters Grafana escapes in the values of a multi-value variable.
var regexMeta = regexp.MustCompile(`[$^*{}\[\]+?.()|]`)

// formatMulti formats the values of a multi-value variable for a regex matcher as Grafana's
// Prometheus data source does: each value regex-escaped (inside a PromQL string, so with
// doubled backslashes), several joined as (a|b).
func formatMulti(values []string) string {
	escaped := make([]string, len(values))
	for i, v := range values {
		v = strings.ReplaceAll(v, `\`, `\\\\`)
		escaped[i] = regexMeta.ReplaceAllString(v, `\\$0`)
	}
	if len(escaped) == 1 {
		return escaped[0]
	}
	return "(" + strings.Join(escaped, "|") + ")"
}

// prometheusRegularEscape formats the value of a single-value variable as Grafana does.
func prometheusRegularEscape(v string) string {
	return strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `'`, `\\'`)
}

// ruleGroup is a group of the rule file.
type ruleGroup struct {
	Name  string `yaml:"name"`
	Rules []struct {
		Record string `yaml:"record"`
		Alert  string `yaml:"alert"`
	} `yaml:"rules"`
}

func loadRuleGroups(t *testing.T, file string) []ruleGroup {
	t.Helper()
	var f struct {
		Groups []ruleGroup `yaml:"groups"`
	}
	readYAML(t, file, &f)
	if len(f.Groups) == 0 {
		t.Fatalf("%s: no rule groups", file)
	}
	return f.Groups
}

// checkRules compares the rules Prometheus runs with the rule file: every group and rule
// loaded, in order, healthy, without an error; every recording rule with series; no alert
// about the exporter active.
func checkRules(t *testing.T, prom *promAPI, groups []ruleGroup) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := prom.rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]promRuleGroup{}
	for _, g := range res {
		loaded[g.Name] = g
	}
	var records, alerts int
	for _, want := range groups {
		got, ok := loaded[want.Name]
		if !ok {
			t.Errorf("rule group %s is not loaded", want.Name)
			continue
		}
		if len(got.Rules) != len(want.Rules) {
			t.Errorf("rule group %s: %d rules loaded, the file has %d", want.Name, len(got.Rules), len(want.Rules))
			continue
		}
		for i, r := range got.Rules {
			name := want.Rules[i].Record + want.Rules[i].Alert
			kind := "recording"
			if want.Rules[i].Alert != "" {
				kind = "alerting"
			}
			if r.Name != name || r.Type != kind {
				t.Errorf("%s: rule %d is the %s rule %s, the file has the %s rule %s", want.Name, i, r.Type, r.Name, kind, name)
				continue
			}
			if r.Health != "ok" || r.LastError != "" {
				t.Errorf("%s rule %s: health %q, last error %q", r.Type, r.Name, r.Health, r.LastError)
			}
			switch {
			case r.Type == "recording":
				records++
				v, _, err := prom.query(ctx, r.Name, time.Now())
				if err != nil {
					t.Errorf("recording rule %s: %v", r.Name, err)
				} else if n, _ := samples(v); n == 0 {
					t.Errorf("recording rule %s produces no series\n    %s", r.Name, r.Query)
				}
			case want.Name == exporterAlerts && r.State != "inactive":
				alerts++
				t.Errorf("alert %s is %s against a healthy demo exporter: %+v", r.Name, r.State, r.Alerts)
			default:
				alerts++
				if r.State != "inactive" {
					t.Logf("alert %s is %s on the demo data", r.Name, r.State)
				}
			}
		}
	}
	if _, ok := loaded[exporterAlerts]; !ok {
		t.Errorf("no rule group %s", exporterAlerts)
	}
	t.Logf("%d recording rules and %d alerts checked", records, alerts)
}
