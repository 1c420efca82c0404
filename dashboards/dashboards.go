// Package dashboards generates the Grafana dashboards of marketplace_exporter with the Grafana
// Foundation SDK and checks them.
//
// The JSON files in this directory are generated: change the Go code and run
// `go generate ./...` (or `make dashboards-generate` from the repository root). The tests fail
// when a committed file differs from a fresh generation, does not load strictly into the SDK's
// dashboard schema, repeats a panel id, or has a query that does not parse as PromQL.
//
// Every dashboard has the variables datasource (a Prometheus), addon (apps, by name, multi-value)
// and window (the exporter's --window values). Business panels read the exporter's metrics
// directly, not the recording rules, so they work without the rules loaded.
package dashboards

//go:generate go run ./cmd/generate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// File is one generated dashboard.
type File struct {
	// Name is the file name in this directory, e.g. "marketplace-overview.json".
	Name string
	// JSON is the dashboard, indented, with a trailing newline.
	JSON []byte
}

// boards lists the dashboards in the order they are linked.
var boards = []struct {
	file  string
	build func() *dashboard.DashboardBuilder
}{
	{"marketplace-overview.json", overview},
	{"marketplace-sales.json", sales},
	{"marketplace-evaluations.json", evaluations},
	{"marketplace-feedback.json", feedback},
	{"marketplace-churn-benchmarks.json", churnBenchmarks},
	{"marketplace-exporter.json", exporterHealth},
}

// Generate builds every dashboard and renders it as the JSON committed in this directory.
func Generate() ([]File, error) {
	files := make([]File, 0, len(boards))
	for _, b := range boards {
		d, err := b.build().Build()
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", b.file, err)
		}
		numberPanels(&d)
		out, err := render(d)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", b.file, err)
		}
		files = append(files, File{Name: b.file, JSON: out})
	}
	return files, nil
}

// numberPanels gives rows and panels the ids 1, 2, ... in the order they appear.
func numberPanels(d *dashboard.Dashboard) {
	var id uint32
	for _, p := range d.Panels {
		id++
		switch {
		case p.Panel != nil:
			p.Panel.Id = cog.ToPtr(id)
		case p.RowPanel != nil:
			p.RowPanel.Id = id
		}
	}
}

// htmlEscapes are what encoding/json writes for <, > and & (the SDK's own MarshalJSON methods
// escape them), which would make every PromQL comparison unreadable in the files.
var htmlEscapes = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// render marshals a dashboard as stable, indented JSON with a trailing newline, and checks that
// undoing the HTML escaping did not change its value.
func render(d dashboard.Dashboard) ([]byte, error) {
	escaped, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	out := []byte(htmlEscapes.Replace(string(escaped)))
	var before, after any
	if err := json.Unmarshal(escaped, &before); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(out, &after); err != nil {
		return nil, fmt.Errorf("unescaping <, > and &: %w", err)
	}
	if !reflect.DeepEqual(before, after) {
		return nil, fmt.Errorf("unescaping <, > and & changed the dashboard")
	}
	return append(out, '\n'), nil
}

// newBoard starts a dashboard with what all of them share: title prefix, uid, tags, links to
// the others, the variables and the alert annotations.
func newBoard(uid, title, description string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder("Atlassian Marketplace / "+title).
		Uid("marketplace-"+uid).
		Description(description).
		Tags([]string{tag}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		// The exporter's windows end on the last complete UTC day.
		Timezone(common.TimeZoneUtc).
		Time("now-30d", "now").
		Refresh("30m").
		Link(dashboard.NewDashboardLinkBuilder("Marketplace").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{tag}).
			AsDropdown(true).
			IncludeVars(true).
			KeepTime(true)).
		Annotations([]cog.Builder[dashboard.AnnotationQuery]{
			dashboard.NewAnnotationQueryBuilder().
				Name("Annotations & Alerts").
				Datasource(common.DataSourceRef{Type: cog.ToPtr("grafana"), Uid: cog.ToPtr("-- Grafana --")}).
				Type("dashboard").
				BuiltIn(1).
				Enable(true).
				Hide(true).
				IconColor("rgba(0, 211, 255, 1)"),
			dashboard.NewAnnotationQueryBuilder().
				Name("Marketplace alerts").
				Datasource(datasource).
				Enable(true).
				IconColor("red").
				Expr(`ALERTS{alertname=~"Marketplace.+", alertstate="firing"}`).
				Step("5m").
				TitleFormat("{{alertname}}").
				TextFormat("{{addon_key}} {{collector}}").
				TagKeys("severity"),
		}).
		Variables(variables())
}

// tag marks the dashboards of this exporter, for the links between them.
const tag = "atlassian-marketplace"

// addonRegex splits a query_result line of atlassian_marketplace_app_info, e.g.
//
//	atlassian_marketplace_app_info{addon_key="com.example.alpha", instance="...", name="Alpha for Jira"} 1 1700000000000
//
// into the variable's value (the app key) and text (its name). Prometheus sorts labels, so
// addon_key comes before name.
const addonRegex = `/addon_key="(?<value>[^"]+)".*\bname="(?<text>[^"]+)"/`

// variables are the datasource, addon and window variables of every dashboard.
func variables() []cog.Builder[dashboard.VariableModel] {
	return []cog.Builder[dashboard.VariableModel]{
		dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type("prometheus"),
		dashboard.NewQueryVariableBuilder("addon").
			Label("App").
			Description("The Marketplace apps to show, by name.").
			Datasource(datasource).
			Query(dashboard.StringOrMap{String: cog.ToPtr("query_result(atlassian_marketplace_app_info)")}).
			Definition("query_result(atlassian_marketplace_app_info)").
			Regex(addonRegex).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalCaseInsensitiveAsc).
			Multi(true).
			IncludeAll(true).
			Current(dashboard.VariableOption{
				Text:  dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
				Value: dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
			}),
		dashboard.NewQueryVariableBuilder("window").
			Label("Window").
			Description("The trailing window the sums are over, ending on the last complete UTC day (the exporter's --window).").
			Datasource(datasource).
			Query(dashboard.StringOrMap{String: cog.ToPtr("label_values(atlassian_marketplace_evaluations, window)")}).
			Definition("label_values(atlassian_marketplace_evaluations, window)").
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortNaturalAsc).
			Current(dashboard.VariableOption{
				Text:  dashboard.StringOrArrayOfString{String: cog.ToPtr("28d")},
				Value: dashboard.StringOrArrayOfString{String: cog.ToPtr("28d")},
			}),
	}
}
