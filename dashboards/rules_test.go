package dashboards

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

const (
	rulesFile   = "../alerts/marketplace.rules.yml"
	runbookFile = "../README.md" // its Runbook section
	runbookBase = "https://github.com/marketplace-exporter/marketplace_exporter/blob/main/README.md#runbook-"
)

// loadRules parses the rule file the way Prometheus does, unknown fields rejected.
func loadRules(t *testing.T) []rulefmt.Rule {
	t.Helper()
	groups, errs := rulefmt.ParseFile(rulesFile, false, model.UTF8Validation, promql, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, err := range errs {
		t.Error(err)
	}
	if groups == nil {
		t.FailNow()
	}
	var rules []rulefmt.Rule
	for _, g := range groups.Groups {
		rules = append(rules, g.Rules...)
	}
	return rules
}

// mustParse parses an expression and prints it the way Prometheus does, so that two
// expressions compare equal when they differ only in spacing, line breaks and parentheses that
// change nothing.
func mustParse(t *testing.T, expr string) string {
	t.Helper()
	e, err := promql.ParseExpr(expr)
	if err != nil {
		t.Fatalf("%v\n%s", err, expr)
	}
	return e.String()
}

// TestDashboardThresholdsAreTheRules checks that the thresholds the dashboards draw are the
// expressions of the recording rules the alerts compare with.
func TestDashboardThresholdsAreTheRules(t *testing.T) {
	want := map[string]string{
		"addon_key_feedback_type:atlassian_marketplace_feedback:spike_threshold":                 feedbackSpikeThreshold(),
		"addon_key:atlassian_marketplace_sales_by_sale_type_transactions:refund_spike_threshold": refundSpikeThreshold(),
		"addon_key:atlassian_marketplace_evaluations:weekly_avg_prior_3w":                        weeklyAvgPrior3w("atlassian_marketplace_evaluations"),
		"addon_key:atlassian_marketplace_sales_revenue_usd:weekly_avg_prior_3w":                  weeklyAvgPrior3w("atlassian_marketplace_sales_revenue_usd"),
	}
	for _, r := range loadRules(t) {
		expr, ok := want[r.Record]
		if !ok {
			continue
		}
		delete(want, r.Record)
		if got, wanted := mustParse(t, r.Expr), mustParse(t, expr); got != wanted {
			t.Errorf("%s differs between the rules and the dashboards:\nrules:      %s\ndashboards: %s", r.Record, got, wanted)
		}
	}
	for record := range want {
		t.Errorf("no recording rule %s", record)
	}
}

// numbers lists the number literals of an expression.
func numbers(t *testing.T, expr string) map[float64]bool {
	t.Helper()
	e, err := promql.ParseExpr(expr)
	if err != nil {
		t.Fatal(err)
	}
	out := map[float64]bool{}
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		if n, ok := node.(*parser.NumberLiteral); ok {
			out[n.Val] = true
		}
		return nil
	})
	return out
}

// TestAlertThresholdsAreTheDashboards checks that the alerts use the numbers the dashboards
// draw and describe.
func TestAlertThresholdsAreTheDashboards(t *testing.T) {
	want := map[string][]float64{
		"MarketplaceChurnAboveBenchmark": {churnBenchmarkAlert, benchmarkMaxAgeDays},
		"MarketplaceEvaluationsDropped":  {dropFactor},
		"MarketplaceRevenueDropped":      {dropFactor},
		"MarketplaceDataStale":           {staleIntervals},
	}
	for _, r := range loadRules(t) {
		nums, ok := want[r.Alert]
		if !ok {
			continue
		}
		delete(want, r.Alert)
		have := numbers(t, r.Expr)
		for _, n := range nums {
			if !have[n] {
				t.Errorf("%s does not use %g, which the dashboards draw", r.Alert, n)
			}
		}
	}
	for alert := range want {
		t.Errorf("no alert %s", alert)
	}
}

// githubSlug is the anchor GitHub gives a Markdown heading.
func githubSlug(heading string) string {
	s := strings.ToLower(strings.TrimSpace(heading))
	s = regexp.MustCompile(`[^\p{L}\p{N}\- _]`).ReplaceAllString(s, "")
	return strings.ReplaceAll(s, " ", "-")
}

// readmeAnchors lists the anchors GitHub gives the headings of a Markdown file (a repeated
// heading gets -1, -2, ...), outside fenced code blocks, and the anchors of its
// "### Runbook: <alert>" headings.
func readmeAnchors(t *testing.T, file string) (all, runbooks map[string]bool) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, runbooks = map[string]bool{}, map[string]bool{}
	seen := map[string]int{}
	fenced := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		m := heading.FindStringSubmatch(line)
		if fenced || m == nil {
			continue
		}
		anchor := githubSlug(m[1])
		if n := seen[anchor]; n > 0 {
			seen[anchor]++
			anchor = fmt.Sprintf("%s-%d", anchor, n)
		} else {
			seen[anchor] = 1
		}
		all[anchor] = true
		if strings.HasPrefix(line, "### Runbook: ") {
			runbooks[anchor] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return all, runbooks
}

// heading matches an ATX Markdown heading and captures its text.
var heading = regexp.MustCompile(`^#{1,6}\s+(.+?)\s*#*\s*$`)

// runbookAnchors lists the anchors of the runbook's "### Runbook: <alert>" headings.
func runbookAnchors(t *testing.T) map[string]bool {
	t.Helper()
	_, runbooks := readmeAnchors(t, runbookFile)
	return runbooks
}

// TestReadmeLinksResolve checks that every link of the README to one of its own sections
// (#anchor) has a heading to land on.
func TestReadmeLinksResolve(t *testing.T) {
	all, _ := readmeAnchors(t, runbookFile)
	raw, err := os.ReadFile(runbookFile)
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(string(raw), -1)
	if len(links) == 0 {
		t.Fatalf("%s has no links to its own sections", runbookFile)
	}
	for _, l := range links {
		if !all[l[1]] {
			t.Errorf("%s links to #%s, which no heading has", runbookFile, l[1])
		}
	}
}

func TestReadmeAnchorsRepeatAsGitHubDoes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "README.md")
	text := "# A\n## Runbook\n```\n## Not a heading\n```\n### Runbook: X\n## Runbook\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	all, runbooks := readmeAnchors(t, file)
	for _, want := range []string{"a", "runbook", "runbook-1", "runbook-x"} {
		if !all[want] {
			t.Errorf("no anchor %q in %v", want, all)
		}
	}
	if all["not-a-heading"] || len(all) != 4 {
		t.Errorf("anchors %v, want 4", all)
	}
	if len(runbooks) != 1 || !runbooks["runbook-x"] {
		t.Errorf("runbook anchors %v, want only runbook-x", runbooks)
	}
}

func TestGithubSlug(t *testing.T) {
	if got := githubSlug("Runbook: MarketplaceDataStale"); got != "runbook-marketplacedatastale" {
		t.Errorf("githubSlug = %q", got)
	}
}

// TestEveryAlertHasARunbook checks every alert's severity and annotations, and that its
// runbook_url points at a "Runbook: <alert>" section of the runbook, which has no section for
// an alert that does not exist.
func TestEveryAlertHasARunbook(t *testing.T) {
	anchors := runbookAnchors(t)
	severities := map[string]bool{"critical": true, "warning": true, "info": true}
	alerts := 0
	for _, r := range loadRules(t) {
		if r.Alert == "" {
			continue
		}
		alerts++
		if !severities[r.Labels["severity"]] {
			t.Errorf("%s: severity %q is not critical, warning or info", r.Alert, r.Labels["severity"])
		}
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("%s: no %s annotation", r.Alert, a)
			}
		}
		anchor := "runbook-" + strings.ToLower(r.Alert)
		if got := r.Annotations["runbook_url"]; got != runbookBase+strings.TrimPrefix(anchor, "runbook-") {
			t.Errorf("%s: runbook_url %q, want %s%s", r.Alert, got, runbookBase, strings.TrimPrefix(anchor, "runbook-"))
		}
		if !anchors[anchor] {
			t.Errorf("%s: %s has no heading \"### Runbook: %s\"", r.Alert, runbookFile, r.Alert)
		}
		delete(anchors, anchor)
	}
	for a := range anchors {
		t.Errorf("%s has a runbook #%s for no alert", runbookFile, a)
	}
	if alerts == 0 {
		t.Error("no alerts")
	}
}

// TestRulesFollowTheContract checks the selectors of every rule against the exporter's metric
// set: known families (or the rules' own records) and known labels.
func TestRulesFollowTheContract(t *testing.T) {
	rules := loadRules(t)
	recorded := map[string]bool{}
	for _, r := range rules {
		if r.Record != "" {
			recorded[r.Record] = true
		}
	}
	for _, r := range rules {
		e, err := promql.ParseExpr(r.Expr)
		if err != nil {
			t.Errorf("%s%s: %v", r.Record, r.Alert, err)
			continue
		}
		for _, vs := range selectors(e) {
			if recorded[vs.Name] {
				continue
			}
			if _, ok := contract[vs.Name]; !ok {
				t.Errorf("%s%s: %s is not a metric of the exporter nor a recording rule", r.Record, r.Alert, vs.Name)
				continue
			}
			for _, m := range vs.LabelMatchers {
				if m.Name != "__name__" && !labelOf(vs.Name, m.Name) {
					t.Errorf("%s%s: %s has no label %q", r.Record, r.Alert, vs.Name, m.Name)
				}
			}
		}
	}
}

// exporterJob is the scrape job the alerts about the exporter's target assume.
const exporterJob = "marketplace"

// TestRulesAssumeOneJob checks that every rule that selects `up` selects job="marketplace", the
// job of examples/prometheus.yml (examples_test.go checks that side).
func TestRulesAssumeOneJob(t *testing.T) {
	found := false
	for _, r := range loadRules(t) {
		e, err := promql.ParseExpr(r.Expr)
		if err != nil {
			t.Fatal(err)
		}
		for _, vs := range selectors(e) {
			if vs.Name != "up" {
				continue
			}
			found = true
			if m := matcher(vs, "job"); m == nil || m.String() != fmt.Sprintf("job=%q", exporterJob) {
				t.Errorf("%s: %s does not select job=%q", r.Alert, vs, exporterJob)
			}
		}
	}
	if !found {
		t.Error("no rule selects up")
	}
}
