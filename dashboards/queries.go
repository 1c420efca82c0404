package dashboards

import (
	"encoding/json"
	"regexp"
	"sort"
)

// Query is one PromQL query of a dashboard panel, as it is in the JSON file: targets[].expr.
type Query struct {
	Dashboard string `json:"dashboard"` // file name
	PanelID   int    `json:"panelId"`
	Panel     string `json:"panel"` // panel title
	RefID     string `json:"refId"`
	Expr      string `json:"expr"`
	Legend    string `json:"legendFormat,omitempty"`
	Instant   bool   `json:"instant,omitempty"`
}

// jsonPanel is the part of a panel that Queries reads.
type jsonPanel struct {
	ID      int    `json:"id"`
	Title   string `json:"title"`
	Targets []struct {
		RefID        string `json:"refId"`
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
		Instant      bool   `json:"instant"`
	} `json:"targets"`
	Panels []jsonPanel `json:"panels"` // of a collapsed row
}

// Queries lists the panel queries of a dashboard file, in panel order. It reads plain JSON, so it
// works on any dashboard, generated or not.
func Queries(file string, raw []byte) ([]Query, error) {
	var d struct {
		Panels []jsonPanel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	var out []Query
	var walk func([]jsonPanel)
	walk = func(ps []jsonPanel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				out = append(out, Query{
					Dashboard: file, PanelID: p.ID, Panel: p.Title,
					RefID: t.RefID, Expr: t.Expr, Legend: t.LegendFormat, Instant: t.Instant,
				})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out, nil
}

// SampleValues are values for the dashboards' variables and Grafana's built-in interval
// variables that make every query a plain PromQL expression. $addon is formatted as Grafana
// formats a multi-value selection inside a regex matcher.
var SampleValues = map[string]string{
	"addon":           `(com\\.example\\.alpha|com\\.example\\.beta)`,
	"window":          "28d",
	"datasource":      "prometheus",
	"__rate_interval": "1m",
	"__interval":      "1m",
	"__interval_ms":   "60000",
	"__range":         "1h",
	"__range_s":       "3600",
	"__range_ms":      "3600000",
}

// variableRef matches $name, ${name} and ${name:format}.
var variableRef = regexp.MustCompile(`\$(?:\{(\w+)(?::\w+)?\}|(\w+))`)

// Substitute replaces the variables in expr ($name, ${name}, ${name:format}) with values,
// leaving unknown ones as they are.
func Substitute(expr string, values map[string]string) string {
	return variableRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := variableRef.FindStringSubmatch(ref)
		name := m[1] + m[2]
		if v, ok := values[name]; ok {
			return v
		}
		return ref
	})
}

// Variables lists the variables that expr refers to, sorted and without repeats.
func Variables(expr string) []string {
	seen := map[string]bool{}
	for _, m := range variableRef.FindAllStringSubmatch(expr, -1) {
		seen[m[1]+m[2]] = true
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
