package marketplace

import "context"

// DeveloperSpaceService maps the numeric vendor id of v2 to the developer
// id (a UUID) of v3.
type DeveloperSpaceService service

// Lookup returns the developer id of the vendor.
//
// API doc: https://developer.atlassian.com/platform/marketplace/rest/v4/api-group-developer-space/#api-rest-3-developer-space-vendor-vendorid-get
func (s *DeveloperSpaceService) Lookup(ctx context.Context, vendorID int64) (string, *Response, error) {
	return "", nil, errNotImplemented
}
