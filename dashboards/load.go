package dashboards

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"sync"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

var registerPlugins = sync.OnceFunc(plugins.RegisterDefaultPlugins)

// LoadStrict decodes a dashboard and fails on anything the SDK's dashboard schema does not
// describe: unknown or mistyped fields at any depth, panel types the SDK does not know, and
// targets that are not Prometheus queries.
//
// The SDK's own UnmarshalJSONStrict (v0.0.18) is not enough by itself: it returns an empty,
// non-nil cog.BuildErrors on success; it decodes fieldConfig and its defaults leniently; and it
// drops valid Prometheus targets instead of decoding them. So LoadStrict also decodes the
// dashboard normally and requires that encoding it again gives back exactly the input: a field
// that the SDK's types do not have would be lost on the way.
func LoadStrict(raw []byte) (dashboard.Dashboard, error) {
	registerPlugins()

	var strict dashboard.Dashboard
	if err := buildErrors(strict.UnmarshalJSONStrict(raw)); err != nil {
		return dashboard.Dashboard{}, fmt.Errorf("strict decoding: %w", err)
	}

	var d dashboard.Dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		return dashboard.Dashboard{}, err
	}
	for _, p := range panels(d) {
		if _, ok := cog.ConfigForPanelcfgVariant(p.Type); !ok {
			return dashboard.Dashboard{}, fmt.Errorf("panel %q: the SDK has no schema for panel type %q", title(p), p.Type)
		}
		for i, t := range p.Targets {
			if _, ok := t.(*prometheus.Dataquery); !ok {
				return dashboard.Dashboard{}, fmt.Errorf("panel %q: target %d is %T, not a Prometheus query (set its datasource type to prometheus)", title(p), i, t)
			}
		}
	}

	again, err := json.Marshal(d)
	if err != nil {
		return dashboard.Dashboard{}, err
	}
	var in, out any
	if err := json.Unmarshal(raw, &in); err != nil {
		return dashboard.Dashboard{}, err
	}
	if err := json.Unmarshal(again, &out); err != nil {
		return dashboard.Dashboard{}, err
	}
	if path := firstDifference(in, out, "$"); path != "" {
		return dashboard.Dashboard{}, fmt.Errorf("%s is not in the SDK's dashboard schema (lost or changed when decoded and encoded again)", path)
	}
	return d, nil
}

// buildErrors turns the SDK's empty cog.BuildErrors into nil.
func buildErrors(err error) error {
	var be cog.BuildErrors
	if errors.As(err, &be) && len(be) == 0 {
		return nil
	}
	return err
}

// panels lists every panel of a dashboard, including those inside collapsed rows.
func panels(d dashboard.Dashboard) []dashboard.Panel {
	var out []dashboard.Panel
	for _, p := range d.Panels {
		if p.Panel != nil {
			out = append(out, *p.Panel)
		}
		if p.RowPanel != nil {
			out = append(out, p.RowPanel.Panels...)
		}
	}
	return out
}

func title(p dashboard.Panel) string {
	if p.Title == nil {
		return ""
	}
	return *p.Title
}

// firstDifference returns the JSON path of the first place where a and b (decoded JSON)
// differ, or "" when they are equal.
func firstDifference(a, b any, path string) string {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok {
			return path
		}
		keys := make([]string, 0, len(a)+len(bm))
		for k := range a {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, ok := a[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if d := firstDifference(a[k], bm[k], path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return path
		}
		for i := range a {
			if d := firstDifference(a[i], bs[i], path+"["+strconv.Itoa(i)+"]"); d != "" {
				return d
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(a, b) {
			return path
		}
		return ""
	}
}
