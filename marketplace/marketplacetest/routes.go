package marketplacetest

import (
	"net/http"
)

// routes registers every endpoint. Metric path segments are registered one
// by one, so that each has its bounded endpoint name; a catch-all per family
// answers unknown metrics with 400.
func (s *Simulator) routes() {
	s.reporting("reporting_links", "", s.reportingLinks)

	for metric := range evaluationGroups {
		s.reporting("evaluations_"+metric, "/evaluations/"+metric,
			aggregateEndpoint(func(x *indexes) *cube { return x.evaluations[metric] }, "/evaluations/"+metric, metric == "hosting", countOf))
	}
	s.reporting("", "/evaluations/{metric}", badMetric("country, hosting, partner, region"))

	for metric := range salesGroups {
		s.reporting("sales_"+metric, "/sales/transactions/"+metric,
			aggregateEndpoint(func(x *indexes) *cube { return x.sales[metric] }, "/sales/transactions/"+metric, metric == "hosting", salesOf))
	}
	s.reporting("", "/sales/transactions/{metric}", badMetric("country, hosting, partner, region, tier, type"))

	for metric := range feedbackGroups {
		s.reporting("feedback_"+metric, "/feedback/metrics/"+metric,
			aggregateEndpoint(func(x *indexes) *cube { return x.feedback[metric] }, "/feedback/metrics/"+metric, metric == "type", countOf))
	}
	s.reporting("", "/feedback/metrics/{metric}", badMetric("reason, type"))

	for metric := range cloudMetrics {
		s.reporting(metric, "/sales/metrics/"+metric, s.cloudMetricEndpoint(metric))
		details := listResource{
			build:  func(c *call) (list, error) { return c.details(metric) },
			suffix: "/sales/metrics/" + metric + "/details", vars: detailsVars, rowsKey: "events", exportLinks: true,
		}
		s.reporting(metric+"_details", details.suffix, details.page())
	}
	s.reporting("", "/sales/metrics/{metric}", badMetric("churn, conversion, renewal"))
	s.reporting("churn_benchmark", "/sales/metrics/churn/benchmark", s.churnBenchmark)
	s.reporting("evaluation_benchmark", "/benchmark/evaluations", s.evaluationBenchmark)
	s.reporting("sales_benchmark", "/benchmark/sales", s.salesBenchmark)

	for _, lr := range []struct {
		name string
		listResource
	}{
		{"licenses", listResource{(*call).licenses, "/licenses", licensesVars, "licenses", true}},
		{"transactions", listResource{(*call).transactions, "/sales/transactions", transactionsVars, "transactions", true}},
		{"feedback_details", listResource{(*call).feedbackList, "/feedback/details", feedbackVars, "feedback", false}},
	} {
		s.reporting(lr.name, lr.suffix, lr.page())
		s.reporting(lr.name+"_export", lr.suffix+"/export", lr.export())
	}

	for _, kind := range []string{"regions", "editions", "active-users", "tiers"} {
		name := map[string]string{"active-users": "active_users"}[kind]
		if name == "" {
			name = kind
		}
		s.reporting("insights_"+name, "/customer-insights/"+kind, s.insights(kind))
	}

	s.handle("POST "+v2Vendor+"/partner-metrics", route{name: "partner_metrics", h: s.partnerMetrics})
	s.handle("POST /rest/3/partner-metrics/developer-space/{developerId}", route{name: "partner_metrics", v3: true, h: s.partnerMetrics})

	// /addons/vendor/{vendorId} and /addons/{addonKey}/distribution have
	// the same shape, which ServeMux cannot tell apart by pattern.
	apps := s.serveRoute(route{name: "apps", h: s.apps})
	distribution := s.serveRoute(route{name: "app_distribution", h: appEndpoint("first", distributionOf)})
	s.mux.HandleFunc("GET /rest/2/addons/{first}/{second}", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.PathValue("first") == "vendor":
			apps.ServeHTTP(w, r)
		case r.PathValue("second") == "distribution":
			distribution.ServeHTTP(w, r)
		default:
			writeError(w, http.StatusNotFound, "Not found")
		}
	})
	s.handle("GET /rest/2/addons/{addonKey}", route{name: "app", h: appEndpoint("addonKey", addonOf)})
	s.handle("GET /rest/3/product-listing/developer-space/{developerId}", route{name: "apps", v3: true, h: s.productListing})
	s.handle("GET /rest/3/developer-space/vendor/{vendorId}", route{name: "developer_space", v3: true, h: s.developerSpace})

	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "No endpoint at "+r.Method+" "+r.URL.Path)
	})
}

// badMetric answers a metric path segment outside allowed.
func badMetric(allowed string) handler {
	return func(c *call) error {
		return badRequest("metric: allowable values are [%s]", allowed)
	}
}

// reportingLinks serves the reporting root: link templates to every
// reporting resource. v3 adds the benchmark and insights links.
func (s *Simulator) reportingLinks(c *call) error {
	agg := func(suffix string) linkTemplate { return c.template(suffix, aggregateQuery, "") }
	pair := func(metric string) []linkTemplate {
		return []linkTemplate{
			c.template("/sales/metrics/"+metric, aggregateQuery, "aggregated"),
			c.template("/sales/metrics/"+metric+"/details", detailsVars, "details"),
		}
	}
	exports := func(suffix, vars string) []linkTemplate {
		csv := c.template(suffix+"/export?accept=csv", "{&"+vars[2:], "")
		csv.Type = "text/csv"
		return []linkTemplate{csv, c.template(suffix+"/export?accept=json", "{&"+vars[2:], "")}
	}
	links := map[string]any{
		"self":                 c.self(),
		"cloudChurn":           pair("churn"),
		"cloudConversions":     pair("conversion"),
		"cloudRenewals":        pair("renewal"),
		"evaluationsByCountry": agg("/evaluations/country"),
		"evaluationsByHosting": agg("/evaluations/hosting"),
		"evaluationsByPartner": agg("/evaluations/partner"),
		"evaluationsByRegion":  agg("/evaluations/region"),
		"feedbackLinks": []linkTemplate{
			c.template("/feedback/details", feedbackVars, "details"),
			c.template("/feedback/metrics/reason", aggregateQuery, "reason"),
			c.template("/feedback/metrics/type", aggregateQuery, "type"),
		},
		"licenses":              c.template("/licenses", licensesVars, ""),
		"licensesExport":        exports("/licenses", licensesVars),
		"transactions":          c.template("/sales/transactions", transactionsVars, ""),
		"transactionsExport":    exports("/sales/transactions", transactionsVars),
		"transactionsByCountry": agg("/sales/transactions/country"),
		"transactionsByHosting": agg("/sales/transactions/hosting"),
		"transactionsByPartner": agg("/sales/transactions/partner"),
		"transactionsByRegion":  agg("/sales/transactions/region"),
		"transactionsByTier":    agg("/sales/transactions/tier"),
		"transactionsByType":    agg("/sales/transactions/type"),
	}
	if c.v3 {
		links["cloudChurnBenchmark"] = c.template("/sales/metrics/churn/benchmark", benchmarkVars, "")
		links["cloudEvaluationBenchmark"] = c.template("/benchmark/evaluations", benchmarkVars, "")
		links["cloudSalesBenchmark"] = c.template("/benchmark/sales", benchmarkVars, "")
		var insights []linkTemplate
		for _, kind := range []string{"regions", "editions", "active-users", "tiers"} {
			insights = append(insights, c.template("/customer-insights/"+kind, "{?startDate,endDate}", kind))
		}
		links["customerInsightsLinks"] = insights
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"_links": links})
	return nil
}
