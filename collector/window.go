package collector

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// Window is a trailing run of whole days that ends on the last complete UTC day. The windowed
// families carry one series per configured window, labelled window="<days>d".
type Window struct {
	Days int
}

// DefaultWindows are the windows used when --window is not given: a week for what changed
// lately, four weeks to smooth out the weekly rhythm of evaluations and sales.
var DefaultWindows = []Window{{Days: 7}, {Days: 28}}

// ParseWindow reads a window such as "7d", "28d", "1w" or "4w" (Prometheus duration syntax).
// Windows must be positive multiples of a week because the API buckets by week: a window of
// whole weeks holds the same weekdays every time, so a 7d value does not wobble with the
// weekday the refresh runs on.
func ParseWindow(s string) (Window, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	const week = 7 * 24 * time.Hour
	if time.Duration(d) <= 0 || time.Duration(d)%week != 0 {
		return Window{}, fmt.Errorf("window %q is not a positive multiple of 7 days (7d, 14d, 28d, ...)", s)
	}
	return Window{Days: int(time.Duration(d) / (24 * time.Hour))}, nil
}

// String is the window label value, always in days so that "4w" and "28d" are one series.
func (w Window) String() string { return fmt.Sprintf("%dd", w.Days) }

// Range returns the first and last day of the window when it ends on end (inclusive both).
func (w Window) Range(end marketplace.Date) (start, last marketplace.Date) {
	return end.AddDays(-(w.Days - 1)), end
}

// aggregateOptions asks for the window in weekly buckets; the collectors sum every bucket, so
// the bucket size does not matter for the result, only for the response size.
func (w Window) aggregateOptions(end marketplace.Date) *marketplace.AggregateOptions {
	start, last := w.Range(end)
	return &marketplace.AggregateOptions{
		Aggregation: marketplace.AggregationWeek,
		StartDate:   start,
		EndDate:     last,
	}
}
