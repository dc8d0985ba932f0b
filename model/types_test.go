package model_test

import (
	"crypto/ed25519"
	crand "crypto/rand"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/apikeys-dev/apikeys/model"
)

func TestParseKeyType(t *testing.T) {
	tests := []struct {
		in    string
		want  model.KeyType
		label string
	}{
		{"audit-logs", "audit-logs", "Audit logs"},
		{"Audit logs", "audit-logs", "Audit logs"},
		{"AUDIT-LOGS", "audit-logs", "Audit logs"},
		{" audit logs ", "audit-logs", "Audit logs"},
		{"import", "import", "Import"},
		{"Import", "import", "Import"},
		{"export", "export", "Export"},
		{"EXPORT", "export", "Export"},
		{"modeling-metadata", "modeling-metadata", "Modeling metadata"},
		{"Modeling metadata", "modeling-metadata", "Modeling metadata"},
	}
	for _, tt := range tests {
		got, err := model.ParseKeyType(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseKeyType(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		if got.Label() != tt.label || !got.Valid() || got.String() != string(tt.want) {
			t.Errorf("%q: Label %q, Valid %v, String %q", tt.want, got.Label(), got.Valid(), got.String())
		}
	}
	for _, bad := range []string{"", "audit", "auditlogs", "aud", "imports", "Audit_logs"} {
		_, err := model.ParseKeyType(bad)
		want := `Unknown key type “` + strings.TrimSpace(bad) + `”: use one of audit-logs, import, export, modeling-metadata.`
		if err == nil || err.Error() != want || model.KindOf(err) != model.KindInvalid {
			t.Errorf("ParseKeyType(%q) error = %v, want %q", bad, err, want)
		}
	}
	if _, err := model.ParseKeyType("x\x1b[2Jy"); err == nil || !isSafeText(err.Error()) {
		t.Errorf("ParseKeyType echoes raw control text: %q", err)
	}
	if model.KeyType("bogus").Valid() || model.KeyType("bogus").Prefix() != "" {
		t.Error("an unknown key type is Valid")
	}
}

func TestParseAccountType(t *testing.T) {
	tests := []struct {
		in    string
		want  model.AccountType
		label string
	}{
		{"primary-owner", "primary-owner", "Primary Owner"},
		{"Primary Owner", "primary-owner", "Primary Owner"},
		{"security-admin", "security-admin", "Security Admin"},
		{"SECURITY ADMIN", "security-admin", "Security Admin"},
		{"workspace-admin", "workspace-admin", "Workspace Admin"},
		{"workspace admin", "workspace-admin", "Workspace Admin"},
		{"builder", "builder", "Builder"},
		{" Builder ", "builder", "Builder"},
		{"member", "member", "Member"},
		{"Member", "member", "Member"},
	}
	for _, tt := range tests {
		got, err := model.ParseAccountType(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseAccountType(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		if got.Label() != tt.label || !got.Valid() || got.String() != string(tt.want) {
			t.Errorf("%q: Label %q, Valid %v", tt.want, got.Label(), got.Valid())
		}
	}
	for _, bad := range []string{"", "owner", "admin", "primary_owner", "members"} {
		_, err := model.ParseAccountType(bad)
		want := `Unknown account type “` + bad + `”: use one of primary-owner, security-admin, workspace-admin, builder, member.`
		if err == nil || err.Error() != want || model.KindOf(err) != model.KindInvalid {
			t.Errorf("ParseAccountType(%q) error = %v, want %q", bad, err, want)
		}
	}
	if model.AccountType("root").Valid() {
		t.Error("an unknown account type is Valid")
	}
}

func TestParseEventType(t *testing.T) {
	for _, et := range model.EventTypes {
		for _, in := range []string{string(et), strings.ToLower(string(et)), strings.ToUpper(string(et))} {
			if got, err := model.ParseEventType(in); err != nil || got != et {
				t.Errorf("ParseEventType(%q) = %q, %v", in, got, err)
			}
		}
	}
	if _, err := model.ParseEventType("ApiKeyExploded"); err == nil || err.Error() != `Unknown event type “ApiKeyExploded”: use one of ApiKeyCreated, ApiKeyUpdated, ApiKeyDeleted, ApiKeyRotated, UserInvited, UserAccountTypeUpdated, UserDeactivated, UserReactivated, SshKeyAdded, SshKeyRemoved, SshSessionStarted, WebhookCreated, WebhookDeleted, WebhookEnabled, WebhookDisabled, IpAllowListCreated, IpAllowListUpdated, IpAllowListDeleted, ApiKeyAllowListsChanged, DefaultIpAllowListChanged, ApiKeyOwnerChanged.` {
		t.Errorf("ParseEventType(unknown) error = %v", err)
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "ana@example.com", want: "ana@example.com"},
		{in: "  Ana.Lima@Example.COM ", want: "ana.lima@example.com"},
		{in: "ops+keys@sub.example.org", want: "ops+keys@sub.example.org"},
		{in: "", wantErr: "Email is required."},
		{in: "   ", wantErr: "Email is required."},
		{in: "ana", wantErr: `“ana” is not an email address.`},
		{in: "ana@", wantErr: `“ana@” is not an email address.`},
		{in: "@example.com", wantErr: `“@example.com” is not an email address.`},
		{in: "Ana <ana@example.com>", wantErr: `“Ana <ana@example.com>” is not an email address.`},
		{in: "ana@example.com, bo@example.com", wantErr: `“ana@example.com, bo@example.com” is not an email address.`},
		{in: "ana lima@example.com", wantErr: `“ana lima@example.com” is not an email address.`},
		{in: strings.Repeat("a", 250) + "@x.io", wantErr: `“` + strings.Repeat("a", 40) + `…” is not an email address.`},
		{in: "ana\x00@example.com", wantErr: "Email can't contain control or bidirectional characters."},
		{in: "ana@exa\u202emple.com", wantErr: "Email can't contain control or bidirectional characters."},
		{in: "ana@example.com\x1b[2J", wantErr: "Email can't contain control or bidirectional characters."},
		{in: "ana@ex\xffample.com", wantErr: "Email can't contain control or bidirectional characters."},
	}
	for _, tt := range tests {
		got, err := model.NormalizeEmail(tt.in)
		switch {
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("NormalizeEmail(%q) = %q, %v; want error %q", tt.in, got, err, tt.wantErr)
		case err != nil && model.KindOf(err) != model.KindInvalid:
			t.Errorf("NormalizeEmail(%q) kind = %v", tt.in, model.KindOf(err))
		}
	}
}

func TestParseSSHKey(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	bare := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
	fp := ssh.FingerprintSHA256(pk)
	tests := []struct{ name, line, comment string }{
		{"bare", bare, ""},
		{"with comment", bare + " ana@laptop", "ana@laptop"},
		{"padded", "  " + bare + " ana@laptop\n", "ana@laptop"},
		{"with options", `no-pty,from="10.0.0.0/8" ` + bare + " ci", "ci"},
		{"comment with escape", bare + " evil\x1b[2J", `evil\x1b[2J`},
	}
	for _, tt := range tests {
		k, err := model.ParseSSHKey(tt.line)
		if err != nil {
			t.Errorf("%s: ParseSSHKey refused: %v", tt.name, err)
			continue
		}
		if k.Fingerprint != fp || !strings.HasPrefix(k.Fingerprint, "SHA256:") {
			t.Errorf("%s: Fingerprint = %q, want %q", tt.name, k.Fingerprint, fp)
		}
		if k.PublicKey != bare {
			t.Errorf("%s: PublicKey = %q, want %q", tt.name, k.PublicKey, bare)
		}
		if k.Comment != tt.comment {
			t.Errorf("%s: Comment = %q, want %q", tt.name, k.Comment, tt.comment)
		}
	}
	const notKey = "Not an SSH public key: paste one line such as \"ssh-ed25519 AAAA… you@host\"."
	for _, bad := range []string{
		"hello", "ssh-ed25519", "ssh-ed25519 AAAA", "ssh-ed25519 !!!notbase64!!!",
		"ssh-rsa " + bare[len("ssh-ed25519 "):], // the blob says ed25519
		bare[len("ssh-ed25519 "):],              // no algorithm
		"-----BEGIN OPENSSH PRIVATE KEY-----",
	} {
		if _, err := model.ParseSSHKey(bad); err == nil || err.Error() != notKey || model.KindOf(err) != model.KindInvalid {
			t.Errorf("ParseSSHKey(%q) error = %v", bad, err)
		}
	}
	if _, err := model.ParseSSHKey("  \n"); err == nil || err.Error() != "SSH public key is empty." {
		t.Errorf("ParseSSHKey(blank) error = %v", err)
	}
}

func TestDateHelpers(t *testing.T) {
	addDays := []struct {
		d    model.Date
		n    int
		want model.Date
	}{
		{date(2027, 12, 31), 1, date(2028, 1, 1)},
		{date(2028, 1, 1), -1, date(2027, 12, 31)},
		{date(2028, 2, 28), 1, date(2028, 2, 29)},
		{date(2027, 2, 28), 1, date(2027, 3, 1)},
		{date(2027, 3, 10), 366, date(2028, 3, 10)},
		{date(2027, 12, 25), 14, date(2028, 1, 8)},
		{date(2027, 3, 14), 0, date(2027, 3, 14)},
	}
	for _, tt := range addDays {
		if got := tt.d.AddDays(tt.n); got != tt.want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", tt.d, tt.n, got, tt.want)
		}
	}
	addMonths := []struct {
		d    model.Date
		n    int
		want model.Date
	}{
		{date(2027, 1, 31), 1, date(2027, 2, 28)},
		{date(2028, 1, 31), 1, date(2028, 2, 29)},
		{date(2027, 5, 31), 1, date(2027, 6, 30)},
		{date(2027, 12, 15), 1, date(2028, 1, 15)},
		{date(2027, 3, 31), -1, date(2027, 2, 28)},
		{date(2028, 2, 29), 12, date(2029, 2, 28)},
		{date(2028, 2, 29), 48, date(2032, 2, 29)},
		{date(2027, 8, 31), 6, date(2028, 2, 29)},
		{date(2027, 3, 14), 0, date(2027, 3, 14)},
	}
	for _, tt := range addMonths {
		if got := tt.d.AddMonths(tt.n); got != tt.want {
			t.Errorf("%s.AddMonths(%d) = %s, want %s", tt.d, tt.n, got, tt.want)
		}
	}
	since := []struct {
		d, o model.Date
		want int
	}{
		{date(2028, 1, 1), date(2027, 12, 31), 1},
		{date(2028, 3, 1), date(2028, 2, 1), 29},
		{date(2027, 3, 1), date(2027, 2, 1), 28},
		{date(2027, 3, 15), date(2027, 3, 14), 1}, // a 23-hour day in New York, not in dates
		{date(2027, 1, 1), date(2028, 1, 1), -365},
		{date(2029, 1, 1), date(2028, 1, 1), 366},
		{date(2027, 6, 30), date(2027, 6, 30), 0},
	}
	for _, tt := range since {
		if got := tt.d.DaysSince(tt.o); got != tt.want {
			t.Errorf("%s.DaysSince(%s) = %d, want %d", tt.d, tt.o, got, tt.want)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		d := date(2000+r.IntN(100), time.Month(1+r.IntN(12)), 1+r.IntN(28))
		n := r.IntN(4001) - 2000
		if got := d.AddDays(n).DaysSince(d); got != n {
			t.Fatalf("%s.AddDays(%d).DaysSince = %d", d, n, got)
		}
	}

	d := date(2027, 6, 30)
	if d.String() != "2027-06-30" || d.Human() != "30 Jun 2027" || date(2028, 1, 5).Human() != "5 Jan 2028" {
		t.Errorf("String/Human = %q, %q", d.String(), d.Human())
	}
	if !d.Before(date(2027, 7, 1)) || d.Before(d) || !d.After(date(2026, 12, 31)) || d.After(d) {
		t.Error("Before/After are wrong")
	}
	if !(model.Date{}).IsZero() || d.IsZero() {
		t.Error("IsZero is wrong")
	}
	if p, err := model.ParseDate("2027-06-30"); err != nil || p != d {
		t.Errorf("ParseDate = %s, %v", p, err)
	}
	if _, err := model.ParseDate("2027-02-29"); err == nil {
		t.Error("ParseDate accepted 29 Feb 2027")
	}
	tokyo := zone(t, "Asia/Tokyo")
	if got := model.DateOf(time.Date(2027, 6, 30, 16, 0, 0, 0, time.UTC), tokyo); got != date(2027, 7, 1) {
		t.Errorf("DateOf in Tokyo = %s", got)
	}
}

func TestParseSSHKeyTakesOneLine(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := ssh.NewPublicKey(pub)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
	if _, err := model.ParseSSHKey("garbage\n" + line); model.KindOf(err) != model.KindInvalid {
		t.Fatalf("two lines accepted: %v", err)
	}
}
