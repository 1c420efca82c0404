package marketplace

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for in, want := range map[string]Date{
		"2026-03-01":                {2026, time.March, 1},
		"2026-03-01T00:00:00.000Z":  {2026, time.March, 1},
		"2026-03-01T00:00:00Z":      {2026, time.March, 1},
		"2026-03-01T00:00:00+02:00": {2026, time.March, 1}, // the day as written
		"2024-02-29":                {2024, time.February, 29},
	} {
		got, err := ParseDate(in)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2026-3-1", "2026-02-30", "01/03/2026", "2026-03-01T10:00:00Z", "2026-03-01T00:00:00.5Z", "2026-03-01 00:00:00"} {
		if got, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", in, got)
		}
	}
}

func TestDateMethods(t *testing.T) {
	d := NewDate(2026, time.February, 27)
	if got := d.AddDays(3); got != (Date{2026, time.March, 2}) {
		t.Errorf("AddDays(3) = %v", got)
	}
	if got := d.AddDays(-58); got != (Date{2025, time.December, 31}) {
		t.Errorf("AddDays(-58) = %v", got)
	}
	if got := NewDate(2026, time.February, 30); got != (Date{2026, time.March, 2}) {
		t.Errorf("NewDate normalises to %v", got)
	}
	if !d.Before(d.AddDays(1)) || d.Before(d) || !d.After(d.AddDays(-1)) || d.After(d) {
		t.Error("Before/After are wrong")
	}
	if d.String() != "2026-02-27" || (Date{}).String() != "" || !(Date{}).IsZero() || d.IsZero() {
		t.Error("String/IsZero are wrong")
	}
	if got := d.Time(); !got.Equal(time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("Time() = %v", got)
	}
	// 23:30 on the 27th in New York is the 28th in UTC.
	ny := time.FixedZone("EST", -5*3600)
	if got := DateOf(time.Date(2026, 2, 27, 23, 30, 0, 0, ny)); got != (Date{2026, time.February, 28}) {
		t.Errorf("DateOf = %v", got)
	}
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		D Date  `json:"d"`
		P *Date `json:"p,omitempty"`
	}
	b, err := json.Marshal(doc{D: NewDate(2026, 3, 1)})
	if err != nil || string(b) != `{"d":"2026-03-01"}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	if b, _ := json.Marshal(doc{}); string(b) != `{"d":null}` {
		t.Errorf("Marshal(zero) = %s", b)
	}
	for in, want := range map[string]Date{
		`{"d": "2026-03-01"}`:               NewDate(2026, 3, 1),
		`{"d": "2026-03-01T00:00:00.000Z"}`: NewDate(2026, 3, 1),
		`{"d": null}`:                       {},
		`{"d": ""}`:                         {},
		`{}`:                                {},
	} {
		v := doc{D: NewDate(1999, 1, 1)}
		if in == `{}` {
			v = doc{}
		}
		if err := json.Unmarshal([]byte(in), &v); err != nil || v.D != want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", in, v.D, err, want)
		}
	}
	for _, in := range []string{`{"d": 20260301}`, `{"d": "March 1st"}`, `{"d": {}}`, `{"d": true}`} {
		var v doc
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", in, v.D)
		}
	}
}
