// Command generate writes the Grafana dashboards of marketplace_exporter as JSON files.
//
// Usage, from the dashboards directory (`go generate ./...` runs it):
//
//	go run ./cmd/generate [-dir DIR]
//
// It writes every dashboard to DIR (default: the current directory) and removes nothing.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/marketplace-exporter/marketplace_exporter/dashboards"
)

func main() {
	dir := flag.String("dir", ".", "directory to write the dashboard JSON files to")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	files, err := dashboards.Generate()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.JSON, 0o644); err != nil {
			return err
		}
	}
	return nil
}
