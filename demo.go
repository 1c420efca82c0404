package main

import (
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace"
	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// demoDeveloperID is the simulator's developer space in demo mode, fixed so that --demo with
// --marketplace.api=v3 exercises the v3 paths without a lookup.
const demoDeveloperID = "0d6c1e0a-5b1f-4c3e-9a57-4f1f3c2b7d10"

// demoOptions are the simulator's options in demo mode, on the wall clock. The simulator's
// default vendor is sized for this: every week has evaluations, conversions, sales, Cloud
// renewals and feedback, whatever the date (TestDemoFillsEveryWeek).
func demoOptions() marketplacetest.Options {
	return marketplacetest.Options{DeveloperID: demoDeveloperID}
}

// startDemo runs the Marketplace simulator in process on a loopback port, on the wall clock so
// that the data moves on day by day like a real vendor's, and returns client options pointing
// at it with the simulator's own credentials.
func startDemo(cfg *config, logger log.Logger) ([]marketplace.Option, func(), error) {
	srv, err := marketplacetest.NewServer(demoOptions())
	if err != nil {
		return nil, nil, err
	}
	level.Warn(logger).Log("msg", "DEMO MODE: the data is SYNTHETIC, served by the built-in Marketplace simulator, not by Atlassian",
		"simulator", srv.URL, "vendor_id", marketplacetest.DefaultVendorID)
	if cfg.user != "" || cfg.token != "" || cfg.baseURL != "" {
		level.Warn(logger).Log("msg", "demo mode ignores --marketplace.url and the configured credentials")
	}
	opts := []marketplace.Option{
		marketplace.WithBaseURL(srv.URL),
		marketplace.WithAPI(cfg.api),
		marketplace.WithCredentials(marketplacetest.DefaultUser, marketplacetest.DefaultToken),
		marketplace.WithVendorID(marketplacetest.DefaultVendorID),
	}
	if cfg.api == marketplace.APIv3 {
		opts = append(opts, marketplace.WithDeveloperID(demoDeveloperID))
	}
	return opts, srv.Close, nil
}
