package marketplace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPartnerMetricsQuery(t *testing.T) {
	ts := setup(t)
	ts.handle("POST /rest/2/vendors/12345/partner-metrics", func(w http.ResponseWriter, r *http.Request) {
		checkRequest(t, r, "POST", url.Values{"offset": {"0"}, "limit": {"14"}})
		body, _ := io.ReadAll(r.Body)
		const want = `{"metrics":{"metricSets":[{"name":"RECURRING_REVENUE"}],"metricFields":[{"name":"OPENING_MRR"}]},` +
			`"dateRange":{"startDate":"2026-01-01","endDate":"2026-01-31"},"granularity":"MONTH","attributes":[{"name":"APP_KEY"},{"name":"APP_NAME"}]}`
		if string(body) != want {
			t.Errorf("body = %s\nwant   %s", body, want)
		}
		w.Write(fixture(t, "partner-metrics-records.json"))
	})
	got, resp, err := ts.client.PartnerMetrics.Query(context.Background(), &PartnerMetricsRequest{
		MetricSets:   []string{"RECURRING_REVENUE"},
		MetricFields: []string{"OPENING_MRR"},
		StartDate:    NewDate(2026, 1, 1),
		EndDate:      NewDate(2026, 1, 31),
		Granularity:  GranularityMonth,
		Attributes:   []string{"APP_KEY", "APP_NAME"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Errorf("Response = %+v", resp)
	}
	equal(t, got, []PartnerMetricsRecord{
		{
			Date: NewDate(2026, 1, 1), AppKey: "com.example.alpha", AppName: "Alpha for Jira", Subscription: "TOTAL",
			OpeningMRR: ptr(1200.5), NewMRR: ptr(150.0), ExpansionMRR: ptr(40.0), ContractionMRR: ptr(-20.0),
			ReactivatedMRR: ptr(0.0), ExpiredMRR: ptr(-60.0), ClosingMRR: ptr(1310.5), ARR: ptr(15726.0),
		},
		{Date: NewDate(2026, 1, 1), AppKey: "com.example.beta", AppName: "Beta for Confluence", OpeningMRR: ptr(300.0)},
	})
}

// months returns a records body with one record per month from the
// offset-th month of 2025 on, n months.
func months(offset, n int) string {
	var recs []string
	for i := range n {
		d := NewDate(2025, time.Month(1+offset+i), 1)
		recs = append(recs, fmt.Sprintf(`{"date": %q, "closingMrr": %d}`, d, offset+i))
	}
	return `{"records": [` + strings.Join(recs, ",") + `]}`
}

func TestPartnerMetricsFollowsBucketPaging(t *testing.T) {
	ts := setup(t, WithAPI(APIv3), WithDeveloperID(testDevID))
	var offsets []string
	ts.handle("POST /rest/3/partner-metrics/developer-space/"+testDevID, func(w http.ResponseWriter, r *http.Request) {
		offsets = append(offsets, r.URL.Query().Get("offset"))
		if r.URL.Query().Get("limit") != "14" {
			t.Errorf("limit = %q", r.URL.Query().Get("limit"))
		}
		switch r.URL.Query().Get("offset") {
		case "0":
			io.WriteString(w, months(0, 14))
		case "14":
			io.WriteString(w, months(14, 2))
		default:
			t.Errorf("unexpected offset %q", r.URL.Query().Get("offset"))
		}
	})
	got, _, err := ts.client.PartnerMetrics.Query(context.Background(), &PartnerMetricsRequest{MetricFields: []string{"CLOSING_MRR"}, Granularity: GranularityMonth})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, offsets, []string{"0", "14"})
	if len(got) != 16 || got[15].Date != NewDate(2026, 4, 1) || *got[15].ClosingMRR != 15 {
		t.Errorf("got %d records, last %+v", len(got), got[len(got)-1])
	}
}

func TestPartnerMetricsServerIgnoringOffset(t *testing.T) {
	ts := setup(t)
	ts.handle("POST /rest/2/vendors/12345/partner-metrics", serveJSON(200, months(0, 14)))
	_, _, err := ts.client.PartnerMetrics.Query(context.Background(), &PartnerMetricsRequest{MetricSets: []string{"RECURRING_REVENUE"}})
	if !errors.Is(err, ErrPaginationLoop) {
		t.Fatalf("error = %v, want ErrPaginationLoop", err)
	}
}

func TestPartnerMetricsErrors(t *testing.T) {
	ts := setup(t)
	ctx := context.Background()
	if _, _, err := ts.client.PartnerMetrics.Query(ctx, nil); err == nil {
		t.Error("nil request accepted")
	}
	if _, _, err := ts.client.PartnerMetrics.Query(ctx, &PartnerMetricsRequest{Attributes: []string{"APP_KEY"}}); err == nil {
		t.Error("request without metrics accepted")
	}
	ts.handle("POST /rest/2/vendors/12345/partner-metrics", serveJSON(400, `{"errors": [{"message": "JSON parse error"}]}`))
	var er *ErrorResponse
	if _, _, err := ts.client.PartnerMetrics.Query(ctx, &PartnerMetricsRequest{MetricSets: []string{"GMV"}}); !errors.As(err, &er) || er.Method != "POST" {
		t.Errorf("error = %v, want the 400", err)
	}
}

func TestPartnerMetricsBodyOmitsUnsetFields(t *testing.T) {
	b, err := json.Marshal((&PartnerMetricsRequest{MetricSets: []string{"DOWNLOADS"}}).body())
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"metrics":{"metricSets":[{"name":"DOWNLOADS"}]}}`; string(b) != want {
		t.Errorf("body = %s, want %s", b, want)
	}
}
