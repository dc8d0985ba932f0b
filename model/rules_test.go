package model_test

import (
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

func TestExpiresWithin(t *testing.T) {
	p := model.ExpiryPolicy{}
	now := time.Date(2027, 3, 10, 15, 0, 0, 0, time.UTC)
	on := func(days int) time.Time { return p.ExpiresAt(p.Today(now).AddDays(days)) }
	deleted := now.Add(-time.Minute)
	tests := []struct {
		name string
		key  model.Key
		want bool
	}{
		{"expires tomorrow", model.Key{ExpiresAt: on(1)}, true},
		{"last valid day today+13", model.Key{ExpiresAt: on(14)}, true},
		{"last valid day today+14", model.Key{ExpiresAt: on(15)}, true},
		{"last valid day today+15", model.Key{ExpiresAt: on(16)}, false},
		{"a year away", model.Key{ExpiresAt: on(366)}, false},
		{"in an hour", model.Key{ExpiresAt: now.Add(time.Hour)}, true},
		{"replaced, in grace", model.Key{ExpiresAt: now.Add(time.Hour), ReplacedBy: "key_b"}, true},
		{"replaced, grace far off", model.Key{ExpiresAt: on(60), ReplacedBy: "key_b"}, true},
		{"expired", model.Key{ExpiresAt: now.Add(-time.Hour)}, false},
		{"expires this instant", model.Key{ExpiresAt: now}, false},
		{"replaced, grace over", model.Key{ExpiresAt: now.Add(-time.Hour), ReplacedBy: "key_b"}, false},
		{"deleted", model.Key{ExpiresAt: on(3), DeletedAt: &deleted}, false},
	}
	for _, tt := range tests {
		if got := p.ExpiresWithin(tt.key, now, model.ExpiringSoon); got != tt.want {
			t.Errorf("%s: ExpiresWithin(14 days) = %v, want %v", tt.name, got, tt.want)
		}
	}
	// 36 hours from 10 Mar 15:00 is 12 Mar: keys valid through 12 Mar are in.
	if !p.ExpiresWithin(model.Key{ExpiresAt: on(3)}, now, 36*time.Hour) || p.ExpiresWithin(model.Key{ExpiresAt: on(4)}, now, 36*time.Hour) {
		t.Error("a 36h window should keep keys valid through 12 Mar and no later")
	}
}

func TestCountDown(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	tests := []struct {
		name    string
		loc     *time.Location
		now     time.Time
		expires model.Date
		days    int
		soon    bool
	}{
		{"tomorrow", time.UTC, time.Date(2027, 3, 10, 23, 0, 0, 0, time.UTC), model.Date{Year: 2027, Month: 3, Day: 11}, 1, true},
		{"14 days", time.UTC, time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC), model.Date{Year: 2027, Month: 3, Day: 24}, 14, true},
		{"15 days", time.UTC, time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC), model.Date{Year: 2027, Month: 3, Day: 25}, 15, false},
		// Clocks go back on 7 Nov 2027: 14 calendar days are 14 days and an hour.
		{"14 days over a DST end", ny, time.Date(2027, 11, 1, 0, 30, 0, 0, ny), model.Date{Year: 2027, Month: 11, Day: 15}, 14, true},
		{"15 days over a DST start", ny, time.Date(2027, 3, 1, 0, 30, 0, 0, ny), model.Date{Year: 2027, Month: 3, Day: 16}, 15, false},
	}
	for _, tt := range tests {
		p := model.ExpiryPolicy{Location: tt.loc}
		days, soon := p.CountDown(model.Key{ExpiresAt: p.ExpiresAt(tt.expires)}, tt.now)
		if days != tt.days || soon != tt.soon {
			t.Errorf("%s: CountDown = %d, %v; want %d, %v", tt.name, days, soon, tt.days, tt.soon)
		}
	}
}

func TestUsedRecently(t *testing.T) {
	now := time.Date(2027, 3, 10, 15, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	tests := []struct {
		used *time.Time
		want bool
	}{
		{nil, false},
		{ago(0), true},
		{ago(time.Minute), true},
		{ago(24*time.Hour - time.Second), true},
		{ago(24 * time.Hour), false},
		{ago(72 * time.Hour), false},
	}
	for _, tt := range tests {
		if got := (model.Key{LastUsedAt: tt.used}).UsedRecently(now); got != tt.want {
			t.Errorf("last used %v: UsedRecently = %v, want %v", tt.used, got, tt.want)
		}
	}
}

func TestGraces(t *testing.T) {
	tests := []struct {
		g            time.Duration
		short, label string
	}{
		{0, "now", "now"},
		{time.Hour, "1h", "1 hour"},
		{24 * time.Hour, "24h", "24 hours"},
		{7 * 24 * time.Hour, "7d", "7 days"},
		{30 * 24 * time.Hour, "30d", "30 days"},
	}
	if len(tests) != len(model.Graces) {
		t.Fatalf("model.Graces has %d choices, this table %d", len(model.Graces), len(tests))
	}
	for i, tt := range tests {
		if model.Graces[i] != tt.g {
			t.Errorf("Graces[%d] = %s, want %s", i, model.Graces[i], tt.g)
		}
		if s, l := model.GraceShort(tt.g), model.GraceLabel(tt.g); s != tt.short || l != tt.label {
			t.Errorf("%s: GraceShort %q, GraceLabel %q; want %q, %q", tt.g, s, l, tt.short, tt.label)
		}
		if err := model.CheckGrace(tt.g); err != nil {
			t.Errorf("CheckGrace(%s) = %v", tt.g, err)
		}
	}
	if got := model.GraceList(); got != "now, 1h, 24h, 7d or 30d" {
		t.Errorf("GraceList = %q", got)
	}
	for _, bad := range []time.Duration{-time.Hour, time.Minute, 2 * time.Hour, 48 * time.Hour, 31 * 24 * time.Hour} {
		err := model.CheckGrace(bad)
		if model.KindOf(err) != model.KindInvalid || err.Error() != "Grace period must be one of now, 1h, 24h, 7d or 30d." {
			t.Errorf("CheckGrace(%s) = %v", bad, err)
		}
	}
}

func TestTypeLists(t *testing.T) {
	if got := model.KeyTypeList(); got != "audit-logs, import, export, modeling-metadata" {
		t.Errorf("KeyTypeList = %q", got)
	}
	if got := model.EventTypeList(); got != "ApiKeyCreated, ApiKeyUpdated, ApiKeyDeleted, ApiKeyRotated, UserInvited, UserAccountTypeUpdated, UserDeactivated, UserReactivated, SshKeyAdded, SshKeyRemoved, SshSessionStarted, WebhookCreated, WebhookDeleted, WebhookEnabled, WebhookDisabled, IpAllowListCreated, IpAllowListUpdated, IpAllowListDeleted, ApiKeyAllowListsChanged, DefaultIpAllowListChanged, ApiKeyOwnerChanged" {
		t.Errorf("EventTypeList = %q", got)
	}
}

func TestKeyTypeNames(t *testing.T) {
	want := map[model.KeyType][2]string{
		model.KeyAuditLogs: {"Audit logs", "aud"}, model.KeyImport: {"Import", "imp"},
		model.KeyExport: {"Export", "exp"}, model.KeyModelingMetadata: {"Modeling metadata", "mdm"},
	}
	if len(model.KeyTypes) != len(want) {
		t.Fatalf("KeyTypes %v", model.KeyTypes)
	}
	for _, kt := range model.KeyTypes {
		if got := [2]string{kt.Label(), kt.Prefix()}; got != want[kt] || !kt.Valid() {
			t.Errorf("%s: label, prefix %v; want %v", kt, got, want[kt])
		}
	}
	if bogus := model.KeyType("bogus"); bogus.Label() != "bogus" || bogus.Prefix() != "" || bogus.Valid() {
		t.Error("an unknown key type has a label or prefix")
	}
}
