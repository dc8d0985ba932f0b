package main

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/model"
)

// The CLI counts down in calendar days, as the TUI does: across a DST change
// 14 days to the expiration date are not 14×24 hours.
func TestExpiryTextCountsCalendarDays(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	p := model.ExpiryPolicy{Location: ny}
	tests := []struct {
		now     time.Time
		expires model.Date
		want    string
	}{
		// Clocks go back on 7 Nov 2027: 14 calendar days and an hour more than 14×24h.
		{time.Date(2027, 11, 1, 0, 30, 0, 0, ny), model.Date{Year: 2027, Month: 11, Day: 15}, "valid through 14 Nov 2027 (expires in 14 days)"},
		{time.Date(2027, 11, 1, 0, 30, 0, 0, ny), model.Date{Year: 2027, Month: 11, Day: 16}, "valid through 15 Nov 2027"},
		{time.Date(2027, 3, 1, 12, 0, 0, 0, ny), model.Date{Year: 2027, Month: 3, Day: 15}, "valid through 14 Mar 2027 (expires in 14 days)"},
		{time.Date(2027, 3, 1, 12, 0, 0, 0, ny), model.Date{Year: 2027, Month: 3, Day: 2}, "valid through 1 Mar 2027 (expires in 12h)"},
	}
	for _, tt := range tests {
		k := model.Key{ExpiresAt: p.ExpiresAt(tt.expires)}
		if got := expiryText(k, p, tt.now); got != tt.want {
			t.Errorf("at %s, expiring %s: %q, want %q", tt.now, tt.expires, got, tt.want)
		}
	}
}

// A key whose date was picked under UTC, listed after --timezone moved the
// workspace to Tokyo, stops at 09:00 on what is there 22 Dec: the column says
// that instant rather than a whole day it doesn't have.
func TestExpiryTextAfterTheZoneChanged(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	k := model.Key{ExpiresAt: model.ExpiryPolicy{}.ExpiresAt(model.Date{Year: 2026, Month: 12, Day: 22})}
	p := model.ExpiryPolicy{Location: tokyo}
	tests := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC), "valid until 22 Dec 2026 09:00 JST"},
		{time.Date(2026, 12, 21, 20, 0, 0, 0, time.UTC), "valid until 22 Dec 2026 09:00 JST (expires in 4h)"},
		{time.Date(2026, 12, 23, 10, 0, 0, 0, time.UTC), "expired (valid until 22 Dec 2026 09:00 JST)"},
	}
	for _, tt := range tests {
		if got := expiryText(k, p, tt.now); got != tt.want {
			t.Errorf("at %s: %q, want %q", tt.now, got, tt.want)
		}
	}
}

// The table lines its columns up in terminal cells: a CJK or emoji name
// (two cells a character, 👩‍💻 two for the whole sequence) pushes the next
// column as far as its width, not its byte or rune count.
func TestTableAlignsWideCharacters(t *testing.T) {
	var out strings.Builder
	tb := newTable(&out, "NAME", "TYPE", "ID")
	for _, name := range []string{"Nightly import", "本番の鍵", "🔑 deploy 🚀", "👩\u200d💻 on call", "Café", "e\u0301tude"} {
		tb.row(name, "import", "key_1")
	}
	if err := tb.flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		// TYPE starts in cell 16 on every line: "Nightly import" is 14 cells, then 2 spaces.
		typ := strings.LastIndex(l, "import  ")
		if typ < 0 {
			typ = strings.Index(l, "TYPE")
		}
		if w := ansi.StringWidth(l[:typ]); w != 16 {
			t.Errorf("line %q: TYPE column starts at cell %d, want 16\n%s", l, w, out.String())
		}
		if strings.HasSuffix(l, " ") {
			t.Errorf("line %q ends in spaces", l)
		}
	}
	want := "本番の鍵        import  key_1"
	if lines[2] != want {
		t.Errorf("CJK line = %q, want %q", lines[2], want)
	}
}

// The members listing lines up a workspace whose names are CJK and emoji.
func TestMembersListAlignsWideNames(t *testing.T) {
	c := newCLI(t)
	c.ok("members", "add", "--name", "山田太郎", "--email", "taro@example.com", "--type", "builder")
	c.ok("members", "add", "--name", "👩\u200d💻 Ana", "--email", "ana@example.com", "--type", "member")
	out := c.ok("members", "list")
	var at []int
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		email := strings.Index(l, "  ") // the name has no two spaces together
		email += len(l[email:]) - len(strings.TrimLeft(l[email:], " "))
		at = append(at, ansi.StringWidth(l[:email]))
	}
	for _, a := range at {
		if a != at[0] {
			t.Fatalf("EMAIL column starts at cells %v:\n%s", at, out)
		}
	}
}
