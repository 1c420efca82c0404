package main

import (
	"bufio"
	"bytes"
	"fmt"
	"log"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The Go benchmarks of the hot paths (collector/bench_test.go), run in the product module and
// folded into the table: a scrape through the cached handler against promhttp over the same
// state, and the other hot paths on their own.

// benchLine reads one result line of go test -bench -benchmem.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+([\d.]+) ns/op(.*?)\s+(\d+) B/op\s+(\d+) allocs/op`)

type benchResult struct {
	ns, bytes, allocs float64
	extra             string
}

// hotPaths selects the benchmarks of collector/bench_test.go.
const hotPaths = "^Benchmark(Scrape|SelfMetrics|SelfMetricsParts|ProcReads|SnapshotEncoding|Refresh|LicensesExport)$"

func runGoBenchmarks(r *report, repo string, benchtime string) error {
	log.Printf("go benchmarks: go test -bench '%s' -benchtime=%s ./collector", hotPaths, benchtime)
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", hotPaths, "-benchmem", "-benchtime="+benchtime, "-count=1", "./collector")
	cmd.Dir = repo
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test -bench: %v\n%s", err, out.String())
	}
	results := map[string]benchResult{}
	var order []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
		results[m[1]] = benchResult{ns: f(m[3]), bytes: f(m[5]), allocs: f(m[6]), extra: strings.TrimSpace(m[4])}
		order = append(order, m[1])
	}
	if len(order) == 0 {
		return fmt.Errorf("no benchmark results in:\n%s", out.String())
	}
	describe := func(b benchResult) string {
		return fmt.Sprintf("%s/op, %s allocs (%s)", fmtDur(time.Duration(b.ns)), fmtCount(b.allocs), fmtBytes(b.bytes))
	}
	for _, name := range order {
		b := results[name]
		if strings.HasSuffix(name, "/promhttp") {
			continue // shown as the reference of its cached twin
		}
		rw := row{Measurement: "Go benchmark", Case: name, Ours: describe(b)}
		if ref, ok := results[strings.TrimSuffix(name, "/cached")+"/promhttp"]; ok && strings.HasSuffix(name, "/cached") {
			rw.Case += " (reference: the same state through promhttp)"
			rw.Reference = describe(ref)
			rw.Ratio = fmt.Sprintf("%.0f× faster", ref.ns/b.ns)
		}
		if b.extra != "" {
			rw.Case += "; " + b.extra
		}
		r.add(rw)
	}
	return nil
}
