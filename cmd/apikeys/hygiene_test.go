package main

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// TestKeysReportCSV: the report parses with encoding/csv, has the header row
// and one row per live key with its uses, and holds no secret, not even with a
// name made of commas, quotes and a line break.
func TestKeysReportCSV(t *testing.T) {
	c := newCLI(t)
	a := c.createKey(`Sync, "nightly"`, "import", "+30d")
	b := c.createKey("Export", "export", "+30d")
	gone := c.createKey("Gone", "export", "+30d")
	c.ok("keys", "delete", gone.Key.ID, "--yes")
	be := c.openBackend()
	for range 3 {
		if res, err := be.Verify(t.Context(), a.Secret, model.KeyImport, "192.0.2.1"); err != nil || !res.Valid {
			t.Fatalf("verify: %+v, %v", res, err)
		}
	}
	if _, err := be.Verify(t.Context(), a.Secret, model.KeyExport, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if err := be.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	out := c.ok("keys", "report")
	for _, s := range []string{a.Secret, b.Secret, gone.Secret} {
		if strings.Contains(out, s) || strings.Contains(out, s[len(s)-20:]) {
			t.Fatalf("the report holds a secret:\n%s", out)
		}
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("the report is not CSV: %v\n%s", err, out)
	}
	if !slices.Equal(rows[0], reportHeader) {
		t.Fatalf("header %q", rows[0])
	}
	if len(rows) != 3 {
		t.Fatalf("want a header and 2 live keys, got %d rows:\n%s", len(rows), out)
	}
	col := func(name string) int { return slices.Index(reportHeader, name) }
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[col("id")]] = r
	}
	ra := byID[a.Key.ID]
	if ra == nil || ra[col("name")] != `Sync, "nightly"` || ra[col("hint")] != a.Key.Hint ||
		ra[col("uses_30d")] != "3" || ra[col("refused_30d")] != "1" || ra[col("last_used_from")] != "192.0.2.1" {
		t.Errorf("row of %s: %q", a.Key.ID, ra)
	}
	days := okJSON[[]contract.UsageDay](c, "keys", "usage", a.Key.ID, "--days", "2")
	if len(days) != 2 || days[1].Uses != 3 || days[1].Refused.WrongType != 1 || days[0].Uses != 0 {
		t.Errorf("keys usage --days 2 --json: %+v", days)
	}
	if out := c.ok("keys", "usage", a.Key.ID, "--days", "1"); !strings.Contains(out, "wrong_type 1") {
		t.Errorf("keys usage: %q", out)
	}
	js := okJSON[[]contract.ReportRow](c, "keys", "report", "--format", "json")
	if len(js) != 2 {
		t.Fatalf("report --format json: %+v", js)
	}
	if r := c.run("keys", "report", "--format", "xml"); r.code != exitUsage || !strings.Contains(r.stderr, "csv or json") {
		t.Errorf("--format xml: %v", r)
	}
}

// TestKeysListHygieneFilters: the filters combine, and keep what
// model.Hygiene puts in every named bucket.
func TestKeysListHygieneFilters(t *testing.T) {
	c := newCLI(t)
	used := c.createKey("Used", "import", "+60d")
	idle := c.createKey("Idle", "import", "+60d")
	c.ok("allowlists", "create", "--name", "Office", "--entry", "192.0.2.0/24")
	c.ok("allowlists", "link", "Office", idle.Key.ID)
	be := c.openBackend()
	if res, err := be.Verify(t.Context(), used.Secret, model.KeyImport, "192.0.2.1"); err != nil || !res.Valid {
		t.Fatal(res, err)
	}
	if err := be.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.clock.Add(10 * 24 * time.Hour)
	ids := func(args ...string) []string {
		var out []string
		for _, k := range okJSON[[]contract.Key](c, append([]string{"keys", "list"}, args...)...) {
			out = append(out, k.ID)
		}
		slices.Sort(out)
		return out
	}
	if got := ids("--never-used"); !slices.Equal(got, []string{idle.Key.ID}) {
		t.Errorf("--never-used: %v, want %v", got, idle.Key.ID)
	}
	if got := ids("--no-allow-list"); !slices.Equal(got, []string{used.Key.ID}) {
		t.Errorf("--no-allow-list: %v, want %v", got, used.Key.ID)
	}
	if got := ids("--never-used", "--no-allow-list"); len(got) != 0 {
		t.Errorf("--never-used --no-allow-list: %v, want none", got)
	}
	if got := ids("--idle-for", "7d"); !slices.Equal(got, []string{used.Key.ID}) {
		t.Errorf("--idle-for 7d: %v, want %v", got, used.Key.ID)
	}
	if got := ids("--idle-for", "30d"); len(got) != 0 {
		t.Errorf("--idle-for 30d: %v, want none", got)
	}
	if out := c.ok("keys", "list", "--owner-deactivated"); !strings.Contains(out, "No key matches") {
		t.Errorf("--owner-deactivated: %q", out)
	}
}

// TestKeysTransferAndDeactivate: transfer needs a new owner who may manage the
// type; deactivating an owner lists their keys, which keep working, or moves
// them with --transfer-keys-to, audited per key.
func TestKeysTransferAndDeactivate(t *testing.T) {
	c := newCLI(t)
	k := c.createKey("Sync", "import", "+30d")
	c.ok("members", "add", "--name", "Ana", "--email", "ana@example.com", "--type", "workspace-admin")
	c.ok("members", "add", "--name", "Sec", "--email", "sec@example.com", "--type", "security-admin")
	refused(t, c.run("keys", "transfer", k.Key.ID, "--to", "sec@example.com"), "can't own Import API keys")
	if out := c.ok("keys", "transfer", k.Key.ID, "--to", "ana@example.com"); !strings.Contains(out, "now belongs to Ana") {
		t.Errorf("transfer: %q", out)
	}
	out := c.ok("members", "deactivate", "ana@example.com")
	if !strings.Contains(out, "still own 1 live key") || !strings.Contains(out, k.Key.ID) {
		t.Errorf("deactivate without transfer: %q", out)
	}
	if res, err := c.openBackend().Verify(t.Context(), k.Secret, model.KeyImport, "192.0.2.1"); err != nil || !res.Valid {
		t.Fatalf("a deactivated owner's key stopped working: %+v, %v", res, err)
	}
	if keys := okJSON[[]contract.Key](c, "keys", "list", "--owner-deactivated"); len(keys) != 1 || keys[0].ID != k.Key.ID {
		t.Errorf("--owner-deactivated: %+v", keys)
	}
	c.ok("members", "reactivate", "ana@example.com")
	var me string
	for _, m := range okJSON[[]contract.Member](c, "members", "list") {
		if m.AccountType == string(model.PrimaryOwner) {
			me = m.Email
		}
	}
	if out := c.ok("members", "deactivate", "ana@example.com", "--transfer-keys-to", me); !strings.Contains(out, "Transferred their 1 live key") {
		t.Errorf("deactivate --transfer-keys-to: %q", out)
	}
	if out := c.ok("audit", "--type", "ApiKeyOwnerChanged"); strings.Count(out, "ApiKeyOwnerChanged") != 2 {
		t.Errorf("want two ApiKeyOwnerChanged events:\n%s", out)
	}
}

// TestKeysListShowsOwners: the table has an Owner column, aligned in cells
// when a name is wide (鈴木 takes four), and --json has owner, also through a
// hygiene filter.
func TestKeysListShowsOwners(t *testing.T) {
	c := newCLI(t)
	k := c.createKey("Sync", "import", "+30d")
	c.clock.Add(time.Minute)
	c.createKey("Export", "export", "+30d")
	c.ok("members", "add", "--name", "鈴木 花子", "--email", "hanako@example.com", "--type", "workspace-admin")
	c.ok("keys", "transfer", k.Key.ID, "--to", "hanako@example.com")
	lines := strings.Split(strings.TrimSuffix(c.ok("keys", "list"), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and two rows:\n%s", strings.Join(lines, "\n"))
	}
	// Each column starts at the same cell on every line.
	at := func(line, cell string) int {
		i := strings.Index(line, cell)
		if i < 0 {
			t.Fatalf("%q not in %q", cell, line)
		}
		return ansi.StringWidth(line[:i])
	}
	owner, createdBy := at(lines[0], "OWNER"), at(lines[0], "CREATED BY")
	if at(lines[1], "Olive Owner") != owner || at(lines[2], "鈴木 花子") != owner {
		t.Errorf("owners not under OWNER:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range lines[1:] {
		if i := strings.LastIndex(l, "Olive Owner"); ansi.StringWidth(l[:i]) != createdBy {
			t.Errorf("CREATED BY misaligned after a wide owner:\n%s", strings.Join(lines, "\n"))
		}
	}
	for _, args := range [][]string{{"keys", "list"}, {"keys", "list", "--no-allow-list"}} {
		got := map[string]string{}
		for _, ck := range okJSON[[]contract.Key](c, args...) {
			got[ck.ID] = ck.Owner.Name
		}
		if got[k.Key.ID] != "鈴木 花子" || len(got) != 2 {
			t.Errorf("%v --json owners: %v", args, got)
		}
	}
}

// TestKeysRetire: "retire now" from the command line — refused where the TUI
// offers no R (an active key, a member who can't manage its type) before
// asking; asked on a terminal with the last use and the uses since the
// rotation day; audited; the old key stops at once.
func TestKeysRetire(t *testing.T) {
	c := newCLI(t)
	k := c.createKey("Nightly import", "import", "+30d")
	refused(t, c.runWith("y\n", true, "keys", "retire", k.Key.ID), "is not a replaced key in its grace period")
	be := c.openBackend()
	verify := func() string {
		t.Helper()
		res, err := be.Verify(t.Context(), k.Secret, model.KeyImport, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if res.Valid {
			return "valid"
		}
		return res.Reason
	}
	verify()
	c.clock.Add(20 * time.Second)
	okJSON[created](c, "keys", "rotate", k.Key.ID, "--grace", "24h")
	c.clock.Add(10 * time.Second)
	verify() // within the minute of the last use written: only counted
	if err := be.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.clock.Add(time.Hour)

	c.ok("members", "add", "--name", "Sec", "--email", "sec@example.com", "--type", "security-admin")
	refused(t, c.runWith("y\n", true, "--as", "sec@example.com", "keys", "retire", k.Key.ID), "You need to be")
	refused(t, c.runWith("y\n", false, "keys", "retire", k.Key.ID), "without confirmation: there is no terminal to ask on. Pass --yes")

	r := c.runWith("n\n", true, "keys", "retire", k.Key.ID)
	warn := "Its grace would end in 22h; it was last used 1h ago, and 2 times since 25 Jun 2026 (the day it was replaced). Whoever still calls it is refused from now on.\n"
	prompt := "Retire key “Nightly import” (" + k.Key.ID + ") now? [y/N] "
	if r.code != exitRefused || !strings.HasPrefix(r.stderr, warn+prompt) || !strings.Contains(r.stderr, "Not retired") {
		t.Fatalf("answer no: %v", r)
	}
	if got := verify(); got != "valid" {
		t.Fatalf("after no, the old key: %s", got)
	}
	if keys := okJSON[[]contract.Key](c, "keys", "list"); len(keys) != 2 {
		t.Fatalf("after no: %d keys listed", len(keys))
	}

	r = c.runWith("y\n", true, "keys", "retire", k.Key.ID)
	if r.code != 0 || r.stdout != "Retired key “Nightly import” ("+k.Key.ID+"): its grace is over and it no longer works.\n" {
		t.Fatalf("answer yes: %v", r)
	}
	be = c.openBackend() // not the one that cached the key as it was
	if got := verify(); got != "expired" {
		t.Fatalf("a retired key verifies: %s", got)
	}
	if out := c.ok("audit", "--type", "ApiKeyUpdated"); strings.Count(out, "ApiKeyUpdated") != 1 {
		t.Errorf("want one ApiKeyUpdated event for the retirement:\n%s", out)
	}
	refused(t, c.run("keys", "retire", k.Key.ID, "--yes"), "is not a replaced key in its grace period")
}

// TestKeysRetireYesJSON: --yes asks nothing; --json prints the key.
func TestKeysRetireYesJSON(t *testing.T) {
	c := newCLI(t)
	k := c.createKey("Export", "export", "+30d")
	okJSON[created](c, "keys", "rotate", k.Key.ID, "--grace", "7d")
	got := okJSON[contract.Key](c, "keys", "retire", k.Key.ID, "--yes")
	if got.ID != k.Key.ID || got.State != "expired" {
		t.Fatalf("retire --yes --json: %+v", got)
	}
}
