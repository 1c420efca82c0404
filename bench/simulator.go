package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// serveSimulator is the harness's simulate subcommand: the Marketplace simulator in its own
// process, so that the exporter's memory and CPU are measured apart from it. Besides the API
// it serves GET /-/bench/requests (the request count of every endpoint, as JSON) and
// POST /-/bench/reset.
func serveSimulator(args []string) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	var opts marketplacetest.Options
	fs.IntVar(&opts.Apps, "apps", 0, "apps of the vendor (0: the simulator's default)")
	fs.IntVar(&opts.Licenses, "licenses", 0, "licenses over the history (0: the simulator's default)")
	fs.IntVar(&opts.Transactions, "transactions", 0, "transactions over the history (0: follows from the licenses)")
	fs.DurationVar(&opts.Latency, "latency", 0, "latency added to every request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sim, err := marketplacetest.New(opts)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /-/bench/requests", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(sim.RequestCounts())
	})
	mux.HandleFunc("POST /-/bench/reset", func(w http.ResponseWriter, _ *http.Request) {
		sim.ResetCounts()
	})
	mux.Handle("/", sim)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// The parent reads this line to learn the address.
	fmt.Printf("listening on http://%s\n", l.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(l)
}

// simulator is a simulator child process seen from the harness.
type simulator struct{ *child }

func startSimulator(self string, args ...string) (*simulator, error) {
	c, err := startChild("simulator", self, nil, append([]string{"simulate"}, args...)...)
	if err != nil {
		return nil, err
	}
	return &simulator{c}, nil
}

// requests returns the request count of every endpoint since the last reset.
func (s *simulator) requests() (map[string]int, error) {
	resp, err := http.Get(s.base + "/-/bench/requests")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var counts map[string]int
	return counts, json.NewDecoder(resp.Body).Decode(&counts)
}

// total is the number of requests since the last reset.
func (s *simulator) total() (int, error) {
	counts, err := s.requests()
	n := 0
	for _, c := range counts {
		n += c
	}
	return n, err
}

func (s *simulator) reset() error {
	resp, err := http.Post(s.base+"/-/bench/reset", "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
