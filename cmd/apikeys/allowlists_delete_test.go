package main

import (
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// TestAllowListsDeleteDryRunCLI: `allowlists delete --dry-run` names the keys
// and addresses a delete would refuse (a key keeping another list), in text
// and JSON, and deletes nothing; without --yes the delete still asks.
func TestAllowListsDeleteDryRunCLI(t *testing.T) {
	c := newCLI(t)
	k := c.createKey("Sync", "import", "+30d")
	b := c.openBackend()
	for _, addr := range []string{"192.0.2.1", "198.51.100.7"} {
		if res, err := b.Verify(t.Context(), k.Secret, model.KeyImport, addr); err != nil || !res.Valid {
			t.Fatalf("verify from %s: %+v, %v", addr, res, err)
		}
	}
	if err := b.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.ok("allowlists", "create", "--name", "Office", "--entry", "192.0.2.0/24")
	c.ok("allowlists", "create", "--name", "Lab", "--entry", "198.51.100.0/24")
	c.ok("allowlists", "link", "Office", k.Key.ID)
	c.ok("allowlists", "link", "Lab", k.Key.ID)

	out := c.ok("allowlists", "delete", "Lab", "--dry-run")
	if !strings.Contains(out, "Dry run, nothing changed") || !strings.Contains(out, k.Key.ID) || !strings.Contains(out, "198.51.100.7") || strings.Contains(out, "192.0.2.1") {
		t.Errorf("delete --dry-run: %q", out)
	}
	dry := okJSON[[]contract.RefusedKey](c, "allowlists", "delete", "Lab", "--dry-run")
	if len(dry) != 1 || dry[0].Key.ID != k.Key.ID || len(dry[0].Refused) != 1 || dry[0].Refused[0].Address != "198.51.100.7" {
		t.Errorf("delete --dry-run --json: %+v", dry)
	}
	if l := okJSON[[]contract.AllowList](c, "allowlists", "list"); len(l) != 2 {
		t.Errorf("a dry run deleted a list: %+v", l)
	}
	if r := c.run("allowlists", "delete", "Lab"); r.code == 0 || !strings.Contains(r.stderr, "without --yes") {
		t.Errorf("delete without --yes: %+v", r)
	}
	if r := c.run("allowlists", "delete", "Nowhere", "--dry-run"); r.code == 0 {
		t.Errorf("delete --dry-run of no list: %+v", r)
	}
	c.ok("allowlists", "delete", "Lab", "--yes")
	if l := okJSON[[]contract.AllowList](c, "allowlists", "list"); len(l) != 1 || l[0].Name != "Office" {
		t.Errorf("after the delete: %+v", l)
	}
}
