package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

func TestKeysRoundTrip(t *testing.T) {
	c := newCLI(t)

	// Create: 25 Jun 2026 + 90 days is 23 Sep 2026, not included.
	k := c.createKey("Nightly export", "export", "+90d")
	if _, kt, err := model.ParseSecret(k.Secret); err != nil || kt != model.KeyExport {
		t.Fatalf("secret %q: type %q, err %v", k.Secret, kt, err)
	}
	want := keyJSON{
		ID: k.Key.ID, Name: "Nightly export", Type: "export", Hint: model.SecretHint(k.Secret),
		State: "active", CreatedAt: start, CreatedBy: memberRef{ID: k.Key.CreatedBy.ID, Name: "Olive Owner"},
		ExpiresAt: time.Date(2026, 9, 23, 0, 0, 0, 0, time.UTC), ValidThrough: "2026-09-22", Version: 1,
	}
	if !equalKey(k.Key, want) {
		t.Fatalf("created key:\n got %+v\nwant %+v", k.Key, want)
	}
	list := okJSON[[]keyJSON](c, "keys", "list")
	if len(list) != 1 || !equalKey(list[0], want) {
		t.Fatalf("list after create: %+v", list)
	}

	// Edit both fields; the sentence says what changed.
	out := c.ok("keys", "edit", k.Key.ID, "--name", "Nightly export (prod)", "--expires", "2026-12-01")
	wantOut := "Updated key “Nightly export (prod)” (" + k.Key.ID + "): renamed from “Nightly export”; now valid through 30 Nov 2026 (was 22 Sep 2026).\n"
	if out != wantOut {
		t.Errorf("edit said %q, want %q", out, wantOut)
	}
	if out := c.ok("keys", "edit", k.Key.ID, "--name", "Nightly export (prod)"); !strings.Contains(out, "nothing changed") {
		t.Errorf("an edit to the same name said %q", out)
	}
	list = okJSON[[]keyJSON](c, "keys", "list")
	if list[0].Name != "Nightly export (prod)" || list[0].ValidThrough != "2026-11-30" || list[0].Version != 2 {
		t.Fatalf("list after edit: %+v", list[0])
	}

	// Rotate an hour later with a day of grace.
	c.clock.Add(time.Hour)
	rot := okJSON[created](c, "keys", "rotate", k.Key.ID, "--grace", "24h")
	if rot.Replaced == nil || rot.Replaced.ID != k.Key.ID || rot.Replaced.State != "replaced" ||
		rot.Replaced.ReplacedBy == nil || *rot.Replaced.ReplacedBy != rot.Key.ID ||
		!rot.Replaced.ExpiresAt.Equal(start.Add(25*time.Hour)) {
		t.Fatalf("old key after rotation: %+v", rot.Replaced)
	}
	if rot.Key.RotatedFrom == nil || *rot.Key.RotatedFrom != k.Key.ID || rot.Key.Name != "Nightly export (prod)" ||
		rot.Key.Type != "export" || rot.Key.State != "active" || rot.Secret == k.Secret || !strings.HasPrefix(rot.Secret, "apk_exp_") {
		t.Fatalf("new key after rotation: %+v", rot.Key)
	}
	human := c.ok("keys", "list")
	if !strings.Contains(human, "replaced, expires in 24h") {
		t.Errorf("list does not show the old key in grace:\n%s", human)
	}
	refused(t, c.run("keys", "rotate", k.Key.ID, "--grace", "now"), "already rotated")

	// Delete the new key; the old one stays until its grace ends, then leaves the list.
	if out := c.ok("keys", "delete", rot.Key.ID, "--yes"); out != "Deleted key “Nightly export (prod)” ("+rot.Key.ID+"): it no longer works.\n" {
		t.Errorf("delete said %q", out)
	}
	list = okJSON[[]keyJSON](c, "keys", "list")
	if len(list) != 1 || list[0].ID != k.Key.ID {
		t.Fatalf("list after delete: %+v", list)
	}
	refused(t, c.run("keys", "delete", rot.Key.ID, "--yes"), "was already deleted")
	c.clock.Add(24 * time.Hour)
	if list = okJSON[[]keyJSON](c, "keys", "list"); len(list) != 0 {
		t.Fatalf("list after the grace ended: %+v", list)
	}

	// Every change is in the audit trail, made by Olive from the CLI.
	events := okJSON[[]eventJSON](c, "audit")
	var types []string
	for _, e := range events {
		types = append(types, e.EventType)
		if e.Source != "cli" {
			t.Errorf("%s has source %q", e.EventType, e.Source)
		}
	}
	wantTypes := "ApiKeyDeleted ApiKeyRotated ApiKeyUpdated ApiKeyCreated UserInvited"
	if got := strings.Join(types, " "); got != wantTypes {
		t.Errorf("audit events %s, want %s", got, wantTypes)
	}
	if a := events[0].Actor; a.Type != "member" || a.Name != "Olive Owner" || a.Email != "olive@localhost" {
		t.Errorf("actor %+v", a)
	}
}

func equalKey(a, b keyJSON) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Type == b.Type && a.Hint == b.Hint && a.State == b.State &&
		a.CreatedAt.Equal(b.CreatedAt) && a.CreatedBy == b.CreatedBy && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.ValidThrough == b.ValidThrough && a.Version == b.Version &&
		a.LastUsedAt == nil && a.RotatedFrom == nil && a.ReplacedBy == nil && a.DeletedAt == nil
}

func TestKeysHumanOutput(t *testing.T) {
	c := newCLI(t)
	out := c.ok("keys", "create", "--name", "Nightly export", "--expires", "2026-07-01", "--type", "Export")
	re := regexp.MustCompile(`^Created Export key “Nightly export” \((key_\w{16})\), valid through 30 Jun 2026\.\n\n    (apk_exp_\w{38})\n\nCopy this secret now: it won't be shown again\.\n$`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("create printed:\n%s", out)
	}
	id := m[1]
	c.clock.Add(time.Minute) // newest first needs distinct creation times
	c.createKey("SIEM", "audit-logs", "+1y")

	lines := strings.Split(strings.TrimSuffix(c.ok("keys", "list"), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and two rows, got:\n%s", strings.Join(lines, "\n"))
	}
	header := "ID                    NAME            TYPE        KEY                EXPIRES                                        LAST USED  OWNER        CREATED BY"
	if lines[0] != header {
		t.Errorf("header\n got %q\nwant %q", lines[0], header)
	}
	// Newest first; columns line up under the header; times in words.
	if !strings.HasPrefix(lines[1], "key_") || !strings.Contains(lines[1], "SIEM") || !strings.Contains(lines[1], "valid through 24 Jun 2027                      never") {
		t.Errorf("first row %q", lines[1])
	}
	wantRow2 := id + "  Nightly export  Export      " + model.SecretHint(m[2]) + "  valid through 30 Jun 2026 (expires in 6 days)  never      Olive Owner  Olive Owner"
	if lines[2] != wantRow2 {
		t.Errorf("second row\n got %q\nwant %q", lines[2], wantRow2)
	}
}

func TestKeysCreateRefusals(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"today", []string{"--expires", "2026-06-25"}, "Expiration date must be tomorrow (2026-06-26) or later."},
		{"past", []string{"--expires", "2020-01-01"}, "must be tomorrow"},
		{"too far", []string{"--expires", "+367d"}, "at most 366 days ahead (2027-06-26)"},
		{"not a date", []string{"--expires", "soon"}, `“soon” is not a date`},
		{"unknown type", []string{"--type", "billing"}, `Unknown key type “billing”`},
		{"escape in name", []string{"--name", "\x1b[31mred"}, "Name can't contain escape sequences."},
		{"bidi in name", []string{"--name", "abc\u202edef"}, "a bidirectional control character"},
		{"long name", []string{"--name", strings.Repeat("n", 65)}, "Name is 65 characters long; the limit is 64."},
		{"blank name", []string{"--name", "   "}, "Name is required."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := map[string]string{"--name": "ok", "--expires": "+30d", "--type": "import"}
			for i := 0; i < len(tc.args); i += 2 {
				args[tc.args[i]] = tc.args[i+1]
			}
			line := []string{"keys", "create"}
			for f, v := range args {
				line = append(line, f, v)
			}
			refused(t, c.run(line...), tc.want)
		})
	}
	if keys := okJSON[[]keyJSON](c, "keys", "list"); len(keys) != 0 {
		t.Fatalf("a refused create left keys: %+v", keys)
	}

	// The maximum lifetime is configurable, by flag or environment.
	refused(t, c.run("keys", "create", "--name", "x", "--type", "import", "--expires", "+31d", "--max-key-lifetime", "30d"), "at most 30 days")
	c.vars["APIKEYS_MAX_KEY_LIFETIME"] = "30"
	refused(t, c.run("keys", "create", "--name", "x", "--type", "import", "--expires", "+31d"), "at most 30 days")
	c.createKey("x", "import", "+30d")
}

func TestKeysTimezone(t *testing.T) {
	c := newCLI(t)
	k := okJSON[created](c, "--timezone", "America/New_York", "keys", "create", "--name", "ny", "--type", "import", "--expires", "2026-07-01")
	// The key works until the start of 1 Jul in New York (EDT, UTC-4).
	if want := time.Date(2026, 7, 1, 4, 0, 0, 0, time.UTC); !k.Key.ExpiresAt.Equal(want) || k.Key.ValidThrough != "2026-06-30" {
		t.Fatalf("expiresAt %s validThrough %s, want %s and 2026-06-30", k.Key.ExpiresAt, k.Key.ValidThrough, want)
	}
	c.vars["APIKEYS_TIMEZONE"] = "Asia/Tokyo"
	// Seen from Tokyo (UTC+9) that instant is 13:00 on 1 Jul: the key is not
	// valid through 1 Jul there, only until 13:00, and the list says so.
	if out := c.ok("keys", "list"); !strings.Contains(out, "valid until 1 Jul 2026 13:00 JST") {
		t.Errorf("list in Tokyo:\n%s", out)
	}
}

func TestKeysExpiringWithin(t *testing.T) {
	c := newCLI(t)
	soon := c.createKey("soon", "import", "+10d")
	c.createKey("later", "import", "+60d")
	c.clock.Add(time.Minute) // newest first needs distinct creation times
	rotated := c.createKey("rotated", "export", "+90d")
	okJSON[created](c, "keys", "rotate", rotated.Key.ID, "--grace", "7d")

	got := okJSON[[]keyJSON](c, "keys", "list", "--expiring-within", "14d")
	var ids []string
	for _, k := range got {
		ids = append(ids, k.Name+":"+k.State)
	}
	// The key due in 10 days and the replaced key in grace; not the one due in 60
	// days, nor the new key from the rotation.
	if strings.Join(ids, " ") != "rotated:replaced soon:active" {
		t.Fatalf("expiring within 14d: %v", ids)
	}
	if _, ok := findKey(got, soon.Key.ID); !ok {
		t.Fatal("the key due in 10 days is missing")
	}
	if out := c.ok("keys", "list", "--expiring-within", "1d"); !strings.Contains(out, "rotated") || strings.Contains(out, "soon") {
		t.Errorf("expiring within 1d:\n%s", out)
	}
	// A week and an hour later the grace has ended and "soon" is two days out.
	c.clock.Add(7*24*time.Hour + time.Hour)
	if out := c.ok("keys", "list", "--expiring-within", "1d"); out != "No key expires within 1d.\n" {
		t.Errorf("nothing due: %q", out)
	}
}

// --as acts as another member, with that member's rights: the refusal is the
// one sentence naming the account type needed.
func TestAsRefusals(t *testing.T) {
	c := newCLI(t)
	c.ok("members", "add", "--name", "Bo Builder", "--email", "bo@example.com", "--type", "builder")
	c.ok("members", "add", "--name", "Wanda Admin", "--email", "wanda@example.com", "--type", "workspace-admin")
	siem := c.createKey("SIEM", "audit-logs", "+30d")

	for _, tc := range []struct {
		as   string
		args []string
		want string
	}{
		{"bo@example.com", []string{"keys", "list"}, "You need to be a Workspace Admin or Security Admin to manage API keys."},
		{"bo@example.com", []string{"keys", "create", "--name", "x", "--type", "import", "--expires", "+30d"}, "You need to be a Workspace Admin to manage Import API keys."},
		{"bo@example.com", []string{"members", "list"}, "You need to be a Workspace Admin or Security Admin to see members."},
		{"bo@example.com", []string{"audit"}, "You need to be a Security Admin to read the audit log."},
		{"wanda@example.com", []string{"keys", "create", "--name", "x", "--type", "audit-logs", "--expires", "+30d"}, "You need to be a Security Admin to manage Audit logs API keys."},
		{"wanda@example.com", []string{"keys", "rotate", siem.Key.ID, "--grace", "now"}, "You need to be a Security Admin to manage Audit logs API keys."},
		{"wanda@example.com", []string{"keys", "delete", siem.Key.ID, "--yes"}, "You need to be a Security Admin to manage Audit logs API keys."},
		{"wanda@example.com", []string{"members", "add", "--name", "Eve", "--email", "eve@example.com", "--type", "primary-owner"}, "You need to be a Primary Owner to add a Primary Owner."},
	} {
		t.Run(tc.as+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			refused(t, c.run(append([]string{"--as", tc.as}, tc.args...)...), tc.want)
		})
	}
	// Wanda may do what a Workspace Admin may, and it is recorded as hers.
	k := okJSON[created](c, "--as", "WANDA@example.com", "keys", "create", "--name", "etl", "--type", "import", "--expires", "+30d")
	if k.Key.CreatedBy.Name != "Wanda Admin" {
		t.Errorf("created by %+v", k.Key.CreatedBy)
	}
	if keys := okJSON[[]keyJSON](c, "keys", "list"); len(keys) != 2 {
		t.Errorf("refused actions changed the keys: %+v", keys)
	}
}

// An expired key can't be extended, but rotating it renews it.
func TestRenewExpiredKey(t *testing.T) {
	c := newCLI(t)
	k := c.createKey("cron", "import", "+1d") // valid through 25 Jun 2026
	c.clock.Add(2 * 24 * time.Hour)
	if out := c.ok("keys", "list"); !strings.Contains(out, "expired (valid through 25 Jun 2026)") {
		t.Errorf("list:\n%s", out)
	}
	refused(t, c.run("keys", "edit", k.Key.ID, "--expires", "+30d"), "has expired and can't be extended: rotate it")
	rot := okJSON[created](c, "keys", "rotate", k.Key.ID, "--grace", "now", "--expires", "2026-08-01")
	if rot.Key.ValidThrough != "2026-07-31" || rot.Key.State != "active" || rot.Replaced.State != "expired" {
		t.Fatalf("renewal: new %+v, old %+v", rot.Key, rot.Replaced)
	}
	out := c.ok("keys", "list")
	if strings.Contains(out, k.Key.ID) || !strings.Contains(out, rot.Key.ID) {
		t.Errorf("after renewal the list shows:\n%s", out)
	}
	r := c.run("keys", "rotate", rot.Key.ID, "--grace", "7d")
	if r.code != 0 || !strings.Contains(r.stdout, "The old key "+rot.Key.ID+" keeps working until 4 Jul 2026 12:00 UTC, then stops.") {
		t.Errorf("rotate with grace: %v", r)
	}
}
