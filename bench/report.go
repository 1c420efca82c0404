package main

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// row is one line of the table. Ours is the exporter; Reference is what it is compared with
// (the floor, the ideal, the peer), and Ratio is ours / reference unless the case says
// otherwise.
type row struct {
	Measurement, Case, Ours, Reference, Ratio, Target, Met string
}

// report collects the rows of the one table make bench prints.
type report struct{ rows []row }

func (r *report) add(rw row) { r.rows = append(r.rows, rw) }

// print writes the table in Markdown, by measurement number (the Go benchmarks last), in the
// order rows were added within one measurement.
func (r *report) print(w io.Writer) {
	slices.SortStableFunc(r.rows, func(a, b row) int { return cmp.Compare(a.Measurement[0], b.Measurement[0]) })
	header := row{"Measurement", "Case", "Ours", "Reference", "Ratio", "Target", "Met"}
	cols := func(x row) []string {
		return []string{x.Measurement, x.Case, x.Ours, x.Reference, x.Ratio, x.Target, x.Met}
	}
	line := func(cells []string) {
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	line(cols(header))
	line([]string{"---", "---", "---:", "---:", "---:", "---", "---"})
	for _, x := range r.rows {
		line(cols(x))
	}
}

// met says whether a target was met, for the Met column.
func met(ok bool) string {
	if ok {
		return "yes"
	}
	return "**NO**"
}

// percentile returns the p-th percentile (0-100, nearest rank) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// fmtDur prints a duration with three significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3g s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3g ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3g µs", float64(d)/float64(time.Microsecond))
	}
}

// fmtBytes prints a size in B, kB or MB (powers of 1024).
func fmtBytes(n float64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", n/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", n/(1<<10))
	default:
		return fmt.Sprintf("%.0f B", n)
	}
}

func fmtRatio(x float64) string { return fmt.Sprintf("%.2f×", x) }

// fmtCount prints an integer with thousands separators.
func fmtCount[N ~int | ~int64 | ~float64](n N) string {
	s := fmt.Sprintf("%.0f", float64(n))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
