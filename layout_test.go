package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the layout the design depends on: main imports collector, which
// imports marketplace; the client and its simulator use nothing but the standard library (so
// the client knows nothing of Prometheus), and the simulator does not import the client (so a
// field misnamed in the client cannot hide by being misnamed in the simulator too).
func TestImportDirection(t *testing.T) {
	const module = "github.com/marketplace-exporter/marketplace_exporter"
	for _, tc := range []struct {
		pkg     string
		allowed []string // non-standard packages it may depend on
	}{
		{pkg: module + "/marketplace", allowed: nil},
		{pkg: module + "/marketplace/marketplacetest", allowed: nil},
	} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", tc.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", tc.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == tc.pkg {
				continue
			}
			t.Errorf("%s depends on %s; it must use the standard library only", tc.pkg, dep)
		}
	}

	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+"/collector").CombinedOutput()
	if err != nil {
		t.Fatalf("go list collector: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == module || strings.HasPrefix(dep, module+"/dashboards") {
			t.Errorf("collector depends on %s: the dependency must only point from main to collector to marketplace", dep)
		}
	}
}
