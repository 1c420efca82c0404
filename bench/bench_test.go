package main

import (
	"strings"
	"testing"
	"time"
)

// The harness's own arithmetic and parsing; make test also runs it briefly end to end.

func TestCollectorOf(t *testing.T) {
	for endpoint, want := range map[string]string{
		"evaluations_country": "evaluations", "sales_tier": "sales", "sales_benchmark": "benchmarks",
		"evaluation_benchmark": "benchmarks", "churn_benchmark": "benchmarks", "churn": "cloud",
		"feedback_reason": "feedback", "licenses_export": "licenses", "partner_metrics": "mrr",
		"apps": "apps", "app_distribution": "apps",
	} {
		if got := collectorOf(endpoint); got != want {
			t.Errorf("collectorOf(%q) = %q, want %q", endpoint, got, want)
		}
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("percentile sorted its argument")
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{fmtCount(1234567), "1,234,567"}, {fmtCount(999), "999"}, {fmtCount(-4800), "-4,800"},
		{fmtDur(1500 * time.Microsecond), "1.5 ms"}, {fmtDur(2 * time.Second), "2 s"}, {fmtDur(97 * time.Microsecond), "97 µs"},
		{fmtBytes(2048), "2.0 kB"}, {fmtBytes(20 << 20), "20.0 MB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestCountSeries(t *testing.T) {
	series, families := countSeries([]byte("# HELP a A.\n# TYPE a gauge\na 1\n# TYPE b counter\nb_total{x=\"1\"} 2\nb_total{x=\"2\"} 3\n# EOF\n"))
	if series != 3 || families != 2 {
		t.Errorf("%d series in %d families, want 3 in 2", series, families)
	}
}

func TestLogParsing(t *testing.T) {
	for line, want := range map[string]string{
		`{"level":"info","msg":"Listening on","address":"127.0.0.1:41234"}`:              "127.0.0.1:41234",
		`time=2026-01-01T00:00:00Z level=INFO msg="Listening on" address=127.0.0.1:7979`: "127.0.0.1:7979",
		"listening on http://127.0.0.1:5000":                                             "127.0.0.1:5000",
	} {
		if m := listenRE.FindStringSubmatch(line); m == nil || m[1] != want {
			t.Errorf("%s: %v, want %s", line, m, want)
		}
	}
	c := &child{lines: strings.Split("gc 1 @0.01s 1%: 0.1+1+0.1 ms clock, 0.2+0/1/0+0.2 ms cpu, 3->5->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\nnot gc\ngc 2 @0.02s 1%: 0.1+1+0.1 ms clock, 0.2+0/1/0+0.2 ms cpu, 4->4->1 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P", "\n")}
	if peak, gcs := c.peakHeapMB(); peak != 5 || gcs != 2 {
		t.Errorf("peak heap %d MB over %d collections, want 5 over 2", peak, gcs)
	}
}
