package marketplace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// PartnerMetricsService reads metric time series such as MRR movements and
// ARR.
type PartnerMetricsService service

// Granularity is the bucket size of partner metrics.
type Granularity string

// The granularities of PartnerMetricsRequest.
const (
	GranularityYear  Granularity = "YEAR"
	GranularityMonth Granularity = "MONTH"
	GranularityWeek  Granularity = "WEEK"
	GranularityDay   Granularity = "DAY"
)

// PartnerMetricsRequest is the query of PartnerMetricsService.Query. At
// least one of MetricSets and MetricFields is required by the API.
type PartnerMetricsRequest struct {
	// MetricSets are e.g. "RECURRING_REVENUE".
	MetricSets []string
	// MetricFields are e.g. "OPENING_MRR".
	MetricFields []string
	// StartDate is the first day of the range.
	StartDate Date
	// EndDate is the last day of the range.
	EndDate Date
	// Granularity is the bucket size.
	Granularity Granularity
	// Attributes split the records, e.g. "APP_KEY", "APP_NAME"; without
	// any the records cover all apps.
	Attributes []string
}

// PartnerMetricsRecord is one bucket of partner metrics, for one
// combination of attribute values. Metrics the request did not ask for are
// nil. Amounts are USD; ExpiredMRR and ContractionMRR come out negative,
// and ARR is ClosingMRR × 12.
type PartnerMetricsRecord struct {
	Date Date `json:"date"`
	// AppKey, AppName and Subscription are set when requested as attributes.
	AppKey         string   `json:"appKey"`
	AppName        string   `json:"appName"`
	Subscription   string   `json:"subscription"`
	OpeningMRR     *float64 `json:"openingMrr"`
	NewMRR         *float64 `json:"newMrr"`
	ExpansionMRR   *float64 `json:"expansionMrr"`
	ContractionMRR *float64 `json:"contractionMrr"`
	ReactivatedMRR *float64 `json:"reactivatedMrr"`
	ExpiredMRR     *float64 `json:"expiredMrr"`
	ClosingMRR     *float64 `json:"closingMrr"`
	ARR            *float64 `json:"arr"`
}

// partnerMetricsBuckets is the most time buckets the API returns per
// request; it pages by buckets, not by records.
const partnerMetricsBuckets = 14

// Query returns the records of req, following the API's paging by time
// buckets (14 per request) to the end of the range. The API sends no next
// link: a page with fewer than 14 bucket dates is the last. It is a POST
// only because the query is a JSON body; it reads, so it is retried like a
// GET.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-partner-metrics-post
func (s *PartnerMetricsService) Query(ctx context.Context, req *PartnerMetricsRequest) ([]PartnerMetricsRecord, *Response, error) {
	const endpoint = "partner_metrics"
	if req == nil || len(req.MetricSets)+len(req.MetricFields) == 0 {
		return nil, nil, errors.New("marketplace: partner metrics need at least one metric set or field")
	}
	c := s.client
	var root []string
	if c.api == APIv3 {
		id, err := c.DeveloperID(ctx)
		if err != nil {
			return nil, nil, err
		}
		root = []string{"rest", "3", "partner-metrics", "developer-space", id}
	} else {
		root = []string{"rest", "2", "vendors", strconv.FormatInt(c.vendorID, 10), "partner-metrics"}
	}
	body := req.body()

	var (
		records []PartnerMetricsRecord
		last    *Response
		seen    = make(map[Date]bool)
	)
	for offset := 0; ; offset += partnerMetricsBuckets {
		q := url.Values{}
		q.Set("offset", strconv.Itoa(offset))
		q.Set("limit", strconv.Itoa(partnerMetricsBuckets))
		u := joinURL(c.reportingBase, q, root...)
		r, err := c.newRequest(ctx, http.MethodPost, u, body)
		if err != nil {
			return nil, last, err
		}
		var page struct {
			Records []PartnerMetricsRecord `json:"records"`
		}
		if last, err = c.Do(r, endpoint, &page); err != nil {
			return nil, last, err
		}
		dates := make(map[Date]bool)
		for _, rec := range page.Records {
			dates[rec.Date] = true
		}
		for d := range dates {
			if seen[d] {
				// The server ignored the offset and sent buckets again.
				return nil, last, fmt.Errorf("marketplace: %s: %w: bucket %s sent twice", endpoint, ErrPaginationLoop, d)
			}
			seen[d] = true
		}
		records = append(records, page.Records...)
		if len(dates) < partnerMetricsBuckets {
			return records, last, nil
		}
	}
}

// partnerMetricsBody is the wire form of ReportingMetricTimeSeriesRequestBody.
type partnerMetricsBody struct {
	Metrics struct {
		MetricSets   []named `json:"metricSets,omitempty"`
		MetricFields []named `json:"metricFields,omitempty"`
	} `json:"metrics"`
	DateRange   *dateRange  `json:"dateRange,omitempty"`
	Granularity Granularity `json:"granularity,omitempty"`
	Attributes  []named     `json:"attributes,omitempty"`
}

type named struct {
	Name string `json:"name"`
}

type dateRange struct {
	StartDate Date `json:"startDate"`
	EndDate   Date `json:"endDate"`
}

func (r *PartnerMetricsRequest) body() *partnerMetricsBody {
	names := func(ss []string) []named {
		return convert(ss, func(s string) named { return named{s} })
	}
	b := &partnerMetricsBody{Granularity: r.Granularity, Attributes: names(r.Attributes)}
	b.Metrics.MetricSets = names(r.MetricSets)
	b.Metrics.MetricFields = names(r.MetricFields)
	if !r.StartDate.IsZero() || !r.EndDate.IsZero() {
		b.DateRange = &dateRange{r.StartDate, r.EndDate}
	}
	return b
}
