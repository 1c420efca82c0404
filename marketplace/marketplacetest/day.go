package marketplacetest

import (
	"fmt"
	"time"
)

// dateLayout is the API's date format, for query parameters and bodies alike.
const dateLayout = "2006-01-02"

// day is a UTC calendar date counted in days since 1970-01-01. The generator
// and the indexes work in days rather than time.Time because day arithmetic
// and comparisons are then plain integer operations.
type day int32

// dayOf returns the UTC calendar date of t.
func dayOf(t time.Time) day {
	secs := t.Unix()
	d := secs / 86400
	if secs < 0 && secs%86400 != 0 {
		d--
	}
	return day(d)
}

// time returns midnight UTC of d.
func (d day) time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats d as YYYY-MM-DD.
func (d day) String() string { return d.time().Format(dateLayout) }

// weekStart returns the Sunday on or before d: weekly buckets are dated on
// their Sunday. 1970-01-01 was a Thursday, four days after a Sunday.
func (d day) weekStart() day {
	return d - day((int64(d)%7+7+4)%7)
}

// monthStart returns the first day of d's month.
func (d day) monthStart() day {
	t := d.time()
	return dayOf(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC))
}

// addMonths returns d moved by n calendar months, with Go's normalisation of
// days that do not exist in the target month (31 January + 1 month = 3 March).
func (d day) addMonths(n int) day {
	return dayOf(d.time().AddDate(0, n, 0))
}

// monthEnd returns the last day of d's month.
func (d day) monthEnd() day { return d.monthStart().addMonths(1) - 1 }

// parseDay parses a YYYY-MM-DD query value.
func parseDay(s string) (day, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return 0, fmt.Errorf("parse date %q: %w", s, err)
	}
	return dayOf(t), nil
}
