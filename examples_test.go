package main

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v2"
)

// TestExamplesMatchTheExporter checks examples/ and the Dockerfile against the exporter as
// built (dashboards/examples_test.go checks the paths they name and that the YAML parses): the
// compose file's command line is one the exporter accepts, runs the demo and listens on all
// interfaces of the container on the default port, which is the port published, exposed and
// scraped; the image's entrypoint is the binary the build stage makes.
func TestExamplesMatchTheExporter(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Command []string `yaml:"command"`
			Ports   []string `yaml:"ports"`
			Build   struct {
				Context    string `yaml:"context"`
				Dockerfile string `yaml:"dockerfile"`
			} `yaml:"build"`
		} `yaml:"services"`
	}
	readYAML(t, "examples/docker-compose.yml", &compose)
	exporter, ok := compose.Services["exporter"]
	if !ok {
		t.Fatal("examples/docker-compose.yml has no exporter service")
	}
	cfg, code, err := parseFlags(exporter.Command, io.Discard, io.Discard)
	if err != nil || code >= 0 {
		t.Fatalf("the exporter refuses the compose command %q: %v (exit %d)", exporter.Command, err, code)
	}
	if !cfg.demo {
		t.Errorf("the compose command %q does not run the demo", exporter.Command)
	}
	// --demo alone listens on 127.0.0.1, which a published port cannot reach.
	if got := *cfg.web.WebListenAddresses; !slices.Equal(got, []string{":" + defaultPort}) {
		t.Errorf("the compose exporter listens on %q, want [\":%s\"]: all interfaces of the container, the default port", got, defaultPort)
	}
	if !slices.Contains(exporter.Ports, defaultPort+":"+defaultPort) {
		t.Errorf("the compose exporter publishes %q, not %s:%s", exporter.Ports, defaultPort, defaultPort)
	}
	if exporter.Build.Context != ".." || exporter.Build.Dockerfile != "Dockerfile" {
		t.Errorf("the compose exporter builds %s/%s, not the repository's Dockerfile", exporter.Build.Context, exporter.Build.Dockerfile)
	}

	var prom struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, "examples/prometheus.yml", &prom)
	for _, sc := range prom.ScrapeConfigs {
		for _, s := range sc.StaticConfigs {
			for _, target := range s.Targets {
				if _, port, err := net.SplitHostPort(target); sc.JobName == "marketplace" && (err != nil || port != defaultPort) {
					t.Errorf("examples/prometheus.yml scrapes %s, not the exporter's port %s", target, defaultPort)
				}
			}
		}
	}

	checkDockerfile(t, "Dockerfile")
}

// checkDockerfile checks that the image exposes the default port and that its entrypoint is
// the binary the build stage makes, copied into the image.
func checkDockerfile(t *testing.T, file string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var expose, entrypoint []string
	var output, built, copied string
	for _, line := range strings.Split(string(raw), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "EXPOSE":
			expose = append(expose, fields[1:]...)
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(strings.TrimPrefix(strings.TrimSpace(line), "ENTRYPOINT")), &entrypoint); err != nil {
				t.Errorf("%s: ENTRYPOINT is not in exec form: %s", file, line)
			}
		case "COPY":
			if len(fields) == 4 && fields[1] == "--from=build" {
				built, copied = fields[2], fields[3]
			}
		}
		if i := slices.Index(fields, "-o"); i >= 0 && i+1 < len(fields) {
			output = fields[i+1] // of go build
		}
	}
	if !strings.HasSuffix(output, "/"+program) {
		t.Errorf("%s: the build stage makes %q, not a %s", file, output, program)
	}
	if built != output {
		t.Errorf("%s: copies %q from the build stage, which makes %q", file, built, output)
	}
	if !slices.Contains(expose, defaultPort) {
		t.Errorf("%s exposes %q, not the default port %s", file, expose, defaultPort)
	}
	if len(entrypoint) == 0 || entrypoint[0] != copied || copied == "" {
		t.Errorf("%s: ENTRYPOINT %q is not the binary copied from the build stage (%s)", file, entrypoint, copied)
	}
}

// readYAML decodes a YAML file of the repository into v.
func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}
