package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for name, and its key, as PEM.
func writeCert(t *testing.T, certFile, keyFile, name string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// waitLog waits for a log line matching re, after the first `after` bytes.
func waitLog(t *testing.T, logs *testkit.SyncBuffer, after int, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(serveWait)
	for time.Now().Before(deadline) {
		if s := logs.String(); len(s) > after {
			if m := re.FindStringSubmatch(s[after:]); m != nil {
				return m
			}
		}
		time.Sleep(5 * time.Millisecond) // polling for a condition, not timing
	}
	t.Fatalf("no log line matching %s:\n%s", re, logs.String())
	return nil
}

// An HTTPS round trip; a SIGHUP with a new certificate (the next connection
// sees it), with a broken one (the old one stays, and the log says so), and
// with a lower rate limit in the config file (applied, and logged).
func TestServeTLSAndReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeCert(t, certFile, keyFile, "a.test")
	confFile := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(confFile, []byte("http-rate-limit = 1000\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr testkit.SyncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	a := newApp(e)
	hup := make(chan os.Signal, 1)
	a.hup = hup
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		execute(ctx, a, newRootCmd(a), []string{"serve", "--config", confFile, "--data-dir", dir,
			"--ssh-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--log-format", "json",
			"--tls-cert", certFile, "--tls-key", keyFile})
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitListening(t, &stderr, done)
	m := regexp.MustCompile(`"msg":"http server listening","addr":"([^"]+)","tls":true`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no TLS listener logged:\n%s", stderr.String())
	}
	base := "https://" + m[1]

	// A new client per call: a new connection, so a new handshake.
	get := func(path string) (string, int) {
		t.Helper()
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		defer c.CloseIdleConnections()
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.TLS.PeerCertificates[0].Subject.CommonName, res.StatusCode
	}
	if cn, code := get("/healthz"); cn != "a.test" || code != 200 {
		t.Fatalf("first certificate: %s %d", cn, code)
	}
	if res, err := http.Get("http://" + m[1] + "/healthz"); err == nil && res.StatusCode == 200 {
		t.Errorf("plain HTTP answered 200 on the TLS listener")
	}

	mark := len(stderr.String())
	writeCert(t, certFile, keyFile, "b.test")
	hup <- syscall.SIGHUP
	waitLog(t, &stderr, mark, regexp.MustCompile(`"msg":"config reloaded"`))
	if !strings.Contains(stderr.String()[mark:], `"msg":"tls certificate reloaded"`) {
		t.Errorf("no reload line:\n%s", stderr.String()[mark:])
	}
	if cn, _ := get("/healthz"); cn != "b.test" {
		t.Errorf("after reload the client sees %s, want b.test", cn)
	}

	mark = len(stderr.String())
	if err := os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(confFile, []byte("http-rate-limit = 2\nhttp-addr = \":9\"\nmax-sessions = 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hup <- syscall.SIGHUP
	line := waitLog(t, &stderr, mark, regexp.MustCompile(`\{[^\n]*"msg":"config reloaded"[^\n]*\}`))[0]
	if !strings.Contains(stderr.String()[mark:], `"level":"ERROR","msg":"tls certificate not reloaded; still serving the old one"`) {
		t.Errorf("no line saying the old certificate stays:\n%s", stderr.String()[mark:])
	}
	if !strings.Contains(line, `"applied":"http-rate-limit=2","needs_restart":"max-sessions","set_by_flag":"http-addr"`) {
		t.Errorf("config reload line: %s", line)
	}
	if cn, _ := get("/healthz"); cn != "b.test" {
		t.Errorf("after a broken reload the client sees %s, want b.test still", cn)
	}
	// The new limit holds: a fresh client gets 2 requests, then 429.
	codes := []int{}
	for range 3 {
		_, code := get("/api/v1/openapi.json")
		codes = append(codes, code)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("after lowering http-rate-limit to 2: %v, want 200 200 429", codes)
	}
}
