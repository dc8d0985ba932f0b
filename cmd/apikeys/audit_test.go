package main

import (
	"strings"
	"testing"
)

// audit --actor and --key ask the store for one member's or one key's events;
// a member is named by email (any case) or id, as everywhere.
func TestAuditByActorAndKey(t *testing.T) {
	c := newCLI(t)
	k := c.createKey("Nightly export", "export", "+90d")
	other := c.createKey("Other", "import", "+90d")
	c.ok("keys", "edit", k.Key.ID, "--name", "Nightly export (prod)")
	c.ok("keys", "rotate", other.Key.ID, "--grace", "now")
	typesOf := func(args ...string) string {
		t.Helper()
		var types []string
		for _, e := range okJSON[[]eventJSON](c, append([]string{"audit"}, args...)...) {
			types = append(types, e.EventType)
		}
		return strings.Join(types, " ")
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--key", k.Key.ID}, "ApiKeyUpdated ApiKeyCreated"},
		{[]string{"--key", other.Key.ID}, "ApiKeyRotated ApiKeyCreated"},
		{[]string{"--key", k.Key.ID, "--type", "ApiKeyCreated"}, "ApiKeyCreated"},
		{[]string{"--actor", "olive@localhost", "--key", k.Key.ID}, "ApiKeyUpdated ApiKeyCreated"},
		{[]string{"--actor", "OLIVE@localhost", "--type", "ApiKeyCreated"}, "ApiKeyCreated ApiKeyCreated"},
		{[]string{"--actor", "system", "--key", k.Key.ID}, ""},
		{[]string{"--key", "key_nothing"}, ""},
	} {
		if got := typesOf(tt.args...); got != tt.want {
			t.Errorf("audit %s: %q, want %q", strings.Join(tt.args, " "), got, tt.want)
		}
	}
	if out := c.ok("audit", "--key", "key_nothing"); out != "No audit events match.\n" {
		t.Errorf("no match said %q", out)
	}
	refused(t, c.run("audit", "--actor", "nobody@example.com"), "No member “nobody@example.com”")
}

// An empty --actor or --key (an unset shell variable: --actor "$WHO") is
// refused, as the HTTP API refuses an empty actorId or keyId: taken as no
// filter, it listed everyone's events under a filter the reader thought on.
func TestAuditEmptyFilterRefused(t *testing.T) {
	c := newCLI(t)
	c.createKey("Nightly export", "export", "+90d")
	for _, args := range [][]string{{"--actor", ""}, {"--actor", "  "}, {"--key", ""}, {"--key", "\t"}} {
		r := c.run(append([]string{"audit"}, args...)...)
		if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, args[0]+" is empty") {
			t.Errorf("audit %q: %v", args, r)
		}
	}
}
