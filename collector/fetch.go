package collector

import (
	"context"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

// fanOut runs n fetch jobs concurrently and concatenates their samples in job order. The first
// error cancels the others: a snapshot is all of a collector's families or none, so dashboards
// never mix values from two refreshes. How many requests really run at once is decided by the
// semaphore in the HTTP transport, shared with every other collector.
func fanOut[S any](ctx context.Context, n int, job func(ctx context.Context, i int) ([]S, error)) ([]S, error) {
	g, ctx := errgroup.WithContext(ctx)
	results := make([][]S, n)
	for i := range n {
		g.Go(func() error {
			s, err := job(ctx, i)
			results[i] = s
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.Concat(results...), nil
}

// windowedHelp is the HELP text of a windowed family: what it counts, what the window means,
// and that it is cached.
func windowedHelp(what, collector string) string {
	return what + " over the trailing window (label window: that many whole days ending on the last complete UTC day). " + cachedNote(collector)
}

// cachedNote tells a reader of /metrics that the value is not fetched at scrape time.
func cachedNote(collector string) string {
	return "Cached: refreshed in the background by the " + collector + " collector, see atlassian_marketplace_last_refresh_success_timestamp_seconds."
}

// windowedQuery is one report asked for once per window: fetch asks for it over the window's
// dates, and the answer turns into the window's samples.
type windowedQuery struct {
	what     string // for error messages, e.g. "evaluations by hosting"
	families []*Family
	fetch    func(ctx context.Context, opts *marketplace.AggregateOptions) (weeklyReport, error)
	// distinct marks a report with counts over the whole range asked for (churn's
	// uniqueTotal): it cannot be cut into windows after the fact, so a backfill asks for it
	// once per step and window, exactly as the live exporter does.
	distinct bool
}

// windowedCollector serves the families of reports that are summed over trailing windows.
type windowedCollector struct {
	queries []windowedQuery
	windows []Window
}

func (c *windowedCollector) families() []*Family {
	var fs []*Family
	for _, q := range c.queries {
		fs = append(fs, q.families...)
	}
	return fs
}

func (c *windowedCollector) samples(ctx context.Context, at time.Time) ([]Sample, error) {
	end := lastCompleteDay(at)
	nw := len(c.windows)
	return fanOut(ctx, len(c.queries)*nw, func(ctx context.Context, i int) ([]Sample, error) {
		q, w := c.queries[i/nw], c.windows[i%nw]
		r, err := q.fetch(ctx, w.aggregateOptions(end))
		if err != nil {
			return nil, fmt.Errorf("%s, window %s: %w", q.what, w, err)
		}
		return r.samples(w), nil
	})
}
