package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

func sales() *dashboard.DashboardBuilder           { return newBoard("sales", "Sales", "x") }
func evaluations() *dashboard.DashboardBuilder     { return newBoard("evaluations", "Evaluations", "x") }
func feedback() *dashboard.DashboardBuilder        { return newBoard("feedback", "Feedback", "x") }
func churnBenchmarks() *dashboard.DashboardBuilder { return newBoard("churn", "Churn", "x") }
func exporterHealth() *dashboard.DashboardBuilder  { return newBoard("exporter", "Exporter", "x") }
