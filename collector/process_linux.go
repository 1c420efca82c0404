package collector

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// The process metrics, read on every scrape as client_golang's process collector reads them,
// at a fraction of the cost. The standard collector opens five files under /proc on every
// scrape, and on this kind of VM opening a /proc file costs far more than reading it
// (BENCHMARKS.md: 450 to 620 µs a scrape, of a page whose floor is under 250 µs). This one keeps
// /proc/self/stat and /proc/self/net/netstat open and reads them again from offset 0 (the
// kernel generates them afresh on every read), takes the limits from getrlimit(2), which is
// what /proc/self/limits prints, and counts file descriptors as the standard one does. The
// start time is the process's, fixed at start: the boot time is read once.
//
// Same names, help, types and values as collectors.NewProcessCollector, except that
// process_open_fds counts the two files this keeps open.

// NewProcessCollector returns a collector of the standard process_* metrics of this process,
// equivalent to collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}). It falls
// back to that collector where /proc cannot be opened.
func NewProcessCollector() prometheus.Collector {
	c, err := newProcStatCollector("/proc")
	if err != nil {
		return collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})
	}
	return c
}

// userHZ is the unit of the times in /proc/PID/stat (USER_HZ, 100 on every Linux port that
// matters, as procfs assumes).
const userHZ = 100

type procStatCollector struct {
	stat, netstat *os.File
	fdDir         string
	bootTime      float64
	pageSize      float64

	mu  sync.Mutex
	buf []byte

	cpuTotal, openFDs, maxFDs, vsize, maxVsize, rss, startTime, inBytes, outBytes *prometheus.Desc
}

func newProcStatCollector(procRoot string) (*procStatCollector, error) {
	boot, err := readBootTime(procRoot + "/stat")
	if err != nil {
		return nil, err
	}
	stat, err := os.Open(procRoot + "/self/stat")
	if err != nil {
		return nil, err
	}
	netstat, err := os.Open(procRoot + "/self/net/netstat")
	if err != nil {
		stat.Close()
		return nil, err
	}
	desc := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &procStatCollector{
		stat:      stat,
		netstat:   netstat,
		fdDir:     procRoot + "/self/fd",
		bootTime:  boot,
		pageSize:  float64(os.Getpagesize()),
		buf:       make([]byte, 8<<10),
		cpuTotal:  desc("process_cpu_seconds_total", "Total user and system CPU time spent in seconds."),
		openFDs:   desc("process_open_fds", "Number of open file descriptors."),
		maxFDs:    desc("process_max_fds", "Maximum number of open file descriptors."),
		vsize:     desc("process_virtual_memory_bytes", "Virtual memory size in bytes."),
		maxVsize:  desc("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes."),
		rss:       desc("process_resident_memory_bytes", "Resident memory size in bytes."),
		startTime: desc("process_start_time_seconds", "Start time of the process since unix epoch in seconds."),
		inBytes:   desc("process_network_receive_bytes_total", "Number of bytes received by the process over the network."),
		outBytes:  desc("process_network_transmit_bytes_total", "Number of bytes sent by the process over the network."),
	}, nil
}

// Describe implements prometheus.Collector.
func (c *procStatCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.cpuTotal, c.openFDs, c.maxFDs, c.vsize, c.maxVsize, c.rss, c.startTime, c.inBytes, c.outBytes} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. Like the standard collector without ReportErrors,
// a value that cannot be read is left out.
func (c *procStatCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, err := c.read(c.stat); err == nil {
		if s, err := parseProcStat(b); err == nil {
			ch <- prometheus.MustNewConstMetric(c.cpuTotal, prometheus.CounterValue, float64(s.utime+s.stime)/userHZ)
			ch <- prometheus.MustNewConstMetric(c.vsize, prometheus.GaugeValue, float64(s.vsize))
			ch <- prometheus.MustNewConstMetric(c.rss, prometheus.GaugeValue, float64(s.rss)*c.pageSize)
			ch <- prometheus.MustNewConstMetric(c.startTime, prometheus.GaugeValue, c.bootTime+float64(s.starttime)/userHZ)
		}
	}
	if n, err := countFDs(c.fdDir); err == nil {
		ch <- prometheus.MustNewConstMetric(c.openFDs, prometheus.GaugeValue, float64(n))
	}
	var files, as syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &files) == nil && syscall.Getrlimit(syscall.RLIMIT_AS, &as) == nil {
		ch <- prometheus.MustNewConstMetric(c.maxFDs, prometheus.GaugeValue, float64(files.Cur))
		ch <- prometheus.MustNewConstMetric(c.maxVsize, prometheus.GaugeValue, float64(as.Cur))
	}
	if b, err := c.read(c.netstat); err == nil {
		in, out := parseIPExtOctets(b)
		ch <- prometheus.MustNewConstMetric(c.inBytes, prometheus.CounterValue, in)
		ch <- prometheus.MustNewConstMetric(c.outBytes, prometheus.CounterValue, out)
	}
}

// read reads all of f from the start into c.buf, growing it as needed. A read that leaves
// room in the buffer has reached the end: reading on from an offset would make the kernel
// generate the file again to skip to it.
func (c *procStatCollector) read(f *os.File) ([]byte, error) {
	for {
		n, err := f.ReadAt(c.buf, 0)
		if n < len(c.buf) && (err == nil || err == io.EOF) {
			return c.buf[:n], nil
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		c.buf = make([]byte, 2*len(c.buf))
	}
}

// countFDs counts the open file descriptors as procfs does: the size of the fd directory
// (Linux 6.2 and later), or its entries.
func countFDs(dir string) (int, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return 0, err
	}
	if st.Size > 0 {
		return int(st.Size), nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	return len(names), err
}

// procStat holds the fields of /proc/PID/stat used here.
type procStat struct {
	utime, stime, starttime, vsize, rss uint64
}

// parseProcStat reads /proc/PID/stat (proc(5)): the fields after the command name, which is
// in parentheses and may itself hold spaces and parentheses.
func parseProcStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, errors.New("/proc/self/stat: no command name")
	}
	// Field 3 (state) is fields[0].
	fields := bytes.Fields(b[i+1:])
	if len(fields) < 22 {
		return procStat{}, errors.New("/proc/self/stat: too few fields")
	}
	var s procStat
	for _, f := range []struct {
		dst   *uint64
		field int
	}{{&s.utime, 14}, {&s.stime, 15}, {&s.starttime, 22}, {&s.vsize, 23}, {&s.rss, 24}} {
		v, err := strconv.ParseUint(string(fields[f.field-3]), 10, 64)
		if err != nil {
			return procStat{}, errors.New("/proc/self/stat: field " + strconv.Itoa(f.field) + " is not a number")
		}
		*f.dst = v
	}
	return s, nil
}

// parseIPExtOctets returns InOctets and OutOctets from /proc/PID/net/netstat, a header line
// and a value line per protocol; 0 for a missing value, as the standard collector reports.
func parseIPExtOctets(b []byte) (in, out float64) {
	var header []byte
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("IpExt:"))
		if !ok {
			continue
		}
		if header == nil {
			header = rest
			continue
		}
		names, values := bytes.Fields(header), bytes.Fields(rest)
		for i := range min(len(names), len(values)) {
			var dst *float64
			switch string(names[i]) {
			case "InOctets":
				dst = &in
			case "OutOctets":
				dst = &out
			default:
				continue
			}
			if v, err := strconv.ParseFloat(string(values[i]), 64); err == nil {
				*dst = v
			}
		}
		break
	}
	return in, out
}

// readBootTime returns btime, the boot time in seconds since the epoch, from /proc/stat.
func readBootTime(path string) (float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			v, err := strconv.ParseUint(string(bytes.TrimSpace(rest)), 10, 64)
			if err != nil {
				return 0, errors.New(path + ": btime is not a number")
			}
			return float64(v), nil
		}
	}
	return 0, errors.New(path + ": no btime")
}
