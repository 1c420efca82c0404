// Package marketplacetest is a simulator of the Atlassian Marketplace vendor
// reporting API (v2 and v3), for tests, benchmarks and the exporter's demo
// mode. No test machine reaches the real API, so this is the Marketplace
// every test talks to.
//
// # The synthetic vendor
//
// New generates one vendor from Options.Seed: apps for Jira and Confluence
// across Cloud, Data Center and Server; evaluations; licenses of several
// types in every status; transactions (New, Renewal, Upgrade, and Refund with
// negative amounts); uninstall, disable and unsubscribe feedback; Cloud
// subscriptions whose billing periods drive the churn, renewal and
// conversion metrics and the MRR of partner-metrics; benchmarks, customer
// insights, distribution and reviews. Customers carry synthetic PII, some of
// it "RTBF".
//
// By default the vendor is a small-to-mid one, busy enough that every
// dashboard line and alert threshold has something to show. Per app and
// week, roughly: 15 to 60 evaluations, most of them Cloud, a fair share Data
// Center and a few Server; 20 to 40 sales transactions (new, renewals,
// upgrades, a few refunds a month); 5 to 15 uninstall, disable and
// unsubscribe feedback entries with varied reasons; Cloud churn of a few
// percent a month and conversion of 10 to 25% of Cloud evaluations; MRR in
// the thousands of USD with new, expansion, contraction and expired
// movements; hundreds of installs. Volumes follow a trend per app and
// hosting, a yearly season with a year-end dip, the day of the week and a
// weekly noise. Three apps tell a story: an established Jira app on every
// hosting whose Server business (at its end of life) fades out, a Confluence
// app whose uninstalls burst for a few days every five weeks (as after a bad
// release: enough to trip the feedback-spike alert in the week after), and
// a young Cloud-only app growing fast. Options.Licenses and
// Options.Transactions scale the same vendor to other sizes.
//
// Everything served is computed from the same events, held in the Dataset
// (Simulator.Data), so the endpoints agree with each other: sales by tier
// sum to sales by hosting and to the transactions list, totals are the sum
// over apps, and so on. The Dataset's ground-truth functions
// (EvaluationsTotal, SalesTotal, FeedbackTotal, CloudMetricTotal,
// LicenseCounts, MRRAt, BenchmarkTotals) compute the expected numbers
// independently of the indexes the endpoints use.
//
// # Time
//
// "Today" is the UTC date of Options.Clock. New generates the days from
// today-HistoryDays to 120 days after today; requests only ever see days up
// to the clock's today, so moving a ManualClock forward reveals new days and
// never changes past ones. When the clock passes the last generated day (a
// demo left running for months), the next request or Data call generates
// the days again from the same first day to 120 days past the new today, so
// the data never stops moving; the days generated before come out the
// same. Generation stops 20 years after the first day.
//
// Every license, with every event of its life, is drawn from a random
// stream keyed by the seed, its app, its birth day and its position among
// that day's births, and evaluations and feedback likewise; a day's
// expected volumes depend only on the seed, the app and the day. So the
// data of a day never depends on the clock or on how many days follow it
// (with Options.Licenses or Transactions set, the volumes are scaled to the
// history New sees, so there the creation day matters too). License status,
// maintenance dates and lastUpdated are snapshots as of today, as in the
// real API.
//
// Simulators created with the same options on the same day share one
// generated vendor (New remembers the last few small ones), so tests that
// create many cost little; each keeps its own clock, ids and faults.
//
// # Endpoints
//
// Endpoint names are those of docs/design.md; InjectFault, Requests and
// RequestCounts use them. v2 reporting paths are below
// /rest/2/vendors/{vendorId}/reporting, v3 below
// /rest/3/reporting/developer-space/{developerId}.
//
//	reporting_links                     reporting
//	evaluations_{hosting,region,country,partner}
//	                                    reporting/evaluations/{metric}
//	sales_{hosting,region,country,partner,tier,type}
//	                                    reporting/sales/transactions/{metric}
//	feedback_{type,reason}              reporting/feedback/metrics/{metric}
//	feedback_details[_export]           reporting/feedback/details[/export]
//	churn, conversion, renewal          reporting/sales/metrics/{metric}
//	{churn,conversion,renewal}_details  reporting/sales/metrics/{metric}/details
//	churn_benchmark                     reporting/sales/metrics/churn/benchmark
//	evaluation_benchmark                reporting/benchmark/evaluations
//	sales_benchmark                     reporting/benchmark/sales
//	licenses[_export]                   reporting/licenses[/export]
//	transactions[_export]               reporting/sales/transactions[/export]
//	insights_{regions,editions,active_users,tiers}
//	                                    reporting/customer-insights/{regions,editions,active-users,tiers}
//	partner_metrics                     POST /rest/2/vendors/{vendorId}/partner-metrics,
//	                                    POST /rest/3/partner-metrics/developer-space/{developerId}
//	apps                                GET /rest/2/addons/vendor/{vendorId},
//	                                    GET /rest/3/product-listing/developer-space/{developerId}
//	app                                 GET /rest/2/addons/{addonKey}
//	app_distribution                    GET /rest/2/addons/{addonKey}/distribution
//	developer_space                     GET /rest/3/developer-space/vendor/{vendorId}
//
// Every endpoint requires the Basic credentials of Options (401 otherwise)
// and answers 404 for another vendor or developer id. Validation follows the
// reference: 400 with {"errors":[{"message":"Must be a date"}]} for a bad
// date; 400 for an aggregation other than week or month (case-sensitive),
// an unknown metric segment or an unknown enumeration value in a filter.
// Lists page with offset and limit (default 10, quietly capped at 50), with
// host-relative next and prev links, no next on the last page, and
// totalCount on v3. Exports stream a bare JSON array row by row.
//
// # Faults
//
// InjectFault makes an endpoint (or AllEndpoints) slow, fail with a status
// (optionally with Retry-After), send a truncated or non-JSON body, drop the
// connection, hang, or rewrite its body, for every request or the next N.
// Options.Latency, unlike a fault, delays every request of every endpoint
// by the same amount for the simulator's whole life: a distant API for
// benchmarks, on top of which faults still apply.
//
// # Guessed behaviour
//
// The reference (shared/marketplace-api.md) leaves these open; the simulator
// picks one answer and the client must not rely on more than the reference
// says:
//
//   - Aggregates filter events to [startDate, endDate] first, then bucket
//     them; weekly buckets are dated on their Sunday (so the first may be
//     dated before startDate), monthly ones on the 1st. Missing dates mean
//     the whole history up to today; an empty or future range gives empty
//     series, datasets and addons.
//   - Which series an aggregate lists: hosting (and feedback type) always
//     lists every value, zero-filled; other metrics list the groups with
//     events in range, per app, and the total lists their union.
//   - Series names: partner metrics are partner types ("Direct", "Expert",
//     "Reseller", "Corporate_reseller"); tier metrics are tier texts ("25
//     Users"); type metrics are sale types (New, Renewal, Upgrade, Refund);
//     regions are "EMEA", "Americas", "APAC", "Unknown".
//   - Sales elements: count is every transaction row; netCount is non-refund
//     rows minus refund rows; revenue is the sum of vendorAmount (refunds
//     negative), in USD.
//   - Transactions filter startDate/endDate on saleDate. Licenses filter them
//     on the current maintenanceStartDate (dateType=start, the default) or
//     maintenanceEndDate (dateType=end). sortBy and order are ignored: lists
//     come in date order.
//   - Churn and renewal count Cloud paid subscriptions at the end of each
//     billing period: each is a churn "Customer" and a "Renewal
//     opportunity", and then either a "Renewal" or a "Cancellation".
//     uniqueTotal (churn only) is the number of distinct licenses over the
//     whole range. Conversion "Evaluations" are Cloud evaluation starts,
//     "Conversions" are conversions on the day they happen.
//   - Sales-metric details are the cancellations (churn), renewals and
//     conversions, paged like the other lists on v2 as well as v3.
//   - Filters: text matches license and entitlement ids, cloudId, site
//     hostname, company and contact e-mails (and the message, for
//     feedback); anonymous feedback is feedback without an e-mail address;
//     tier filters match user counts; limit=0 is a 400.
//   - Benchmarks: month M is published on the 10th of month M+2. The churn
//     benchmark counts paid Cloud licenses active on the last day of M, and
//     those of them no longer active a month later; churnRate is a percent,
//     the benchmark fields are ratios around 1 as live v3 shows them, and
//     percentiles and growth benchmarks are random. Evaluation and sales
//     benchmarks count Cloud evaluations and Cloud vendor amounts. The
//     vendor total covers every app whatever the addon filter. v2 spells the
//     evaluation benchmark the live way (addons[].evaluationBenchmarkPerAppPerMonth,
//     total.evaluationBenchmarkPerVendorPerMonth, evaluationCount,
//     previousMonthEvaluationCount); v3 the spec's way
//     (CloudEvaluationBenchmarkPerApp[].CloudEvaluationBenchmarkPerAppPerMonth,
//     totals.CloudEvaluationBenchmarkPerVendorPerMonth, evaluationCount,
//     previousMonthEvaluationCounts). churnBenchmarkPerApp is an array on both.
//   - Customer insights: a month is published the day after it ends and
//     counts the users (tier sizes) of the Cloud licenses active on its last
//     day. v2 uses the spec's array keys, v3 usersDistributionPerMonth.
//     usersMarketplaceBenchmark compares with fixed marketplace shares.
//   - Partner metrics serve only RECURRING_REVENUE (other sets, fields and
//     attributes besides APP_KEY and APP_NAME are a 400 saying they are not
//     simulated). MRR is the monthly-equivalent vendorAmount of paid Cloud
//     subscriptions; buckets are filtered to dateRange (cut at today) like
//     the aggregates, WEEK buckets start on Sunday, and the body is only
//     {"records": [...]}, one record per bucket (per app and bucket with
//     APP_KEY or APP_NAME). A page holding fewer buckets than limit is the
//     last.
//   - The v3 product listing is {items[{productId, appKey, appName, state,
//     approvalStatus, slug}], links{self, next}} with the links as plain
//     href strings, as a client of the live API reads it; it pages by limit
//     and an opaque cursor carried in the next link. state is always
//     PUBLIC and approvalStatus APPROVED.
//   - Distribution totals are as of today: installs are the licenses
//     active that day, users their tiers' users. Every endpoint,
//     /rest/2/addons included, requires credentials.
//   - Exports serve JSON only (accept=csv, or an Accept header asking for
//     text/csv, is a 406); exports ignore offset and limit.
//   - The volumes are approximate: Licenses counts every license started
//     over the history (evaluations, paid and free), Transactions every
//     sales row. With only one of them set, the default vendor's mix is
//     scaled to it; with both, paid licenses are scaled to give the
//     transactions and evaluations and free licenses to give the rest of
//     the licenses.
//
// # Not simulated
//
// Async exports, search keywords, zero-result keywords, app requests and
// approvals, marketing attribution, the free-starter-tier export, CSV
// exports, sortBy/order, groupBy (evaluationType, conversionType), and the
// partner-metrics sets other than RECURRING_REVENUE.
package marketplacetest
