package marketplacetest

import (
	"sync"
)

// vendor is a vendor generated for some options on some day: the plan,
// kept for generating later days, and the Dataset before a simulator sets
// its ids and clock (see Simulator.own).
type vendor struct {
	plan *vendorPlan
	ds   *Dataset
	// licenses and transactions are the planned volumes.
	licenses, transactions int
}

// vendorKey is what a generated vendor depends on: the options that shape
// the data, as given, and the creation day.
type vendorKey struct {
	seed                                      int64
	apps, historyDays, licenses, transactions int
	today                                     day
}

// Tests create many simulators with the same options on the same day, and
// generating the default vendor costs a tenth of a second (ten times that
// under the race detector). The cache remembers the last few vendors New
// generated, so that such simulators share one: a Dataset is never modified
// once built. Large vendors are not remembered, to keep memory bounded.
const (
	cachedVendors       = 4
	maxCachedVendorRows = 100_000
)

var vendorCache struct {
	mu      sync.Mutex
	entries []vendorEntry // least recently used first
}

type vendorEntry struct {
	key vendorKey
	v   *vendor
}

// vendorFor returns the vendor of o created on today, from the cache when
// shared and the cache has it.
func vendorFor(o Options, today day, shared bool) *vendor {
	key := vendorKey{o.Seed, o.Apps, o.HistoryDays, o.Licenses, o.Transactions, today}
	if shared {
		if v := cachedVendor(key); v != nil {
			return v
		}
	}
	plan := newPlan(&o, today)
	v := &vendor{plan: plan, ds: plan.build(today), licenses: o.Licenses, transactions: o.Transactions}
	if shared && len(v.ds.Licenses)+len(v.ds.Transactions) <= maxCachedVendorRows {
		cacheVendor(key, v)
	}
	return v
}

func cachedVendor(key vendorKey) *vendor {
	vendorCache.mu.Lock()
	defer vendorCache.mu.Unlock()
	for i, e := range vendorCache.entries {
		if e.key == key {
			vendorCache.entries = append(append(vendorCache.entries[:i:i], vendorCache.entries[i+1:]...), e)
			return e.v
		}
	}
	return nil
}

func cacheVendor(key vendorKey, v *vendor) {
	vendorCache.mu.Lock()
	defer vendorCache.mu.Unlock()
	for _, e := range vendorCache.entries {
		if e.key == key {
			return // generated concurrently; both are the same
		}
	}
	if len(vendorCache.entries) == cachedVendors {
		vendorCache.entries = vendorCache.entries[1:]
	}
	vendorCache.entries = append(vendorCache.entries, vendorEntry{key, v})
}
