package marketplacetest

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultSeed        = 1
	DefaultApps        = 3
	DefaultHistoryDays = 730
	DefaultVendorID    = 12345
	DefaultUser        = "vendor@example.com"
	DefaultToken       = "simulator-token"
)

// Limits that keep a mistyped option from exhausting memory.
const (
	maxApps        = 1000
	maxHistoryDays = 3650
	maxVolume      = 5_000_000
)

// marginDays is how many days past the clock's today are generated, so that
// a clock moving forward keeps finding new data without waiting. When the
// clock passes the last generated day, the simulator generates the same days
// again with marginDays more (see Simulator.Data).
const marginDays = 120

// maxSpanDays bounds how far past the first day of history data is
// generated: a clock set decades ahead finds the data stopped, rather than
// the simulator generating for minutes.
const maxSpanDays = 20 * 366

// Options configures a Simulator. The zero value is the default vendor: a
// small-to-mid one, sized for the demo (see the package documentation).
type Options struct {
	// Seed selects the synthetic vendor; 0 means DefaultSeed. The same seed
	// and the same clock give byte-identical responses.
	Seed int64
	// Apps is the number of apps; 0 means DefaultApps.
	Apps int
	// HistoryDays is how many days of history precede the clock's today at
	// New; 0 means DefaultHistoryDays.
	HistoryDays int
	// Licenses is the approximate number of licenses across all apps over
	// the history. With Licenses and Transactions both 0, the apps have the
	// volumes of a small-to-mid vendor (see the package documentation).
	Licenses int
	// Transactions is the approximate number of transactions over the
	// history; 0 lets the license volume decide.
	Transactions int
	// VendorID is the v2 vendor id; 0 means DefaultVendorID.
	VendorID int64
	// DeveloperID is the v3 developer-space id; "" means a UUID derived
	// from the seed.
	DeveloperID string
	// User and Token are the only Basic credentials accepted; "" means
	// DefaultUser and DefaultToken.
	User, Token string
	// Clock tells the simulator what day it is; nil means the wall clock.
	Clock Clock
	// Latency delays every response by this much, as a distant API would:
	// benchmarks use it to compare refresh times with the ideal. It applies
	// to every endpoint and request, rejected ones included; a Fault's
	// Latency adds to it. 0 answers at once.
	Latency time.Duration
}

// withDefaults returns o with every zero value replaced, or an error that
// names the first invalid option.
func (o Options) withDefaults() (Options, error) {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Apps == 0 {
		o.Apps = DefaultApps
	}
	if o.HistoryDays == 0 {
		o.HistoryDays = DefaultHistoryDays
	}
	if o.VendorID == 0 {
		o.VendorID = DefaultVendorID
	}
	if o.DeveloperID == "" {
		o.DeveloperID = uuid(o.Seed, purposeDeveloper, 0)
	}
	if o.User == "" {
		o.User = DefaultUser
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.Clock == nil {
		o.Clock = wallClock{}
	}
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(o.Apps > 0 && o.Apps <= maxApps, "Apps must be between 1 and %d, got %d", maxApps, o.Apps)
	check(o.HistoryDays > 0 && o.HistoryDays <= maxHistoryDays,
		"HistoryDays must be between 1 and %d, got %d", maxHistoryDays, o.HistoryDays)
	check(o.Licenses >= 0 && o.Licenses <= maxVolume, "Licenses must be between 0 and %d, got %d", maxVolume, o.Licenses)
	check(o.Transactions >= 0 && o.Transactions <= maxVolume,
		"Transactions must be between 0 and %d, got %d", maxVolume, o.Transactions)
	check(o.VendorID > 0, "VendorID must be positive, got %d", o.VendorID)
	check(o.Latency >= 0, "Latency must not be negative, got %s", o.Latency)
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("marketplacetest: invalid options: %w", err)
	}
	return o, nil
}
