package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// TestFlagValidation checks that every bad flag stops the exporter with exit status 2 and a
// message naming the flag, before anything is started.
func TestFlagValidation(t *testing.T) {
	dir := t.TempDir()
	emptyToken := filepath.Join(dir, "empty")
	if err := os.WriteFile(emptyToken, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeFile := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badYAML := writeFile("bad.yml", "tls_server_config: [unclosed\n")
	unknownKey := writeFile("unknown.yml", "basic_auth_users:\n  admin: x\nno_such_setting: 1\n")
	missingCert := writeFile("nocert.yml", "tls_server_config:\n  cert_file: "+filepath.Join(dir, "none.crt")+"\n  key_file: "+filepath.Join(dir, "none.key")+"\n")
	// Valid credentials that the cases below spoil one flag at a time.
	withCreds := func(args []string) []string {
		out := []string{"--marketplace.user=me@example.com"}
		if !strings.Contains(strings.Join(args, " "), "--marketplace.vendor-id") {
			out = append(out, "--marketplace.vendor-id=12345")
		}
		return append(out, args...)
	}

	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string // substrings of the message
	}{
		{"vendor id not a number", []string{"--marketplace.vendor-id=acme"}, nil, []string{"--marketplace.vendor-id", `"acme"`}},
		{"vendor id negative", []string{"--marketplace.vendor-id=-5"}, nil, []string{"--marketplace.vendor-id"}},
		{"developer id not a UUID", []string{"--marketplace.developer-id=1234"}, nil, []string{"--marketplace.developer-id", "UUID"}},
		{"window not a week multiple", []string{"--window=10d"}, nil, []string{"--window", "multiple of 7 days"}},
		{"window zero", []string{"--window=0d"}, nil, []string{"--window"}},
		{"window garbage", []string{"--window=weekly"}, nil, []string{"--window"}},
		{"interval zero", []string{"--collector.sales.interval=0s"}, nil, []string{"--collector.sales.interval", "positive"}},
		{"interval not a duration", []string{"--collector.sales.interval=often"}, nil, []string{"collector.sales.interval"}},
		{"unknown API generation", []string{"--marketplace.api=v4"}, nil, []string{"--marketplace.api", "v2 or v3"}},
		{"token file missing", []string{"--marketplace.token-file=" + filepath.Join(dir, "nope")}, nil, []string{"--marketplace.token-file", "cannot read"}},
		{"token file a directory", []string{"--marketplace.token-file=" + dir}, nil, []string{"--marketplace.token-file"}},
		{"window a day", []string{"--window=1d"}, nil, []string{"--window", `"1d"`, "multiple of 7 days"}},
		{"window not whole days", []string{"--window=36h"}, nil, []string{"--window", "multiple of 7 days"}},
		{"window negative", []string{"--window=-7d"}, nil, []string{"--window"}},
		{"interval negative", []string{"--collector.licenses.interval=-1h"}, nil, []string{"--collector.licenses.interval", "positive"}},
		{"web config not YAML", []string{"--web.config.file=" + badYAML}, nil, []string{"--web.config.file"}},
		{"web config unknown setting", []string{"--web.config.file=" + unknownKey}, nil, []string{"--web.config.file", "no_such_setting"}},
		{"web config missing certificate", []string{"--web.config.file=" + missingCert}, nil, []string{"--web.config.file"}},
		{"token file empty", []string{"--marketplace.token-file=" + emptyToken}, nil, []string{"--marketplace.token-file", "empty"}},
		{"log level", []string{"--log.level=loud"}, nil, []string{"--log.level"}},
		{"log format", []string{"--log.format=xml"}, nil, []string{"--log.format"}},
		{"concurrency zero", []string{"--marketplace.concurrency=0"}, nil, []string{"--marketplace.concurrency"}},
		{"concurrency not a number", []string{"--marketplace.concurrency=many"}, nil, []string{"--marketplace.concurrency"}},
		{"url scheme", []string{"--marketplace.url=ftp://example.com"}, nil, []string{"--marketplace.url"}},
		{"url with credentials", []string{"--marketplace.url=https://me:secret@example.com"}, nil, []string{"--marketplace.url", "credentials"}},
		{"telemetry path", []string{"--web.telemetry-path=metrics"}, nil, []string{"--web.telemetry-path"}},
		{"web config missing", []string{"--web.config.file=" + filepath.Join(dir, "web.yml")}, nil, []string{"--web.config.file"}},
		{"empty addon", []string{"--marketplace.addon="}, nil, []string{"--marketplace.addon"}},
		{"all collectors off", []string{"--no-collector.apps", "--no-collector.benchmarks", "--no-collector.cloud", "--no-collector.evaluations",
			"--no-collector.feedback", "--no-collector.licenses", "--no-collector.mrr", "--no-collector.sales"}, nil, []string{"collector"}},
		{"unknown flag", []string{"--marketplace.password=x"}, nil, []string{"marketplace.password"}},
		{"no token", nil, map[string]string{tokenEnv: ""}, []string{"--marketplace.token-file", tokenEnv, "--demo"}},
		{"v2 without vendor id", []string{"--marketplace.vendor-id="}, nil, []string{"--marketplace.vendor-id"}},
		{"v3 without any id", []string{"--marketplace.api=v3", "--marketplace.vendor-id="}, nil, []string{"--marketplace.developer-id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tokenEnv, "s3cr3t-token")
			t.Setenv("MARKETPLACE_USER", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(withCreds(tc.args), &stdout, &stderr)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("message does not mention %q:\n%s", w, stderr.String())
				}
			}
			if strings.Contains(stdout.String()+stderr.String(), "s3cr3t-token") {
				t.Error("the token was printed")
			}
		})
	}
}

// TestNoCredentials checks the first thing a new user sees: how to configure the exporter, or
// how to try it with --demo.
func TestNoCredentials(t *testing.T) {
	t.Setenv(tokenEnv, "")
	t.Setenv("MARKETPLACE_USER", "")
	var stdout, stderr bytes.Buffer
	if code := run(nil, &stdout, &stderr); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	for _, w := range []string{"no Marketplace credentials", "--marketplace.user", "MARKETPLACE_USER", "--marketplace.token-file", tokenEnv, "--marketplace.vendor-id", "--demo"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("message does not mention %q:\n%s", w, stderr.String())
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want string
	}{
		{"--help", "--collector.licenses.interval"},
		{"--version", program},
	} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{tc.arg}, &stdout, &stderr); code != exitOK {
			t.Fatalf("%s: exit %d, want 0; stderr:\n%s", tc.arg, code, stderr.String())
		}
		if !strings.Contains(stdout.String(), tc.want) {
			t.Errorf("%s output does not mention %q:\n%s", tc.arg, tc.want, stdout.String())
		}
	}
}

// TestReadinessFollowsFirstRefresh checks the probes around the first refresh: healthy and
// scrapable at once, ready only when every collector has had its first attempt.
func TestReadinessFollowsFirstRefresh(t *testing.T) {
	srv, err := marketplacetest.NewServer(marketplacetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	exp, h := simExporter(t, srv, nil)
	status := func(path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	for path, want := range map[string]int{"/-/healthy": 200, "/-/ready": 503, "/metrics": 200, "/": 200} {
		if got := status(path); got != want {
			t.Errorf("before the first refresh: %s = %d, want %d", path, got, want)
		}
	}

	defer runExporter(exp)()
	deadline := time.Now().Add(30 * time.Second)
	for status("/-/ready") != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("not ready 30s after the refreshes started")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
