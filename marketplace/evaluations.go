package marketplace

import "context"

// EvaluationsService reads evaluation counts.
type EvaluationsService service

// EvaluationMetric is the dimension evaluations are grouped by.
type EvaluationMetric string

// The dimensions of EvaluationsService.Aggregate.
const (
	EvaluationsByHosting EvaluationMetric = "hosting"
	EvaluationsByRegion  EvaluationMetric = "region"
	EvaluationsByCountry EvaluationMetric = "country"
	EvaluationsByPartner EvaluationMetric = "partner"
)

// Aggregate returns evaluation counts over time grouped by metric.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-evaluations-metric-get
func (s *EvaluationsService) Aggregate(ctx context.Context, metric EvaluationMetric, opts *AggregateOptions) (*Aggregate, *Response, error) {
	if err := checkMetric("evaluation", metric, EvaluationsByHosting, EvaluationsByRegion, EvaluationsByCountry, EvaluationsByPartner); err != nil {
		return nil, nil, err
	}
	return getReporting[Aggregate](ctx, s.client, "evaluations_"+string(metric), opts.query(), "evaluations", string(metric))
}
