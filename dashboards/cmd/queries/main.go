// Command queries prints every panel query (targets[].expr) of the dashboard JSON files, for
// running them by hand or from another test.
//
// Usage, from the dashboards directory:
//
//	go run ./cmd/queries [-substitute] [-set name=value ...] [-json] [FILE.json ...]
//
// Without files it reads every *.json in the current directory. -substitute replaces the
// dashboards' variables ($addon, $window, $__rate_interval, ...) with sample values, which -set
// overrides, e.g. -set 'addon=com\\.example\\.alpha' -set window=7d.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/marketplace-exporter/marketplace_exporter/dashboards"
)

// setFlags collects repeated -set name=value flags.
type setFlags map[string]string

func (s setFlags) String() string { return "" }

func (s setFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want name=value, got %q", v)
	}
	s[name] = value
	return nil
}

func main() {
	substitute := flag.Bool("substitute", false, "replace the variables with sample values")
	asJSON := flag.Bool("json", false, "print one JSON object per query instead of tab-separated lines")
	values := setFlags{}
	flag.Var(values, "set", "name=value: a variable's value for -substitute (repeatable)")
	flag.Parse()
	if err := run(flag.Args(), *substitute, *asJSON, values); err != nil {
		fmt.Fprintln(os.Stderr, "queries:", err)
		os.Exit(1)
	}
}

func run(files []string, substitute, asJSON bool, overrides map[string]string) error {
	if len(files) == 0 {
		var err error
		if files, err = filepath.Glob("*.json"); err != nil {
			return err
		}
	}
	values := map[string]string{}
	for k, v := range dashboards.SampleValues {
		values[k] = v
	}
	for k, v := range overrides {
		values[k] = v
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		queries, err := dashboards.Queries(filepath.Base(file), raw)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for _, q := range queries {
			if substitute {
				q.Expr = dashboards.Substitute(q.Expr, values)
			}
			if asJSON {
				if err := enc.Encode(q); err != nil {
					return err
				}
				continue
			}
			fmt.Printf("%s\t%d\t%s\t%s\t%s\n", q.Dashboard, q.PanelID, q.Panel, q.RefID, q.Expr)
		}
	}
	return nil
}
