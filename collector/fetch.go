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
func fanOut(ctx context.Context, n int, job func(ctx context.Context, i int) ([]Sample, error)) ([]Sample, error) {
	g, ctx := errgroup.WithContext(ctx)
	results := make([][]Sample, n)
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

// windowedQuery is one report asked for once per window: run fetches it for the window's
// dates and transforms the answer.
type windowedQuery struct {
	what     string // for error messages, e.g. "evaluations by hosting"
	families []*Family
	run      func(ctx context.Context, opts *marketplace.AggregateOptions, w Window) ([]Sample, error)
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
		ss, err := q.run(ctx, w.aggregateOptions(end), w)
		if err != nil {
			return nil, fmt.Errorf("%s, window %s: %w", q.what, w, err)
		}
		return ss, nil
	})
}
