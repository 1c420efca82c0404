package marketplace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date in UTC, the unit of every date the API sends and
// accepts. Dates are comparable with ==; the zero Date means "no date".
// Year, Month and Day are those of time.Time.Date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

const dateLayout = "2006-01-02"

// NewDate returns the date y-m-d, normalised like time.Date (so that
// NewDate(2026, 2, 30) is 2026-03-02).
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the UTC calendar date of t.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{y, m, d}
}

// ParseDate parses "2026-03-01" or a midnight timestamp such as
// "2026-03-01T00:00:00.000Z", the two forms the API uses. A timestamp at any
// other time of day is rejected rather than truncated: it would mean the
// value is not the calendar date this package assumes.
func ParseDate(s string) (Date, error) {
	if t, err := time.Parse(dateLayout, s); err == nil {
		return DateOf(t), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Date{}, fmt.Errorf("marketplace: %q is neither a date (YYYY-MM-DD) nor a timestamp", s)
	}
	if h, m, sec := t.Clock(); h != 0 || m != 0 || sec != 0 || t.Nanosecond() != 0 {
		return Date{}, fmt.Errorf("marketplace: timestamp %q is not at midnight", s)
	}
	// The date as written, not as converted to UTC: a midnight in another
	// zone still names that calendar day.
	y, mo, d := t.Date()
	return Date{y, mo, d}, nil
}

// String returns the date as "2026-03-01", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(dateLayout)
}

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the date n days after d (before it when n < 0).
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Time().Before(o.Time()) }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.Time().After(o.Time()) }

// MarshalJSON encodes d as "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON accepts "YYYY-MM-DD", a midnight timestamp, null or "" (the
// last two give the zero Date).
func (d *Date) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("marketplace: date must be a string, got %s", b)
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
