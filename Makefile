# The one command a contributor needs: `make test`. It installs what it needs (Prometheus and
# promtool from Debian's package when they are missing) and runs every check CI runs.
GO        ?= go
GOFLAGS   ?=
FUZZTIME  ?= 30s

PROM_BINS := $(shell ./scripts/ensure-prometheus.sh 2>/dev/null)
export PROMETHEUS ?= $(word 1,$(PROM_BINS))
export PROMTOOL   ?= $(word 2,$(PROM_BINS))

.PHONY: all
all: build test

# The version and revision shown by --version and atlassian_marketplace_exporter_build_info.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
VERSION_PKG := github.com/prometheus/common/version
LDFLAGS   := -X $(VERSION_PKG).Version=$(VERSION) -X $(VERSION_PKG).Revision=$(REVISION)

.PHONY: build
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o marketplace_exporter .

# Rewrites collector/testdata/*.prom from the simulator; review the diff before committing.
.PHONY: golden
golden:
	$(GO) test ./collector -run Golden -update

.PHONY: test
test: prometheus fmt-check vet unit fuzz-smoke rules dashboards examples bench-smoke
	@echo "make test: all checks passed"

# Fails with the installer's message when Prometheus cannot be had: the end-to-end tests never skip.
.PHONY: prometheus
prometheus:
	@./scripts/ensure-prometheus.sh >/dev/null
	@echo "prometheus: $(PROMETHEUS)"; echo "promtool:   $(PROMTOOL)"

.PHONY: fmt-check
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet:
	$(GO) vet ./...

.PHONY: unit
unit:
	$(GO) test -race -count=1 ./...

# Fuzzing: every Fuzz target of marketplace/ for $(FUZZTIME) each (make fuzz FUZZTIME=10m).
# make test runs each briefly (fuzz-smoke); plain go test already runs their seeds and the
# corpus committed in marketplace/testdata/fuzz/ as ordinary tests. A failing input is written
# there: fix the decoder, then commit the input so that it stays a test.
FUZZSMOKETIME ?= 3s
# Minimizing a new input of a few KB (the fixtures are) would otherwise take the fuzzer's default
# minute, every time, and eat a short run whole.
FUZZMINIMIZE  ?= 500x
FUZZ_TARGETS := $(shell grep -ho '^func Fuzz[A-Za-z0-9_]*' marketplace/*_test.go | cut -c6-)

.PHONY: fuzz
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do echo "fuzz $$t for $(FUZZTIME)"; \
		$(GO) test ./marketplace -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) \
		-fuzzminimizetime $(FUZZMINIMIZE); done

.PHONY: fuzz-smoke
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZSMOKETIME)

# The load test at full size: 32 goroutines scrape a vendor of 100 apps while every collector
# refreshes, first under the race detector (which makes a 1.5 MB scrape take seconds, hence
# fewer scrapes and longer intervals), then without it for the throughput figures. make test
# runs a small one under the race detector.
.PHONY: load
load:
	LOAD_APPS=100 LOAD_SCRAPES=160 LOAD_INTERVAL=30s $(GO) test -race -count=1 -timeout 30m -v -run '^TestLoadScrapesWhileRefreshing$$' .
	LOAD_APPS=100 LOAD_SCRAPES=3000 LOAD_INTERVAL=2s $(GO) test -count=1 -timeout 30m -v -run '^TestLoadScrapesWhileRefreshing$$' .

# Prometheus rules: syntax and lint (promtool check rules), then the unit tests that show every
# alert firing and not firing.
.PHONY: rules
rules:
	$(PROMTOOL) check rules --lint=all --lint-fatal alerts/marketplace.rules.yml
	$(PROMTOOL) test rules alerts/marketplace.rules_test.yml

# Grafana dashboards: their own Go module (dashboards/go.mod), so the exporter does not depend on
# the Grafana SDK. The tests fail on stale JSON, JSON that does not load strictly into the SDK's
# schema, duplicate panel ids, queries that do not parse (in Go and in $(PROMTOOL)), thresholds
# that disagree with the alert rules, and examples/ naming files that do not exist.
.PHONY: dashboards
dashboards:
	cd dashboards && $(GO) vet ./... && $(GO) test -count=1 ./...

# Regenerates dashboards/*.json from the Go code in dashboards/.
.PHONY: dashboards-generate
dashboards-generate:
	cd dashboards && $(GO) generate ./...

# The example Prometheus configuration, with the rule files it loads.
.PHONY: examples
examples:
	$(PROMTOOL) check config examples/prometheus.yml

# The performance measurements (issue 6): one table of the exporter against the floor, the
# ideal refresh and json_exporter, plus the Go benchmarks of the hot paths. BENCHMARKS.md holds
# the table of one run and what it means. A few minutes; not part of make test.
.PHONY: bench
bench:
	cd bench && $(GO) run . -repo ..

# Part of make test, so that the benchmarks keep compiling and working: every Go benchmark
# once, and a short run of each measurement of make bench (bench/ is its own module, so that
# json_exporter never becomes a dependency of the exporter).
.PHONY: bench-smoke
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime=1x ./...
	cd bench && $(GO) vet ./... && $(GO) test -count=1 ./... && $(GO) run . -repo .. -quick -only scrape,refresh,peer,exports >/dev/null
