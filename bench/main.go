// Command bench measures marketplace_exporter against the floor, the ideal and a scrape-time
// peer, and prints one Markdown table (make bench; BENCHMARKS.md explains the rows):
//
//  1. scrape cost at three vendor sizes against a handler serving the same bytes from memory;
//  2. a full refresh, with a fixed latency per API request, against ceil(requests/concurrency)
//     round trips;
//  3. peak memory of the exporter process for a vendor with many licenses, at two volumes;
//  4. API requests per hour and scrape latency against json_exporter at 15 s scrapes;
//
// and the Go benchmarks of the hot paths. It lives in its own module so that json_exporter
// never becomes a dependency of the exporter. Progress goes to stderr, the table to stdout.
//
// "bench simulate [flags]" serves the Marketplace simulator; the harness runs it as a child
// process.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("bench: ")
	if len(os.Args) > 1 && os.Args[1] == "simulate" {
		if err := serveSimulator(os.Args[2:]); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

// config is the harness's command line.
type config struct {
	repo, benchDir string
	quick          bool
	only           map[string]bool
}

func run(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	repo := fs.String("repo", "..", "root of the marketplace_exporter repository")
	quick := fs.Bool("quick", false, "a short run that only checks that every measurement works (CI)")
	only := fs.String("only", "scrape,refresh,exports,peer,go", "measurements to run, comma-separated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := config{quick: *quick, only: map[string]bool{}}
	for _, m := range strings.Split(*only, ",") {
		cfg.only[strings.TrimSpace(m)] = true
	}
	var err error
	if cfg.repo, err = filepath.Abs(*repo); err != nil {
		return err
	}
	if cfg.benchDir, err = os.Getwd(); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "marketplace-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	var r report
	sizes := []vendorSize{{"small", 2}, {"medium", 20}, {"large", 100}}
	scrapes, hour, licenses := 400, int(time.Hour/scrapeInterval), []int{10_000, 100_000}
	if cfg.quick {
		sizes, scrapes, hour, licenses = []vendorSize{{"small", 2}}, 20, 8, []int{1_000, 2_000}
	}
	if cfg.only["scrape"] {
		if err := measureScrape(&r, sizes, sizes[len(sizes)-1].name, scrapes); err != nil {
			return fmt.Errorf("scrape: %w", err)
		}
	}
	needBinary := cfg.only["refresh"] || cfg.only["exports"] || cfg.only["peer"]
	var bin string
	if needBinary {
		log.Print("building the exporter")
		bin = filepath.Join(tmp, "marketplace_exporter")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Dir = cfg.repo
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("building the exporter: %v\n%s", err, out)
		}
	}
	if cfg.only["refresh"] || cfg.only["peer"] {
		apps := 20
		if cfg.quick {
			apps = 2
		}
		refresh, err := measureRefresh(&r, self, bin, apps, 200*time.Millisecond)
		if err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
		if cfg.only["peer"] {
			log.Print("building json_exporter")
			peer, err := buildPeer(cfg.benchDir, tmp)
			if err == nil {
				err = measurePeer(&r, refresh, peer, filepath.Join(cfg.benchDir, "json_exporter.yml"), hour)
			}
			if err != nil {
				refresh.stop()
				return fmt.Errorf("peer: %w", err)
			}
		}
		refresh.stop()
	}
	if cfg.only["exports"] {
		if err := measureExports(&r, self, bin, licenses[0], licenses[1]); err != nil {
			return fmt.Errorf("exports: %w", err)
		}
	}
	if cfg.only["go"] {
		benchtime := "300ms"
		if cfg.quick {
			benchtime = "1x"
		}
		if err := runGoBenchmarks(&r, cfg.repo, benchtime); err != nil {
			return err
		}
	}
	fmt.Printf("Machine: %d CPUs (%s), %s, %s. Ran in %s.\n\n", runtime.NumCPU(), cpuModel(), goVersion(), runtime.GOOS+"/"+runtime.GOARCH, time.Since(start).Round(time.Second))
	r.print(os.Stdout)
	return nil
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// goVersion is the toolchain that built the exporter.
func goVersion() string {
	out, err := exec.Command("go", "version").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(strings.TrimPrefix(string(out), "go version "))
}
