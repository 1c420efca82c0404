package marketplace

import (
	"encoding/json"
	"fmt"
	"net/url"
)

// Aggregation is the bucket size of an aggregated time series.
type Aggregation string

const (
	// AggregationWeek buckets by week; each bucket is dated on its Sunday,
	// so the first one can carry a date before the requested start.
	AggregationWeek Aggregation = "week"
	// AggregationMonth buckets by calendar month, dated on the 1st.
	AggregationMonth Aggregation = "month"
)

// AggregateOptions filters the aggregated endpoints. Zero fields are not
// sent, leaving the API's default.
type AggregateOptions struct {
	// Aggregation is the bucket size; the API defaults to week.
	Aggregation Aggregation
	// StartDate is the first day of the range.
	StartDate Date
	// EndDate is the last day of the range.
	EndDate Date
	// GroupBy splits series further: "evaluationType" for evaluations,
	// "conversionType" for conversion.
	GroupBy []string
}

// Aggregate is a time series per app plus their total: the API's
// AggregatedAddonsWithTotal and AggregatedFeedbacksWithTotal.
type Aggregate struct {
	// Total is the sum over all apps, named "All apps" by the API.
	Total AggregateGroup `json:"total"`
	// Addons holds one group per app.
	Addons []AggregateGroup `json:"addons"`
}

// AggregateGroup is the set of series of one app, or of the total.
type AggregateGroup struct {
	// AddonKey is the app key, "" on the total.
	AddonKey string `json:"addonKey"`
	// Name is the app's name, or "All apps".
	Name string `json:"name"`
	// Series holds one series per group value, e.g. per hosting.
	Series []Series `json:"series"`
}

// Series is one named time series.
type Series struct {
	// Name is the group value, e.g. "Cloud" or "10 Users".
	Name string `json:"name"`
	// EvaluationType is set when grouping by evaluationType.
	EvaluationType string `json:"evaluationType,omitempty"`
	// ConversionType is set when grouping by conversionType.
	ConversionType string `json:"conversionType,omitempty"`
	// UniqueTotal is the distinct count over the whole range (churn only),
	// usually less than the sum of the buckets.
	UniqueTotal *int64 `json:"uniqueTotal,omitempty"`
	// Elements holds one entry per bucket.
	Elements []Element `json:"elements"`
}

// Element is one bucket of a series.
type Element struct {
	// Date is the first day of the bucket.
	Date Date `json:"date"`
	// Count is the number of events in the bucket.
	Count int64 `json:"count"`
	// NetCount is sent by sales aggregates only.
	NetCount *int64 `json:"netCount,omitempty"`
	// Revenue in USD is sent by sales aggregates only.
	Revenue *float64 `json:"revenue,omitempty"`
}

// UnmarshalJSON rejects an element without a count. The API always sends one
// (CalculatedMetricElement and Element both require it); reading a missing or
// null count as zero would report a wrong number where an error is the truth.
func (e *Element) UnmarshalJSON(b []byte) error {
	var w struct {
		Date     Date     `json:"date"`
		Count    *int64   `json:"count"`
		NetCount *int64   `json:"netCount"`
		Revenue  *float64 `json:"revenue"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Count == nil {
		return fmt.Errorf("marketplace: element %s has no count", w.Date)
	}
	*e = Element{Date: w.Date, Count: *w.Count, NetCount: w.NetCount, Revenue: w.Revenue}
	return nil
}

func (o *AggregateOptions) query() url.Values {
	q := query{}
	if o != nil {
		q.str("aggregation", string(o.Aggregation))
		q.date("startDate", o.StartDate)
		q.date("endDate", o.EndDate)
		q.strs("groupBy", o.GroupBy)
	}
	return q.values()
}
