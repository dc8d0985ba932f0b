package main

import (
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// TestKeyAddressesCLI: `keys addresses`, `--dry-run` on link, edit and default
// (changing nothing), `allowlists create --from-key`, and `keys list --json`
// with each key's allowLists.
func TestKeyAddressesCLI(t *testing.T) {
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
	as := okJSON[[]contract.KeyAddress](c, "keys", "addresses", k.Key.ID)
	if len(as) != 2 || as[0].Uses != 1 {
		t.Fatalf("keys addresses --json: %+v", as)
	}
	if out := c.ok("keys", "addresses", k.Key.ID); !strings.Contains(out, "192.0.2.1") || !strings.Contains(out, "198.51.100.7") {
		t.Errorf("keys addresses: %q", out)
	}

	c.ok("allowlists", "create", "--name", "Office", "--entry", "192.0.2.0/24")
	dry := okJSON[[]contract.RefusedKey](c, "allowlists", "link", "Office", k.Key.ID, "--dry-run")
	if len(dry) != 1 || dry[0].Key.ID != k.Key.ID || len(dry[0].Refused) != 1 || dry[0].Refused[0].Address != "198.51.100.7" {
		t.Errorf("link --dry-run: %+v", dry)
	}
	if out := c.ok("allowlists", "default", "Office", "--dry-run"); !strings.Contains(out, "Dry run, nothing changed") || !strings.Contains(out, "198.51.100.7") {
		t.Errorf("default --dry-run: %q", out)
	}
	if keys := okJSON[[]contract.Key](c, "keys", "list"); len(keys) != 1 || keys[0].AllowLists != nil {
		t.Errorf("a dry run linked the key: %+v", keys)
	}
	if l := okJSON[[]contract.AllowList](c, "allowlists", "list"); len(l) != 1 || l[0].Default {
		t.Errorf("a dry run set the default: %+v", l)
	}

	from := okJSON[contract.AllowList](c, "allowlists", "create", "--name", "Where Sync runs", "--from-key", k.Key.ID)
	if strings.Join(from.Entries, " ") != "198.51.100.7/32 192.0.2.1/32" && strings.Join(from.Entries, " ") != "192.0.2.1/32 198.51.100.7/32" {
		t.Errorf("create --from-key: entries %v", from.Entries)
	}
	c.ok("allowlists", "link", "Where Sync runs", k.Key.ID)
	if out := c.ok("allowlists", "edit", "Where Sync runs", "--remove-entry", "192.0.2.1", "--dry-run"); !strings.Contains(out, "192.0.2.1") {
		t.Errorf("edit --dry-run: %q", out)
	}
	if keys := okJSON[[]contract.Key](c, "keys", "list"); len(keys) != 1 || len(keys[0].AllowLists) != 1 || keys[0].AllowLists[0] != from.ID {
		t.Errorf("keys list --json allowLists: %+v", keys)
	}
}
