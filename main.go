// Command marketplace_exporter serves Atlassian Marketplace vendor reports (evaluations, sales,
// churn, licenses, MRR, benchmarks) as Prometheus metrics.
//
// The data is fetched in the background and cached; see package collector for why and how.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"
	sloggokit "github.com/tjhop/slog-gokit"

	"github.com/marketplace-exporter/marketplace_exporter/collector"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
)

const (
	program = "marketplace_exporter"

	// defaultPort is outside the 9100-9999 exporter range of the Prometheus default port
	// allocations, which is full; see the README.
	defaultPort = "10073"

	// tokenEnv holds the API token when --marketplace.token-file is not given. The token is
	// never a flag value: flags show up in ps, shell history and process listings.
	tokenEnv = "MARKETPLACE_API_TOKEN"

	// shutdownGrace bounds how long in-flight scrapes may take to finish after SIGTERM.
	shutdownGrace = 30 * time.Second
)

// Exit codes: 2 is for a configuration the exporter refuses to start with, as flag parsers do.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func init() {
	// make build and the Dockerfile stamp the version with -ldflags; a plain go build or go
	// run does not, and go install ...@vX.Y.Z records it only in the build info.
	if version.Version == "" {
		version.Version = "dev"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version.Version = strings.TrimPrefix(bi.Main.Version, "v")
		}
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is the validated command line.
type config struct {
	web           *web.FlagConfig
	listenSet     bool
	telemetryPath string
	baseURL       string
	api           marketplace.API
	vendorID      int64
	developerID   string
	user          string
	token         string
	addons        []string
	concurrency   int64
	windows       []collector.Window
	collectors    []collector.Setting
	logLevel      string
	logFormat     string
	demo          bool
	backfill      *backfillConfig // nil for the exporter
	// noSelfMetrics leaves out the go_*, process_* and promhttp_* metrics.
	noSelfMetrics bool
}

// usagef describes a configuration the exporter refuses to start with (exit status 2).
func usagef(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// run is main without os.Exit, so that tests can check exit codes and messages.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, code, err := parseFlags(args, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", program, err)
		return exitUsage
	}
	if code >= 0 {
		return code // --help or --version
	}

	logger, slogger := newLogger(stderr, cfg.logLevel, cfg.logFormat)
	level.Info(logger).Log("msg", "starting "+program, "version", version.Info())
	level.Info(logger).Log("msg", "build context", "build_context", version.BuildContext())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if cfg.backfill != nil {
		return runBackfill(ctx, cfg, logger, stderr)
	}

	clientOpts, closeDemo, err := clientOptions(cfg, logger)
	if err != nil {
		level.Error(logger).Log("msg", "cannot start the demo simulator", "err", err)
		return exitFailed
	}
	defer closeDemo()

	reg := prometheus.NewRegistry()
	own := prometheus.NewRegistry() // the exporter's own counters, served from cache: see newHandler
	exp, err := collector.New(collectorConfig(cfg, clientOpts, logger, own))
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", program, err)
		return exitUsage
	}
	handler, err := newHandler(cfg, reg, own, exp, logger)
	if err != nil {
		level.Error(logger).Log("msg", "cannot build the landing page", "err", err)
		return exitFailed
	}
	server := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
	}

	names := make([]string, 0, len(cfg.collectors))
	for _, s := range cfg.collectors {
		names = append(names, s.Name+"="+s.Interval.String())
	}
	level.Info(logger).Log("msg", "collectors enabled", "collectors", strings.Join(names, ","),
		"windows", fmt.Sprint(cfg.windows), "concurrency", cfg.concurrency)

	refreshDone := make(chan struct{})
	go func() {
		exp.Run(ctx)
		close(refreshDone)
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- web.ListenAndServe(server, cfg.web, slogger) }()

	select {
	case <-ctx.Done():
		level.Info(logger).Log("msg", "shutting down: refreshes stop, in-flight scrapes finish")
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := server.Shutdown(sctx); err != nil {
			level.Warn(logger).Log("msg", "scrapes did not finish in time", "err", err)
		}
		<-refreshDone
		level.Info(logger).Log("msg", "stopped")
		return exitOK
	case err := <-serveErr:
		level.Error(logger).Log("msg", "cannot serve HTTP", "err", err)
		stop()
		<-refreshDone
		return exitFailed
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// parseFlags defines, parses and validates the command line. It returns a non-negative code
// when kingpin already handled the invocation (--help, --version).
func parseFlags(args []string, stdout, stderr io.Writer) (*config, int, error) {
	app := kingpin.New(program, "Prometheus exporter for the Atlassian Marketplace vendor reporting API: evaluations, sales, churn, licenses, MRR and benchmarks of your apps, refreshed in the background.")
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	app.HelpFlag.Short('h')
	app.Version(version.Print(program))
	terminated := -1
	app.Terminate(func(code int) {
		if terminated < 0 {
			terminated = code
		}
	})

	var (
		cfg         config
		listenSet   bool
		apiName     string
		vendorID    string
		tokenFile   string
		concurrency string
		windowFlags []string
	)
	cfg.web = kingpinflag.AddFlags(app, ":"+defaultPort)
	app.GetFlag("web.listen-address").IsSetByUser(&listenSet)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").
		Default("/metrics").StringVar(&cfg.telemetryPath)
	app.Flag("marketplace.url", "Base URL of the Marketplace API, for a proxy or a test server. Default: "+marketplace.DefaultBaseURL+" for v2, "+marketplace.DefaultV3BaseURL+" for v3.").
		StringVar(&cfg.baseURL)
	app.Flag("marketplace.api", "Reporting API generation: v2 (/rest/2/vendors/{vendor-id}) or v3 (/rest/3/reporting/developer-space/{developer-id}).").
		Default(string(marketplace.APIv2)).StringVar(&apiName)
	app.Flag("marketplace.vendor-id", "Your Marketplace vendor id (a number; the last part of your vendor page's URL). Needed for v2; for v3 it can stand in for the developer id.").
		StringVar(&vendorID)
	app.Flag("marketplace.developer-id", "Your v3 developer space id (a UUID).").
		StringVar(&cfg.developerID)
	app.Flag("marketplace.user", "Atlassian account email to authenticate with.").
		Envar("MARKETPLACE_USER").StringVar(&cfg.user)
	app.Flag("marketplace.token-file", "File holding the Atlassian API token for --marketplace.user. Without it the token is read from $"+tokenEnv+".").
		StringVar(&tokenFile)
	app.Flag("marketplace.addon", "Only export these app keys (repeatable). Default: all of the vendor's apps.").
		StringsVar(&cfg.addons)
	app.Flag("marketplace.concurrency", "Most Marketplace API requests in flight at once, across all collectors; one collector takes at most all but one.").
		Default(strconv.Itoa(collector.DefaultConcurrency)).StringVar(&concurrency)
	app.Flag("window", "Trailing window for the windowed families, a positive multiple of 7 days (repeatable).").
		Default("7d", "28d").StringsVar(&windowFlags)
	app.Flag("log.level", "Only log messages with the given severity or above: debug, info, warn, error.").
		Default("info").StringVar(&cfg.logLevel)
	app.Flag("log.format", "Output format of log messages: logfmt or json.").
		Default("logfmt").StringVar(&cfg.logFormat)
	app.Flag("web.disable-exporter-metrics", "Exclude metrics about the exporter process itself (go_*, process_*, promhttp_*): they are the only part of /metrics gathered on every scrape.").
		BoolVar(&cfg.noSelfMetrics)
	app.Flag("demo", "Serve synthetic data from a built-in Marketplace simulator instead of your account: no credentials needed. Listens on 127.0.0.1 unless --web.listen-address is given.").
		BoolVar(&cfg.demo)
	collectorFlags := collector.AddFlags(app)
	app.Command("serve", "Serve the metrics over HTTP (the default command).").Default()
	backfill := addBackfillCommand(app)

	command, err := app.Parse(args)
	if terminated >= 0 {
		return nil, terminated, nil
	} else if err != nil {
		return nil, -1, err
	}
	cfg.listenSet = listenSet
	if cfg.demo && !listenSet {
		// Synthetic data on every interface of a shared host would only confuse.
		*cfg.web.WebListenAddresses = []string{"127.0.0.1:" + defaultPort}
	}

	// Parsed here rather than by kingpin, whose number errors do not name the flag.
	if cfg.concurrency, err = strconv.ParseInt(concurrency, 10, 64); err != nil || cfg.concurrency < 1 {
		return nil, -1, usagef("--marketplace.concurrency must be a number of at least 1, got %q", concurrency)
	}
	if err = validateBasics(&cfg, apiName, windowFlags); err != nil {
		return nil, -1, err
	}
	if cfg.collectors, err = collectorFlags.Settings(); err != nil {
		return nil, -1, usagef("%v", err)
	}
	if len(cfg.collectors) == 0 {
		return nil, -1, usagef("every collector is disabled: enable at least one (--collector.<name>)")
	}
	if command == backfill.cmd.FullCommand() {
		if cfg.backfill, err = backfill.config(time.Now()); err != nil {
			return nil, -1, err
		}
	}
	if vendorID != "" {
		id, err := strconv.ParseInt(vendorID, 10, 64)
		if err != nil || id <= 0 {
			return nil, -1, usagef("--marketplace.vendor-id must be a positive number, got %q", vendorID)
		}
		cfg.vendorID = id
	}
	if cfg.developerID != "" && !uuidRE.MatchString(cfg.developerID) {
		return nil, -1, usagef("--marketplace.developer-id must be a UUID such as 3f2b8c4e-1d2a-4b5c-9e8f-0a1b2c3d4e5f, got %q", cfg.developerID)
	}
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return nil, -1, usagef("--marketplace.token-file: cannot read the token: %v", err)
		}
		cfg.token = strings.TrimSpace(string(b))
		if cfg.token == "" {
			return nil, -1, usagef("--marketplace.token-file: %s is empty", tokenFile)
		}
	} else {
		cfg.token = strings.TrimSpace(os.Getenv(tokenEnv))
	}
	if !cfg.demo {
		if err := validateCredentials(&cfg); err != nil {
			return nil, -1, err
		}
	}
	return &cfg, -1, nil
}

// validateBasics checks the flags that do not depend on credentials.
func validateBasics(cfg *config, apiName string, windowFlags []string) error {
	switch marketplace.API(apiName) {
	case marketplace.APIv2, marketplace.APIv3:
		cfg.api = marketplace.API(apiName)
	default:
		return usagef("--marketplace.api must be v2 or v3, got %q", apiName)
	}
	switch cfg.logLevel {
	case "debug", "info", "warn", "error":
	default:
		return usagef("--log.level must be debug, info, warn or error, got %q", cfg.logLevel)
	}
	switch cfg.logFormat {
	case "logfmt", "json":
	default:
		return usagef("--log.format must be logfmt or json, got %q", cfg.logFormat)
	}
	if !strings.HasPrefix(cfg.telemetryPath, "/") || cfg.telemetryPath == "/" || strings.HasPrefix(cfg.telemetryPath, "/-/") {
		return usagef("--web.telemetry-path must be a path such as /metrics (not /, not under /-/), got %q", cfg.telemetryPath)
	}
	if cfg.baseURL != "" {
		u, err := url.Parse(cfg.baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--marketplace.url must be an http(s) URL such as %s, got %q", marketplace.DefaultBaseURL, cfg.baseURL)
		}
		if u.User != nil {
			return usagef("--marketplace.url must not carry credentials: use --marketplace.user and --marketplace.token-file")
		}
	}
	seen := map[int]bool{}
	for _, s := range windowFlags {
		w, err := collector.ParseWindow(s)
		if err != nil {
			return usagef("--window: %v", err)
		}
		// 1w and 7d are one window: a second copy would be a duplicate series.
		if !seen[w.Days] {
			seen[w.Days] = true
			cfg.windows = append(cfg.windows, w)
		}
	}
	for _, a := range cfg.addons {
		if strings.TrimSpace(a) == "" {
			return usagef("--marketplace.addon must be an app key such as com.example.myapp, got an empty value")
		}
	}
	if *cfg.web.WebConfigFile != "" {
		if err := web.Validate(*cfg.web.WebConfigFile); err != nil {
			return usagef("--web.config.file: %v", err)
		}
	}
	return nil
}

// validateCredentials makes sure a real run has what the API needs, and says how to get it.
func validateCredentials(cfg *config) error {
	if cfg.user == "" && cfg.token == "" && cfg.vendorID == 0 && cfg.developerID == "" {
		return usagef(`no Marketplace credentials configured.
  Set --marketplace.user (or $MARKETPLACE_USER) to your Atlassian account email,
  put an API token (https://id.atlassian.com/manage-profile/security/api-tokens) in a file
  for --marketplace.token-file (or in $%s), and give --marketplace.vendor-id
  (v2) or --marketplace.developer-id (v3). See the README.
  To try the exporter without an account first: %s --demo`, tokenEnv, program)
	}
	var missing []string
	if cfg.user == "" {
		missing = append(missing, "--marketplace.user (or $MARKETPLACE_USER)")
	}
	if cfg.token == "" {
		missing = append(missing, "--marketplace.token-file (or $"+tokenEnv+")")
	}
	switch {
	case cfg.api == marketplace.APIv2 && cfg.vendorID == 0:
		missing = append(missing, "--marketplace.vendor-id (the v2 API addresses vendors by id)")
	case cfg.api == marketplace.APIv3 && cfg.vendorID == 0 && cfg.developerID == "":
		missing = append(missing, "--marketplace.developer-id or --marketplace.vendor-id")
	}
	if len(missing) > 0 {
		return usagef("incomplete Marketplace credentials: missing %s (or try %s --demo)", strings.Join(missing, ", "), program)
	}
	return nil
}

// clientOptions configures the Marketplace client from cfg, or starts the demo simulator and
// points the client at it. The returned func stops the simulator.
func clientOptions(cfg *config, logger log.Logger) ([]marketplace.Option, func(), error) {
	ua := marketplace.WithUserAgent(fmt.Sprintf("%s/%s (+https://github.com/marketplace-exporter/marketplace_exporter)", program, version.Version))
	if cfg.demo {
		opts, closeFn, err := startDemo(cfg, logger)
		if err != nil {
			return nil, nil, err
		}
		return append(opts, ua), closeFn, nil
	}
	opts := []marketplace.Option{
		ua,
		marketplace.WithAPI(cfg.api),
		marketplace.WithCredentials(cfg.user, cfg.token),
	}
	if cfg.baseURL != "" {
		opts = append(opts, marketplace.WithBaseURL(cfg.baseURL))
	}
	if cfg.vendorID != 0 {
		opts = append(opts, marketplace.WithVendorID(cfg.vendorID))
	}
	if cfg.developerID != "" {
		opts = append(opts, marketplace.WithDeveloperID(cfg.developerID))
	}
	return opts, func() {}, nil
}

// collectorConfig is what the collectors need from cfg, for the exporter and the backfill.
func collectorConfig(cfg *config, clientOpts []marketplace.Option, logger log.Logger, reg prometheus.Registerer) collector.Config {
	return collector.Config{
		ClientOptions: clientOpts,
		Collectors:    cfg.collectors,
		Windows:       cfg.windows,
		Addons:        cfg.addons,
		Concurrency:   cfg.concurrency,
		Logger:        logger,
		Registerer:    reg,
	}
}

// newHandler serves the metrics, the health and readiness probes and the landing page.
func newHandler(cfg *config, reg, own *prometheus.Registry, exp *collector.Exporter, logger log.Logger) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle(cfg.telemetryPath, metricsHandler(cfg, reg, own, exp, logger))
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		fmt.Fprintln(w, "Healthy")
	})
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !exp.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "Not ready: the first refresh of every collector has not finished yet")
			return
		}
		w.WriteHeader(http.StatusOK)
		fmt.Fprintln(w, "Ready")
	})

	description := "Prometheus exporter for the Atlassian Marketplace vendor reporting API. The data is cached and refreshed in the background."
	if cfg.demo {
		description += " DEMO MODE: all data is synthetic, served by the built-in Marketplace simulator."
	}
	landing, err := web.NewLandingPage(web.LandingConfig{
		Name:        program,
		Description: description,
		Version:     version.Info(),
		Links: []web.LandingLinks{
			{Address: cfg.telemetryPath, Text: "Metrics"},
			{Address: "/-/healthy", Text: "Health", Description: "200 while the exporter serves"},
			{Address: "/-/ready", Text: "Readiness", Description: "200 once every collector has finished its first refresh"},
		},
	})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", landing)
	return mux, nil
}

// promhttpLogger adapts a go-kit logger to promhttp's Println logger.
type promhttpLogger struct{ logger log.Logger }

// Println implements promhttp.Logger.
func (l promhttpLogger) Println(v ...any) {
	l.logger.Log("msg", fmt.Sprint(v...))
}

// newLogger builds the go-kit logger the exporter logs with, and an slog.Logger on top of it
// for the exporter-toolkit, so that both write one stream in one format with the same keys.
func newLogger(w io.Writer, lvl, format string) (log.Logger, *slog.Logger) {
	var base log.Logger
	if format == "json" {
		base = log.NewJSONLogger(log.NewSyncWriter(w))
	} else {
		base = log.NewLogfmtLogger(log.NewSyncWriter(w))
	}
	base = utcTimes{base}
	var slogLevel slog.Level
	switch lvl {
	case "debug":
		base = level.NewFilter(base, level.AllowDebug())
		slogLevel = slog.LevelDebug
	case "warn":
		base = level.NewFilter(base, level.AllowWarn())
		slogLevel = slog.LevelWarn
	case "error":
		base = level.NewFilter(base, level.AllowError())
		slogLevel = slog.LevelError
	default:
		base = level.NewFilter(base, level.AllowInfo())
		slogLevel = slog.LevelInfo
	}
	// The same keys and order as the slog bridge writes: level, caller, time, msg.
	logger := log.With(base, "caller", log.DefaultCaller, "time", log.DefaultTimestampUTC)
	return logger, slog.New(sloggokit.NewGoKitHandler(base, slogLevel))
}

// utcTimes writes time values in UTC, as the go-kit timestamps are, whoever logged them.
type utcTimes struct{ next log.Logger }

// Log implements log.Logger.
func (u utcTimes) Log(keyvals ...any) error {
	for i := 1; i < len(keyvals); i += 2 {
		if t, ok := keyvals[i].(time.Time); ok {
			keyvals[i] = t.UTC()
		}
	}
	return u.next.Log(keyvals...)
}
