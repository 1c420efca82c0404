package main

import (
	"fmt"
	"log"
	"strconv"
	"time"
)

// Measurement 3: a vendor with many licenses and transactions. The exporter binary runs as a
// child process against a simulator in another one, so that what /proc reports is the
// exporter's alone.

type exportRun struct {
	rows          int     // licenses the exporter counted
	refresh       float64 // seconds, slowest collector
	licenses      float64 // seconds, licenses collector
	peakRSS       int64   // bytes, VmHWM
	peakHeapMB    int     // from gctrace
	gcs           int
	licensesAsked int
}

func runExport(self, bin string, licenses int) (*exportRun, error) {
	log.Printf("exports: simulator with %s licenses and transactions", fmtCount(licenses))
	n := strconv.Itoa(licenses)
	sim, err := startSimulator(self, "-licenses", n, "-transactions", n)
	if err != nil {
		return nil, err
	}
	defer sim.stop()
	exp, err := startExporter(bin, sim, []string{"GODEBUG=gctrace=1"})
	if err != nil {
		return nil, err
	}
	defer exp.stop()
	if err := waitReady(exp.base+"/-/ready", 5*time.Minute); err != nil {
		return nil, err
	}
	run := &exportRun{licensesAsked: licenses}
	// Before the scrape below, which allocates too.
	if run.peakRSS, err = exp.peakRSS(); err != nil {
		return nil, err
	}
	run.peakHeapMB, run.gcs = exp.peakHeapMB()
	ms, err := exp.metrics()
	if err != nil {
		return nil, err
	}
	for c, ok := range byCollector(ms, "atlassian_marketplace_refresh_success") {
		if ok != 1 {
			return nil, fmt.Errorf("%s collector failed its refresh", c)
		}
	}
	durations := byCollector(ms, "atlassian_marketplace_refresh_duration_seconds")
	for _, d := range durations {
		run.refresh = max(run.refresh, d)
	}
	run.licenses = durations["licenses"]
	for _, s := range ms["atlassian_marketplace_licenses"] {
		run.rows += int(s.value)
	}
	return run, nil
}

// measureExports runs measurement 3 at two volumes, to show that memory does not grow with
// the rows.
func measureExports(r *report, self, bin string, small, large int) error {
	runs := map[int]*exportRun{}
	for _, n := range []int{small, large} {
		run, err := runExport(self, bin, n)
		if err != nil {
			return err
		}
		runs[n] = run
	}
	s, l := runs[small], runs[large]
	for _, run := range []*exportRun{s, l} {
		what := fmt.Sprintf("%s licenses and transactions asked for, %s license rows streamed; every collector", fmtCount(run.licensesAsked), fmtCount(run.rows))
		r.add(row{"3 refresh time", what + "; slowest collector (licenses: " + fmtDur(secs(run.licenses)) + ")",
			fmtDur(secs(run.refresh)), "", "", "", ""})
		target, ok := "", ""
		if run == l {
			target, ok = "< 64 MB", met(run.peakRSS < 64<<20)
		}
		r.add(row{"3 peak RSS (VmHWM)", what, fmtBytes(float64(run.peakRSS)), "", "", target, ok})
		r.add(row{"3 peak heap (gctrace)", fmt.Sprintf("%s; %d collections", what, run.gcs), fmt.Sprintf("%d MB", run.peakHeapMB), "", "", "", ""})
	}
	rowsRatio := float64(l.rows) / float64(s.rows)
	rssRatio := float64(l.peakRSS) / float64(s.peakRSS)
	r.add(row{"3 memory against rows",
		fmt.Sprintf("peak RSS at %s rows against %s rows (%.1f× the rows)", fmtCount(l.rows), fmtCount(s.rows), rowsRatio),
		fmtBytes(float64(l.peakRSS)), fmtBytes(float64(s.peakRSS)), fmtRatio(rssRatio), "flat (≤ 1.25×)", met(rssRatio <= 1.25)})
	return nil
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
