package marketplace

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// DeveloperSpaceService maps the numeric vendor id of v2 to the developer
// id (a UUID) of v3.
type DeveloperSpaceService service

// Lookup returns the developer id of the vendor.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v4/api-group-developer-space/#api-rest-3-developer-space-vendor-vendorid-get
func (s *DeveloperSpaceService) Lookup(ctx context.Context, vendorID int64) (string, *Response, error) {
	if vendorID <= 0 {
		return "", nil, fmt.Errorf("marketplace: vendor id must be positive, got %d", vendorID)
	}
	u := joinURL(s.client.v3Base, nil, "rest", "3", "developer-space", "vendor", strconv.FormatInt(vendorID, 10))
	w, resp, err := getJSON[struct {
		DeveloperID string `json:"developerId"`
	}](ctx, s.client, "developer_space", u)
	if err != nil {
		return "", resp, err
	}
	if w.DeveloperID == "" {
		return "", resp, &DecodeError{Endpoint: "developer_space", Err: errors.New("no developerId in response")}
	}
	return w.DeveloperID, resp, nil
}
