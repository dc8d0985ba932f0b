package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestServeLogger(t *testing.T) {
	tests := []struct {
		format, level string
		wantInfo      bool   // an Info line is written
		prefix        string // how a line starts
		err           string
	}{
		{"text", "info", true, "time=", ""},
		{"json", "info", true, `{"time":`, ""},
		{"json", "debug", true, `{"time":`, ""},
		{"text", "warn", false, "", ""},
		{"json", "ERROR", false, "", ""},
		{"text", "loud", false, "", "--log-level must be debug, info, warn or error"},
		{"xml", "info", false, "", "--log-format must be text or json"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		log, err := serveLogger(&buf, tt.format, tt.level)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s/%s: err %v, want %q", tt.format, tt.level, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s/%s: %v", tt.format, tt.level, err)
		}
		log.Info("hello")
		if got := buf.Len() > 0; got != tt.wantInfo || !strings.HasPrefix(buf.String(), tt.prefix) {
			t.Errorf("%s/%s: info written %v (%q), want %v", tt.format, tt.level, got, buf.String(), tt.wantInfo)
		}
		log.Error("boom")
		if !strings.Contains(buf.String(), "boom") {
			t.Errorf("%s/%s: error line missing", tt.format, tt.level)
		}
	}
}

func TestServeTLSFlags(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	crt, key := dir+"/tls.crt", dir+"/tls.key"
	writeCert(t, crt, key, "a.test")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--tls-cert", crt}, exitUsage, "--tls-cert and --tls-key go together"},
		{[]string{"--tls-key", key}, exitUsage, "--tls-cert and --tls-key go together"},
		{[]string{"--tls-cert", crt, "--tls-key", key}, exitUsage, "--tls-cert needs --http-addr"},
		{[]string{"--tls-cert", key, "--tls-key", crt, "--http-addr", "127.0.0.1:0"}, exitRefused, "tls: load"},
		{[]string{"--log-level", "chatty"}, exitUsage, "--log-level must be"},
	}
	for _, tt := range tests {
		r := c.run(append([]string{"serve", "--ssh-addr", "127.0.0.1:0"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("serve %v: want exit %d and %q:\n%s", tt.args, tt.code, tt.want, r)
		}
	}
}
