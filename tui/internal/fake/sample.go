package fake

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// Now is the fixed clock of the sample workspace: 1 Jul 2026, 10:00 UTC.
var Now = time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)

// Member ids of the sample workspace, one per account type.
const (
	Owner          = "mem_ana"
	SecurityAdmin  = "mem_ben"
	WorkspaceAdmin = "mem_chloe"
	Builder        = "mem_dev"
)

// Empty is the sample workspace with its members and no keys, signed in as me.
func Empty(me string) *Client {
	c := &Client{
		Clock: Now,
		Pol:   model.ExpiryPolicy{Location: time.UTC, MaxLifetimeDays: model.DefaultMaxLifetimeDays},
		WS:    model.Workspace{ID: "ws_acme", Name: "Acme Corp", CreatedAt: Now.AddDate(-1, 0, 0)},
		MeID:  me,
	}
	at := func(days int) time.Time { return Now.AddDate(0, 0, -days) }
	c.Members = []model.Member{
		{ID: Owner, Name: "Ana Lima", Email: "ana@acme.test", AccountType: model.PrimaryOwner, Status: model.StatusActive,
			SSHKeys:   []model.SSHKey{{Fingerprint: "SHA256:q0V9rXnKkF3u7a1n2s3d4f5g6h7j8k9l0zXcVbNm", Comment: "ana@laptop", AddedAt: at(300)}},
			CreatedAt: at(365), Version: 3},
		{ID: SecurityAdmin, Name: "Ben Ortiz", Email: "ben@acme.test", AccountType: model.SecurityAdmin, Status: model.StatusActive, CreatedAt: at(200), Version: 1},
		{ID: WorkspaceAdmin, Name: "Chloé Martin", Email: "chloe@acme.test", AccountType: model.WorkspaceAdmin, Status: model.StatusActive, CreatedAt: at(150), Version: 2},
		{ID: Builder, Name: "Dev Patel", Email: "dev@acme.test", AccountType: model.Builder, Status: model.StatusActive, CreatedAt: at(90), Version: 1},
		{ID: "mem_eve", Name: "Eve Adams", Email: "eve@acme.test", AccountType: model.RegularMember, Status: model.StatusDeactivated, CreatedAt: at(60), Version: 4},
	}
	return c
}

// Sample is the sample workspace with keys in every state: active, expiring
// soon, expired, replaced and in grace, and the key that replaced it.
func Sample(me string) *Client {
	c := Empty(me)
	ago := func(d time.Duration) *time.Time { t := Now.Add(-d); return &t }
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	key := func(id, name string, t model.KeyType, n int, created time.Time, by string, expires time.Time, used *time.Time) model.Key {
		s := Secret(t, n)
		m := c.memberByID(by)
		return model.Key{ID: id, Name: name, Type: t, Hint: s.Hint(), Hash: s.Hash(), CreatedAt: created, CreatedBy: by, CreatedByName: m.Name,
			ExpiresAt: expires, LastUsedAt: used, UpdatedAt: created, UpdatedBy: by, UpdatedByName: m.Name, Version: 1}
	}
	partnerNew := key("key_partner2", "Partner import", model.KeyImport, 6, Now.Add(-1*time.Hour), WorkspaceAdmin, day(2026, 12, 28), nil)
	partnerNew.RotatedFrom = "key_partner1"
	partnerOld := key("key_partner1", "Partner import", model.KeyImport, 5, day(2026, 1, 5), WorkspaceAdmin, Now.Add(23*time.Hour), ago(10*time.Minute))
	partnerOld.ReplacedBy = "key_partner2"
	c.Keys = []model.Key{
		partnerNew,
		key("key_export", "Nightly export to S3", model.KeyExport, 1, Now.Add(-20*time.Hour), Owner, day(2027, 7, 1), ago(2*time.Hour)),
		key("key_billing", "Billing import", model.KeyImport, 2, day(2026, 6, 20), WorkspaceAdmin, day(2026, 7, 13), ago(72*time.Hour)),
		key("key_siem", "SIEM audit stream", model.KeyAuditLogs, 3, day(2026, 6, 10), SecurityAdmin, day(2026, 9, 28), ago(5*time.Minute)),
		key("key_meta", "Old metadata sync", model.KeyModelingMetadata, 4, day(2026, 3, 2), Owner, day(2026, 6, 15), ago(20*24*time.Hour)),
		partnerOld,
	}
	c.Events = []model.AuditEvent{
		event(1, model.EventApiKeyRotated, Now.Add(-1*time.Hour), c.memberByID(WorkspaceAdmin), model.SourceTUI, map[string]any{"keyId": "key_partner2", "name": "Partner import", "rotatedFrom": "key_partner1"}),
		event(2, model.EventApiKeyCreated, Now.Add(-20*time.Hour), c.memberByID(Owner), model.SourceTUI, map[string]any{"keyId": "key_export", "name": "Nightly export to S3", "type": "export"}),
		event(3, model.EventSshSessionStarted, Now.Add(-21*time.Hour), c.memberByID(Owner), model.SourceSSH, map[string]any{"fingerprint": "SHA256:q0V9rXnKkF3u7a1n2s3d4f5g6h7j8k9l0zXcVbNm", "remoteAddress": "192.0.2.10"}),
		event(4, model.EventUserDeactivated, Now.Add(-5*24*time.Hour), c.memberByID(WorkspaceAdmin), model.SourceCLI, map[string]any{"userId": "mem_eve", "userName": "Eve Adams", "userEmail": "eve@acme.test"}),
		event(5, model.EventApiKeyUpdated, Now.Add(-8*24*time.Hour), c.memberByID(SecurityAdmin), model.SourceTUI, map[string]any{"keyId": "key_siem", "name": "SIEM audit stream", "changes": map[string]any{"name": map[string]string{"old": "SIEM", "new": "SIEM audit stream"}}}),
		event(6, model.EventUserInvited, Now.Add(-60*24*time.Hour), c.memberByID(Owner), model.SourceCLI, map[string]any{"userId": "mem_eve", "userName": "Eve Adams", "userEmail": "eve@acme.test"}),
	}
	return c
}

func (c *Client) memberByID(id string) model.Member {
	for _, m := range c.Members {
		if m.ID == id {
			return m
		}
	}
	return model.Member{}
}

func event(n int, t model.EventType, at time.Time, by model.Member, src model.Source, payload map[string]any) model.AuditEvent {
	raw, _ := json.Marshal(payload)
	return model.AuditEvent{
		ID: fmt.Sprintf("evt_%04d", n), Type: t, EventTimestamp: at, IngestionTimestamp: at,
		Actor:  model.Actor{Type: model.ActorMember, ID: by.ID, Name: by.Name, Email: by.Email},
		Source: src, Payload: raw,
	}
}

// Many is the sample workspace with n generated keys, newest first, for
// benchmarks.
func Many(me string, n int) *Client {
	c := Empty(me)
	c.Keys = make([]model.Key, n)
	types := model.KeyTypes
	for i := range c.Keys {
		t := types[i%len(types)]
		created := Now.Add(-time.Duration(i) * time.Minute)
		used := created.Add(time.Duration(i%90) * time.Minute)
		c.Keys[i] = model.Key{
			ID: fmt.Sprintf("key_%012d", n-i), Name: fmt.Sprintf("Service %d %s", n-i, t.Label()), Type: t,
			Hint: fmt.Sprintf("apk_%s_%04d…%04d", t.Prefix(), i%10000, (i*7)%10000), CreatedAt: created,
			CreatedBy: Owner, CreatedByName: "Ana Lima", ExpiresAt: Now.AddDate(0, 0, 1+i%360),
			LastUsedAt: &used, UpdatedAt: created, Version: 1,
		}
	}
	return c
}
