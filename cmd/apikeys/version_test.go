package main

import (
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/internal/buildinfo"
)

func TestVersionFlag(t *testing.T) {
	c := newCLI(t)
	r := c.run("--version")
	if r.code != 0 || r.stdout != "apikeys "+buildinfo.Get().String()+"\n" {
		t.Fatalf("--version:\n%s", r)
	}
	if !strings.Contains(r.stdout, "commit ") || !strings.Contains(r.stdout, "built ") {
		t.Errorf("--version should name the commit and build date:\n%s", r)
	}
}
