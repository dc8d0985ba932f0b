package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/server/certs"
)

func pair(t *testing.T, dir, name string, notAfter time.Time) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

// A reload that fails for any reason leaves the served certificate as it was.
func TestReloadKeepsTheOldCertificate(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "live")
	os.Mkdir(live, 0o700)
	goodCrt, goodKey := pair(t, dir, "good", time.Now().Add(24*time.Hour))
	otherCrt, _ := pair(t, dir, "other", time.Now().Add(24*time.Hour))
	oldCrt, oldKey := pair(t, dir, "old", time.Now().Add(-time.Hour))
	crt, key := filepath.Join(live, "tls.crt"), filepath.Join(live, "tls.key")
	cp := func(from, to string) {
		b, _ := os.ReadFile(from)
		os.WriteFile(to, b, 0o600)
	}
	cp(goodCrt, crt)
	cp(goodKey, key)
	r, err := certs.Load(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, crt, key, want string
	}{
		{"key of another certificate", otherCrt, goodKey, "private key does not match"},
		{"expired", oldCrt, oldKey, "expired"},
		{"garbage", "/dev/null", goodKey, "failed to find any PEM data"},
	}
	for _, tt := range tests {
		cp(tt.crt, crt)
		cp(tt.key, key)
		if _, err := r.Reload(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
		if cn := r.Current().Subject.CommonName; cn != "good" {
			t.Errorf("%s: serving %s, want good", tt.name, cn)
		}
		got, err := r.TLSConfig().GetCertificate(nil)
		if err != nil || got.Leaf.Subject.CommonName != "good" {
			t.Errorf("%s: handshake certificate %v %v", tt.name, got.Leaf.Subject, err)
		}
	}
	if _, err := certs.Load(otherCrt, goodKey); err == nil {
		t.Error("Load accepted a mismatched pair")
	}
}
