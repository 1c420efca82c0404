package collector

import (
	"testing"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

func TestParseWindow(t *testing.T) {
	for _, tc := range []struct {
		in   string
		days int
		ok   bool
	}{
		{"7d", 7, true},
		{"28d", 28, true},
		{"1w", 7, true},
		{"4w", 28, true},
		{"168h", 7, true},
		{"0d", 0, false},
		{"3d", 0, false},
		{"10d", 0, false},
		{"7", 0, false},
		{"-7d", 0, false},
		{"", 0, false},
		{"week", 0, false},
	} {
		w, err := ParseWindow(tc.in)
		if tc.ok != (err == nil) {
			t.Errorf("ParseWindow(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && w.Days != tc.days {
			t.Errorf("ParseWindow(%q) = %d days, want %d", tc.in, w.Days, tc.days)
		}
	}
}

func TestWindowRange(t *testing.T) {
	// 10:00 UTC on Wednesday 2026-03-11: the last complete day is Tuesday the 10th.
	at := time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)
	end := lastCompleteDay(at)
	if want := marketplace.NewDate(2026, 3, 10); end != want {
		t.Fatalf("lastCompleteDay = %v, want %v", end, want)
	}
	for _, tc := range []struct {
		w     Window
		start marketplace.Date
	}{
		{Window{7}, marketplace.NewDate(2026, 3, 4)},
		{Window{28}, marketplace.NewDate(2026, 2, 11)},
	} {
		opts := tc.w.aggregateOptions(end)
		if opts.StartDate != tc.start || opts.EndDate != end || opts.Aggregation != marketplace.AggregationWeek {
			t.Errorf("%s: got %+v, want %v..%v by week", tc.w, opts, tc.start, end)
		}
		if tc.w.String() != map[int]string{7: "7d", 28: "28d"}[tc.w.Days] {
			t.Errorf("label %q", tc.w.String())
		}
	}
	// Just after midnight the previous day has only just completed.
	if got := lastCompleteDay(time.Date(2026, 3, 1, 0, 0, 1, 0, time.UTC)); got != marketplace.NewDate(2026, 2, 28) {
		t.Errorf("lastCompleteDay at midnight = %v", got)
	}
	// A clock in another zone still counts UTC days.
	if got := lastCompleteDay(time.Date(2026, 3, 1, 23, 0, 0, 0, time.FixedZone("UTC-5", -5*3600))); got != marketplace.NewDate(2026, 3, 1) {
		t.Errorf("lastCompleteDay in UTC-5 = %v", got)
	}
}
