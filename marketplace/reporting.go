package marketplace

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// getReporting reads the reporting resource below segments and decodes it
// into a new W.
func getReporting[W any](ctx context.Context, c *Client, endpoint string, q url.Values, segments ...string) (*W, *Response, error) {
	u, err := c.reportingURL(ctx, q, segments...)
	if err != nil {
		return nil, nil, err
	}
	return getJSON[W](ctx, c, endpoint, u)
}

// getJSON reads u and decodes it into a new W.
func getJSON[W any](ctx context.Context, c *Client, endpoint string, u *url.URL) (*W, *Response, error) {
	req, err := c.newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	w := new(W)
	resp, err := c.Do(req, endpoint, w)
	if err != nil {
		return nil, resp, err
	}
	return w, resp, nil
}

// checkMetric rejects a metric outside valid. Metrics become part of
// endpoint names, which must stay a bounded set.
func checkMetric[M ~string](kind string, m M, valid ...M) error {
	if !slices.Contains(valid, m) {
		return fmt.Errorf("marketplace: unknown %s metric %q", kind, m)
	}
	return nil
}

// ReportingLinks returns the links of the reporting root, by relation
// (e.g. "licenses", "cloudChurn"), each as a list: v2 sends some relations
// as one link template and some as several. v3 lists more relations than v2.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/#api-vendors-vendorid-reporting-get
func (c *Client) ReportingLinks(ctx context.Context) (map[string][]LinkTemplate, *Response, error) {
	w, resp, err := getReporting[struct {
		Links map[string]oneOrMany[LinkTemplate] `json:"_links"`
	}](ctx, c, "reporting_links", nil)
	if err != nil {
		return nil, resp, err
	}
	links := make(map[string][]LinkTemplate, len(w.Links))
	for rel, l := range w.Links {
		links[rel] = l
	}
	return links, resp, nil
}
