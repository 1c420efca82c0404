// Package marketplace is a client for the Atlassian Marketplace vendor
// reporting API: aggregated evaluations, sales, feedback and Cloud metrics,
// benchmarks, customer insights, partner metrics, the license and transaction
// lists and their streamed exports, and the app catalog. It uses the
// standard library only and knows nothing about Prometheus.
//
// Build a Client with NewClient and call the services, which mirror the
// API's resources:
//
//	client, err := marketplace.NewClient(
//		marketplace.WithCredentials("me@example.com", token),
//		marketplace.WithVendorID(12345),
//		marketplace.WithUserAgent("marketplace_exporter/"+version),
//	)
//	evals, _, err := client.Evaluations.Aggregate(ctx, marketplace.EvaluationsByHosting, &marketplace.AggregateOptions{
//		Aggregation: marketplace.AggregationWeek,
//		StartDate:   start,
//		EndDate:     end,
//	})
//
// # API generations
//
// APIv2 addresses the vendor by its numeric id below
// /rest/2/vendors/{vendorId}/reporting on marketplace.atlassian.com. APIv3
// addresses it by its developer-space UUID below
// /rest/3/reporting/developer-space/{developerId} on
// api.atlassian.com/marketplace; given only the vendor id, the client looks
// the developer id up once and keeps it. Both serve the same resources with
// the same shapes, though not always the same spellings: decoding accepts
// every spelling the reference lists, and rejects a value of the wrong JSON
// type with a *DecodeError rather than reading it as zero.
//
// # Lists and exports
//
// List methods return one page (50 rows, the API's maximum) at an offset;
// All methods return an iterator that follows the API's next links.
// Export methods return an iterator over the JSON export, decoded row by
// row as the body arrives, so that a 100,000-row export is never held in
// memory whole.
//
// # Errors and retries
//
// A response with a non-2xx status is an *ErrorResponse carrying the API's
// messages; errors.Is matches ErrCredentials for 401 and 403 and
// ErrNotFound for 404. A 429 that the client stops retrying is a
// *RateLimitError. Responses with status 429, 502, 503 or 504 and failed
// connections are retried with capped exponential backoff and full jitter,
// or after the server's Retry-After, as the RetryPolicy allows; other
// failures are not. Every attempt is reported to the hook of
// WithRequestHook, which is how the exporter counts requests.
//
// # Credentials
//
// The API token travels only in the Authorization header of requests to
// the configured hosts. It never appears in URLs, errors, hook values or
// the printed Client, and is scrubbed from error messages a server might
// echo it in.
//
// API reference: https://developer.atlassian.com/platform/marketplace/rest/v2/api-group-reporting/
package marketplace
