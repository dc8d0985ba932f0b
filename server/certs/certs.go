// Package certs holds the HTTP listener's TLS certificate and replaces it on
// request (SIGHUP) without a restart. A new certificate that fails to load or
// doesn't match its key leaves the old one serving.
package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Reloader serves the certificate last loaded from a pair of PEM files.
type Reloader struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// Load reads the certificate and key; it fails if either is unreadable, they
// don't match, or the certificate has expired.
func Load(certFile, keyFile string) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile}
	if _, err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload reads the files again and, if they hold a usable certificate, serves it
// from the next handshake on; otherwise the current one stays. It returns the
// certificate now served's leaf.
func (r *Reloader) Reload() (*x509.Certificate, error) {
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: load %s and %s: %w", r.certFile, r.keyFile, err)
	}
	if c.Leaf == nil {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil, fmt.Errorf("tls: parse %s: %w", r.certFile, err)
		}
	}
	if time.Now().After(c.Leaf.NotAfter) {
		return nil, errors.New("tls: " + r.certFile + " expired on " + c.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	r.cur.Store(&c)
	return c.Leaf, nil
}

// Current is the leaf of the certificate being served.
func (r *Reloader) Current() *x509.Certificate { return r.cur.Load().Leaf }

// TLSConfig is the server configuration: TLS 1.2 at least, the certificate
// chosen at each handshake.
func (r *Reloader) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.cur.Load(), nil
		},
	}
}
