package collector

import (
	"math"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
)

// The lean process collector serves what the standard one does: the same families, help and
// types, and the same values (up to what moves between two reads).
func TestProcessCollectorMatchesClientGolang(t *testing.T) {
	gather := func(c prometheus.Collector) map[string]*dto.MetricFamily {
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(c)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]*dto.MetricFamily{}
		for _, mf := range mfs {
			m[mf.GetName()] = mf
		}
		return m
	}
	c, err := newProcStatCollector("/proc")
	if err != nil {
		t.Fatal(err)
	}
	want := gather(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	got := gather(c)
	if len(want) != 9 || len(got) != len(want) {
		t.Fatalf("families: got %d, standard collector %d (want 9)", len(got), len(want))
	}
	value := func(mf *dto.MetricFamily) float64 {
		m := mf.GetMetric()[0]
		if mf.GetType() == dto.MetricType_COUNTER {
			return m.GetCounter().GetValue()
		}
		return m.GetGauge().GetValue()
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: missing", name)
			continue
		}
		if g.GetHelp() != w.GetHelp() || g.GetType() != w.GetType() || len(g.GetMetric()) != 1 {
			t.Errorf("%s: help %q type %v, standard: help %q type %v", name, g.GetHelp(), g.GetType(), w.GetHelp(), w.GetType())
		}
		gv, wv := value(g), value(w)
		var tolerance float64
		switch name {
		case "process_cpu_seconds_total":
			tolerance = 0.5
		case "process_resident_memory_bytes", "process_virtual_memory_bytes":
			tolerance = 0.25 * wv
		case "process_open_fds":
			tolerance = 2 // the two files this one keeps open
		case "process_network_receive_bytes_total", "process_network_transmit_bytes_total":
			tolerance = 1 << 20
		}
		if math.Abs(gv-wv) > tolerance {
			t.Errorf("%s = %g, standard collector %g", name, gv, wv)
		}
	}
}

func TestParseProcStat(t *testing.T) {
	line := "4242 (a) b (c)) S 1 2 3 4 5 6 7 8 9 10 150 50 0 0 20 0 8 0 12345 1000000 250 18446744073709551615\n"
	s, err := parseProcStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if want := (procStat{utime: 150, stime: 50, starttime: 12345, vsize: 1000000, rss: 250}); s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
	for _, bad := range []string{"4242 no name", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 x 50 0 0 20 0 8 0 1 2 3"} {
		if _, err := parseProcStat([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseIPExtOctets(t *testing.T) {
	netstat := "TcpExt: SyncookiesSent InOctets\nTcpExt: 1 2\nIpExt: InNoRoutes InOctets OutOctets\nIpExt: 0 1234 5678\n"
	if in, out := parseIPExtOctets([]byte(netstat)); in != 1234 || out != 5678 {
		t.Errorf("got %g, %g; want 1234, 5678", in, out)
	}
	if in, out := parseIPExtOctets([]byte("TcpExt: A\nTcpExt: 1\n")); in != 0 || out != 0 {
		t.Errorf("without IpExt: got %g, %g; want 0, 0", in, out)
	}
}

// BenchmarkProcReads is the floor of the process metrics: the two /proc reads that no process
// collector can do without, on files already open.
func BenchmarkProcReads(b *testing.B) {
	c, err := newProcStatCollector("/proc")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.read(c.stat); err != nil {
			b.Fatal(err)
		}
		if _, err := c.read(c.netstat); err != nil {
			b.Fatal(err)
		}
	}
}
