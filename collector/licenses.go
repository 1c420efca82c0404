package collector

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

func init() {
	registerCollector("licenses", "current license counts by hosting, license type and status, from the licenses export", true, 3*time.Hour,
		func(d deps) source {
			return &licensesCollector{api: d.client.Licenses, addons: d.addons}
		})
}

// licensesAPI is the part of the client the licenses collector uses.
type licensesAPI interface {
	Export(ctx context.Context, opts *marketplace.LicenseOptions) iter.Seq2[marketplace.License, error]
}

var licensesFamily = newGauge("", "licenses",
	"Licenses of the app, counted from the licenses export, by hosting, license type and status (all licenses the vendor can see, expired and cancelled ones included). "+cachedNote("licenses"),
	labelAddonKey, "hosting", "license_type", "status")

type licensesCollector struct {
	api    licensesAPI
	addons addonFilter
}

func (c *licensesCollector) families() []*Family { return []*Family{licensesFamily} }

// samples streams the export rather than paging the list: one request instead of one per 50
// licenses, and the counter keeps a handful of numbers however many rows go by.
func (c *licensesCollector) samples(ctx context.Context, _ time.Time) ([]Sample, error) {
	var n licenseCounter
	for l, err := range c.api.Export(ctx, &marketplace.LicenseOptions{Addons: c.addons.list()}) {
		if err != nil {
			return nil, fmt.Errorf("licenses export after %d rows: %w", n.rows, err)
		}
		n.add(l, c.addons)
	}
	return n.samples(), nil
}

// licenseKey is the label set of one licenses series. Only bounded fields go in: never the
// license id, SEN, customer or contact details the rows also carry.
type licenseKey struct {
	addonKey, hosting, licenseType, status string
}

// licenseCounter counts license rows by their label set.
type licenseCounter struct {
	rows   int
	counts map[licenseKey]int64
	order  []licenseKey
}

func (n *licenseCounter) add(l marketplace.License, keep addonFilter) {
	n.rows++
	if !keep.keep(l.AddonKey) {
		return
	}
	if n.counts == nil {
		n.counts = map[licenseKey]int64{}
	}
	k := licenseKey{l.AddonKey, canonicalHosting(l.Hosting), lower(l.LicenseType), lower(l.Status)}
	if _, seen := n.counts[k]; !seen {
		n.order = append(n.order, k)
	}
	n.counts[k]++
}

func (n *licenseCounter) samples() []Sample {
	out := make([]Sample, 0, len(n.order))
	for _, k := range n.order {
		out = append(out, Sample{Family: licensesFamily, LabelValues: []string{k.addonKey, k.hosting, k.licenseType, k.status}, Value: float64(n.counts[k])})
	}
	return out
}
