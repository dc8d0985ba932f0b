package main

import (
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

func TestAllowListsCLI(t *testing.T) {
	c := newCLI(t)
	if out := c.ok("allowlists", "list"); !strings.Contains(out, "No IP allow lists yet") {
		t.Errorf("empty list: %q", out)
	}
	if got := okJSON[[]contract.AllowList](c, "allowlists", "list"); got == nil || len(got) != 0 {
		t.Errorf("empty list --json = %#v, want []", got)
	}
	refused(t, c.run("allowlists", "create", "--name", "Office", "--entry", "10.0.0.7/24"), "10.0.0.7/24 has host bits set; did you mean 10.0.0.0/24?")
	l := okJSON[contract.AllowList](c, "allowlists", "create", "--name", "Office", "--entry", "198.51.100.0/24,2001:db8::1", "--description", "HQ")
	if l.Name != "Office" || strings.Join(l.Entries, " ") != "198.51.100.0/24 2001:db8::1/128" || l.Default || len(l.KeyIDs) != 0 {
		t.Fatalf("created %+v", l)
	}
	refused(t, c.run("allowlists", "create", "--name", "office", "--entry", "10.0.0.0/8"), "already exists")

	k := c.createKey("Nightly", "import", "+30d")
	if out := c.ok("allowlists", "link", "office", k.Key.ID); out != "Linked 1 key; IP allow list “Office” now restricts 1 key.\n" {
		t.Errorf("link printed %q", out)
	}
	list := okJSON[[]contract.AllowList](c, "allowlists", "list")
	if len(list) != 1 || len(list[0].KeyIDs) != 1 || list[0].KeyIDs[0] != k.Key.ID {
		t.Errorf("list after link: %+v", list)
	}
	res, err := c.openBackend().Verify(t.Context(), k.Secret, model.KeyImport, "203.0.113.9")
	if err != nil || res.Valid || res.Reason != "ip_not_allowed" {
		t.Errorf("a linked key from outside: %+v, %v", res, err)
	}

	edited := okJSON[contract.AllowList](c, "allowlists", "edit", l.ID, "--add-entry", "203.0.113.0/24", "--remove-entry", "2001:db8::1", "--name", "HQ")
	if edited.Name != "HQ" || strings.Join(edited.Entries, " ") != "198.51.100.0/24 203.0.113.0/24" || edited.Version != 2 {
		t.Errorf("edited %+v", edited)
	}
	refused(t, c.run("allowlists", "edit", "HQ", "--remove-entry", "192.0.2.0/24"), "is not an entry of")
	if r := c.run("allowlists", "edit", "HQ"); r.code != exitUsage {
		t.Errorf("edit with nothing to change: %v", r)
	}

	if d := okJSON[contract.AllowList](c, "allowlists", "default", "hq"); !d.Default {
		t.Errorf("default: %+v", d)
	}
	if r := c.run("allowlists", "default"); r.code != exitUsage {
		t.Errorf("default without LIST or --none: %v", r)
	}
	if out := c.ok("allowlists", "default", "--none"); !strings.Contains(out, "No default IP allow list") {
		t.Errorf("default --none: %q", out)
	}
	c.ok("allowlists", "unlink", "HQ", k.Key.ID)

	refused(t, c.run("allowlists", "delete", "HQ"), "without --yes")
	if out := c.ok("allowlists", "delete", "HQ", "--yes"); !strings.Contains(out, "Deleted IP allow list “HQ”") {
		t.Errorf("delete: %q", out)
	}
	refused(t, c.run("allowlists", "delete", "HQ", "--yes"), "No IP allow list")

	audit := c.ok("audit", "--type", "IpAllowListUpdated")
	if !strings.Contains(audit, "IpAllowListUpdated") || !strings.Contains(audit, "203.0.113.0/24") {
		t.Errorf("audit: %q", audit)
	}
}

// TestAllowListsCLIRefusesBuilders: a builder is told what is needed.
func TestAllowListsCLIRefusesBuilders(t *testing.T) {
	c := newCLI(t)
	c.ok("members", "add", "--name", "Bo", "--email", "bo@example.com", "--type", "builder")
	refused(t, c.run("--as", "bo@example.com", "allowlists", "create", "--name", "x", "--entry", "10.0.0.0/8"),
		"You need to be a Workspace Admin or Security Admin to manage IP allow lists.")
}
