package collector

import (
	"context"
	"strings"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

func init() {
	registerCollector("feedback", "uninstall, disable and unsubscribe feedback by type and reason", true, time.Hour,
		func(d deps) source { return newFeedbackCollector(d.client.Feedback, d.windows, d.addons) })
}

// feedbackAPI is the part of the client the feedback collector uses.
type feedbackAPI interface {
	Metrics(ctx context.Context, metric marketplace.FeedbackMetric, opts *marketplace.AggregateOptions) (*marketplace.Aggregate, *marketplace.Response, error)
}

var (
	feedbackByType = newGauge("", "feedback",
		windowedHelp("Feedback left when customers uninstalled, disabled or unsubscribed from the app, by feedback type (lower-case, as the API sends it),", "feedback"),
		labelAddonKey, "feedback_type", labelWindow)
	// Reason keys are the API's own short keys ("bugs", "not-meeting-needs"): an open set,
	// but a small one, and already label-shaped.
	feedbackByReason = newGauge("", "feedback_by_reason",
		windowedHelp("Feedback left when customers uninstalled, disabled or unsubscribed from the app, by reason key,", "feedback"),
		labelAddonKey, "reason", labelWindow)
)

func newFeedbackCollector(api feedbackAPI, windows []Window, keep addonFilter) *windowedCollector {
	query := func(metric marketplace.FeedbackMetric, f *Family, label func(string) string) windowedQuery {
		return windowedQuery{
			what:     "feedback by " + string(metric),
			families: []*Family{f},
			fetch: func(ctx context.Context, opts *marketplace.AggregateOptions) (weeklyReport, error) {
				agg, _, err := api.Metrics(ctx, metric, opts)
				return aggregateReport{agg, func(agg *marketplace.Aggregate, w Window) []Sample {
					return countSamples(f, label, agg, w, keep)
				}}, err
			},
		}
	}
	return &windowedCollector{windows: windows, queries: []windowedQuery{
		query(marketplace.FeedbackByType, feedbackByType, lower),
		query(marketplace.FeedbackByReason, feedbackByReason, strings.TrimSpace),
	}}
}
