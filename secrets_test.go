package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/marketplace-exporter/marketplace_exporter/marketplace/marketplacetest"
)

// secretFault is one phase of TestSecretsNeverLeak: a misbehaviour of the Marketplace the
// exporter lives through at debug log level.
type secretFault struct {
	name  string
	fault marketplacetest.Fault
	echo  bool // the API echoes the credentials back in its error messages
}

var secretFaults = []secretFault{
	{name: "healthy"},
	{name: "429", fault: marketplacetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second}},
	{name: "502", fault: marketplacetest.Fault{Status: http.StatusBadGateway}},
	{name: "503", fault: marketplacetest.Fault{Status: http.StatusServiceUnavailable}},
	{name: "504", fault: marketplacetest.Fault{Status: http.StatusGatewayTimeout}},
	{name: "dropped connections", fault: marketplacetest.Fault{Drop: true}},
	{name: "hang", fault: marketplacetest.Fault{Hang: true}},
	{name: "truncated", fault: marketplacetest.Fault{Truncate: true}},
	{name: "not JSON", fault: marketplacetest.Fault{Malformed: true}},
	{name: "wrong types", fault: marketplacetest.Fault{Rewrite: func(b []byte) []byte {
		return regexp.MustCompile(`:(-?[0-9][0-9.]*)`).ReplaceAll(b, []byte(`:"$1"`))
	}}},
	{name: "401", fault: marketplacetest.Fault{Status: http.StatusUnauthorized}},
	{name: "403", fault: marketplacetest.Fault{Status: http.StatusForbidden}},
	{name: "credentials echoed", echo: true},
}

// TestSecretsNeverLeak runs the exporter binary at debug log level against a Marketplace that
// goes through every fault, one after the other, and one that echoes the credentials in its
// error messages. Neither the token, nor its Basic header value, nor the word Authorization may
// show in the log (stdout and stderr), /metrics, the probes or the landing page; nor may any
// customer's email, name, company or license id, which the license export carries.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	const user = "vendor-admin@example.com"
	token := "tok-" + rand.Text()
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + token))

	sim, err := marketplacetest.New(marketplacetest.Options{User: user, Token: token, Apps: 2, HistoryDays: 120})
	if err != nil {
		t.Fatal(err)
	}
	var echo atomic.Bool
	var echoed atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if echo.Load() {
			echoed.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			msg := fmt.Sprintf("bad request with Authorization: %s (token %s)", r.Header.Get("Authorization"), token)
			json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"message": msg}}})
			return
		}
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()

	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{
		"--web.listen-address=127.0.0.1:0", "--log.level=debug", "--marketplace.url=" + srv.URL,
		"--marketplace.vendor-id=12345", "--marketplace.token-file=" + tokenFile,
	}
	// Every collector refreshes each second, so that each fault meets all of them. The
	// interval is also the refresh deadline, which ends the hangs.
	for _, name := range []string{"apps", "benchmarks", "cloud", "evaluations", "feedback", "licenses", "mrr", "sales"} {
		args = append(args, "--collector."+name+".interval=1s")
	}
	e := startExporter(t, buildExporter(t), []string{"MARKETPLACE_USER=" + user}, args...)

	var served strings.Builder // everything the exporter answered over HTTP
	visit := func() {
		for _, path := range []string{"/metrics", "/", "/-/ready", "/-/healthy"} {
			_, body := get(t, e.client, e.base+path)
			served.WriteString(body)
		}
	}
	total := func() int {
		n := 0
		for _, c := range sim.RequestCounts() {
			n += c
		}
		return n + int(echoed.Load())
	}
	for _, f := range secretFaults {
		sim.ClearFaults()
		if f.name != "healthy" && !f.echo {
			sim.InjectFault(marketplacetest.AllEndpoints, f.fault)
		}
		echo.Store(f.echo)
		// Enough requests for every collector to have met the fault.
		phase := time.Now()
		want := total() + 16
		deadline := time.Now().Add(60 * time.Second)
		for total() < want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the exporter sent no requests for 60s", f.name)
			}
			visit()
			time.Sleep(50 * time.Millisecond)
		}
		visit()
		t.Logf("%s: %v", f.name, time.Since(phase).Round(time.Millisecond))
	}
	sim.ClearFaults()
	echo.Store(false)
	e.stop(t)

	logs := e.logs.String()
	if !strings.Contains(logs, `"level":"debug"`) {
		t.Fatal("no debug line in the log: the test did not run at debug level")
	}
	if !strings.Contains(logs, "rejected the credentials") || !strings.Contains(logs, "Basic [REDACTED]") {
		t.Error("the log shows neither the credential failure nor the redacted echo: did the faults happen?")
	}
	// The echo phase puts the word Authorization in the API's messages; the header's value is
	// what must never show.
	for what, text := range map[string]string{"the log": logs, "the HTTP answers": served.String()} {
		for _, secret := range []string{token, basic} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contain %q", what, secret)
			}
		}
		for _, pii := range customerData(sim.Data()) {
			if strings.Contains(text, pii) {
				t.Errorf("%s contain customer data %q", what, pii)
			}
		}
	}
}

// customerData returns the personal data and license ids of the simulator's customers: what
// the exporter reads in the license export and must never show.
func customerData(d *marketplacetest.Dataset) []string {
	seen := map[string]bool{}
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			// Short values (a country code, "Jo") could be part of anything.
			if len(v) >= 8 && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	for _, l := range d.Licenses {
		c := l.Customer
		add(l.LicenseID, l.AddonLicenseID, l.AppEntitlementID, l.AppEntitlementNumber, l.HostLicenseID,
			l.CloudID, l.CloudSiteHostname, c.Company,
			c.TechnicalContact.Name, c.TechnicalContact.Email, c.BillingContact.Name, c.BillingContact.Email)
		if p := l.Partner; p != nil {
			add(p.Contact.Name, p.Contact.Email)
		}
	}
	for _, tx := range d.Transactions {
		add(tx.TransactionID)
	}
	return out
}

// TestTLSAndBasicAuth serves /metrics over TLS with basic auth (--web.config.file), with a
// certificate made for the test: a scrape without credentials is refused, one with them served,
// and plain HTTP gets nothing.
func TestTLSAndBasicAuth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certPEM, keyPEM := selfSignedCert(t)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	const password = "correct horse battery staple"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := filepath.Join(dir, "web.yml")
	for path, content := range map[string][]byte{
		certFile:  certPEM,
		keyFile:   keyPEM,
		webConfig: fmt.Appendf(nil, "tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: %s\n", certFile, keyFile, hash),
	} {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	e := startExporter(t, buildExporter(t), nil, "--demo", "--web.listen-address=127.0.0.1:0", "--web.config.file="+webConfig)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	url := "https://" + strings.TrimPrefix(e.base, "http://") + "/metrics"

	scrape := func(user, pass string) int {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		user, pass string
		want       int
	}{
		{"", "", http.StatusUnauthorized},
		{"prometheus", "wrong", http.StatusUnauthorized},
		{"someone", password, http.StatusUnauthorized},
		{"prometheus", password, http.StatusOK},
	} {
		if got := scrape(tc.user, tc.pass); got != tc.want {
			t.Errorf("scrape as %q/%q: status %d, want %d", tc.user, tc.pass, got, tc.want)
		}
	}
	// Plain HTTP to the TLS port gets no metrics.
	if resp, err := e.client.Get(e.base + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP was served")
		}
	}
	e.stop(t)
	if strings.Contains(e.logs.String(), password) || strings.Contains(e.logs.String(), string(hash)) {
		t.Error("the log shows the password or its hash")
	}
}

// selfSignedCert makes an ECDSA certificate for 127.0.0.1, valid for an hour.
func selfSignedCert(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "marketplace_exporter test"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:         true,
		// Self-signed: it is its own CA.
		BasicConstraintsValid: true,
	}
	tmpl.KeyUsage |= x509.KeyUsageCertSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// TestSIGTERMDuringRefreshAndScrapes stops the binary while a refresh hangs on the API and
// scrapes are in flight: it must exit promptly with status 0.
func TestSIGTERMDuringRefreshAndScrapes(t *testing.T) {
	t.Parallel()
	srv, err := marketplacetest.NewServer(marketplacetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.InjectFault("licenses_export", marketplacetest.Fault{Hang: true})
	e := startExporter(t, buildExporter(t), []string{"MARKETPLACE_USER=" + marketplacetest.DefaultUser, tokenEnv + "=" + marketplacetest.DefaultToken},
		"--web.listen-address=127.0.0.1:0", "--marketplace.url="+srv.URL, "--marketplace.vendor-id=12345")
	deadline := time.Now().Add(30 * time.Second)
	for srv.Requests("licenses_export") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the license refresh never reached the API")
		}
		time.Sleep(10 * time.Millisecond)
	}

	var (
		wg      sync.WaitGroup
		scraped atomic.Int64
	)
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if resp, err := e.client.Get(e.base + "/metrics"); err == nil {
					resp.Body.Close()
					scraped.Add(1)
				}
			}
		})
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for scraped.Load() < 16 { // the scrapers are going
		if time.Now().After(deadline) {
			t.Fatal("no scrapes answered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	e.stop(t) // SIGTERM, then status 0 within 30s
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(e.logs.String(), "stopped") {
		t.Error("the log does not say the exporter stopped")
	}
}

// TestRunStopsCleanly runs the exporter in process, SIGTERMs it during a hanging refresh and
// scrapes, and checks that run returns 0 and leaves no goroutine behind.
func TestRunStopsCleanly(t *testing.T) {
	srv, err := marketplacetest.NewServer(marketplacetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.InjectFault("licenses_export", marketplacetest.Fault{Hang: true})
	t.Setenv(tokenEnv, marketplacetest.DefaultToken)
	t.Setenv("MARKETPLACE_USER", marketplacetest.DefaultUser)

	// os/signal starts its watcher goroutine on first use, for good: start it before counting.
	warm := make(chan os.Signal, 1)
	signal.Notify(warm, syscall.SIGUSR1)
	signal.Stop(warm)
	before, _ := settledRuntime()
	var logs logBuffer
	code := make(chan int, 1)
	go func() {
		code <- run([]string{"--web.listen-address=127.0.0.1:0", "--marketplace.url=" + srv.URL,
			"--marketplace.vendor-id=12345", "--log.format=json"}, &logs, &logs)
	}()
	addr := regexp.MustCompile(`"address":"(127\.0\.0\.1:[0-9]+)"`)
	deadline := time.Now().Add(30 * time.Second)
	var base string
	for base == "" || srv.Requests("licenses_export") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not listening with a refresh in flight after 30s; log:\n%s", logs.String())
		}
		if m := addr.FindStringSubmatch(logs.String()); m != nil {
			base = "http://" + m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for range 5 {
		if code, _ := get(t, client, base+"/metrics"); code != http.StatusOK {
			t.Fatalf("/metrics: status %d", code)
		}
	}
	client.CloseIdleConnections()
	// run registered for SIGTERM before it logged its address.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-code:
		if c != exitOK {
			t.Fatalf("run returned %d, want 0; log:\n%s", c, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return 30s after SIGTERM")
	}
	srv.Close() // ends the simulator's side of the connections
	after := waitGoroutines(t, before)
	t.Logf("goroutines before run %d, after %d", before, after)
}

// logBuffer is an io.Writer that run's logger and the test may use at once.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
