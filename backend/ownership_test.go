package backend_test

import (
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

func TestTransferKeyNeedsOwnersWhoMayManageItsType(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, _ := e.createKey("Audit feed", model.KeyAuditLogs)
	if k.OwnerID != e.members[model.PrimaryOwner].ID {
		t.Fatalf("a new key's owner is %q, want its creator", k.OwnerID)
	}
	wes := e.addMember("Wes", model.WorkspaceAdmin)
	sara := e.addMember("Sara", model.SecurityAdmin)
	cases := []struct {
		name string
		as   *backend.Session
		to   string
		kind model.Kind
	}{
		{"a workspace admin can't own an audit-logs key", owner, wes.Email, model.KindInvalid},
		{"a workspace admin can't move one", e.as(model.WorkspaceAdmin), sara.Email, model.KindForbidden},
		{"a builder can't own one", owner, e.members[model.Builder].Email, model.KindInvalid},
	}
	for _, c := range cases {
		if _, err := c.as.TransferKey(e.ctx, k.ID, c.to, 0); model.KindOf(err) != c.kind {
			t.Errorf("%s: %v, want %v", c.name, err, c.kind)
		}
	}
	got, err := owner.TransferKey(e.ctx, k.ID, sara.Email, k.Version)
	if err != nil {
		t.Fatal(err)
	}
	if got.OwnerID != sara.ID || got.OwnerName != "Sara" || got.Version != k.Version+1 {
		t.Fatalf("after transfer: owner %q %q, version %d", got.OwnerID, got.OwnerName, got.Version)
	}
	page, err := owner.ListEvents(e.ctx, backend.EventFilter{Types: []model.EventType{model.EventApiKeyOwnerChanged}})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("events %+v, %v", page.Events, err)
	}
	p, _ := page.Events[0].Decode()
	if pc := p.(model.ApiKeyOwnerChangedPayload); pc.NewOwner.UserID != sara.ID || pc.PreviousOwner.UserID != e.members[model.PrimaryOwner].ID {
		t.Fatalf("payload %+v", pc)
	}
}

func TestDeactivateWithKeys(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	wes := e.addMember("Wes", model.WorkspaceAdmin)
	wa := e.addMember("Wanda", model.WorkspaceAdmin)
	var secrets []model.Secret
	for _, n := range []string{"One", "Two"} {
		k, sec, err := owner.CreateKey(e.ctx, backend.CreateKeyRequest{Name: n, Type: model.KeyImport, Expires: e.days(30)})
		if err != nil {
			t.Fatal(err)
		}
		if k, err = owner.TransferKey(e.ctx, k.ID, wes.ID, 0); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, sec)
	}
	owned, err := owner.OwnedKeys(e.ctx, wes.Email)
	if err != nil || len(owned) != 2 {
		t.Fatalf("owned %v, %v", owned, err)
	}
	// Refused whole: the new owner can't take them, nothing changes.
	if _, _, err := owner.DeactivateTransfer(e.ctx, wes.Email, 0, e.members[model.Builder].Email); model.KindOf(err) != model.KindInvalid {
		t.Fatalf("transfer to a builder: %v", err)
	}
	if m, _ := owner.OwnedKeys(e.ctx, wes.Email); len(m) != 2 {
		t.Fatalf("a refused deactivation moved keys: %v", m)
	}
	if me, err := owner.ListMembers(e.ctx); err == nil {
		for _, m := range me {
			if m.ID == wes.ID && !m.Active() {
				t.Fatal("a refused deactivation deactivated")
			}
		}
	}
	m, moved, err := owner.DeactivateTransfer(e.ctx, wes.Email, 0, wa.Email)
	if err != nil || m.Active() || len(moved) != 2 || moved[0].OwnerID != wa.ID {
		t.Fatalf("deactivate: %+v %+v %v", m, moved, err)
	}
	// Without a transfer the keys stay with the deactivated owner and work.
	k, sec := e.createKey("Three", model.KeyImport)
	if _, err := owner.TransferKey(e.ctx, k.ID, wa.ID, 0); err != nil {
		t.Fatal(err)
	}
	wa2, _ := owner.ListMembers(e.ctx)
	var waNow model.Member
	for _, x := range wa2 {
		if x.ID == wa.ID {
			waNow = x
		}
	}
	_, left, err := owner.DeactivateTransfer(e.ctx, wa.ID, waNow.Version, "")
	if err != nil || len(left) != 3 {
		t.Fatalf("deactivate without transfer: %v, %v", left, err)
	}
	if r, err := e.b.Verify(e.ctx, sec.Reveal(), model.KeyImport, "192.0.2.1"); err != nil || !r.Valid {
		t.Fatalf("a deactivated owner's key stopped: %+v %v", r, err)
	}
	hs, err := owner.KeyHealth(e.ctx, backend.HealthQuery{})
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, h := range hs {
		if model.InBucket(h.Key, model.HygieneFacts{Now: e.b.Now(), OwnerActive: false}, model.BucketOwnerDeactivated) {
			for _, b := range h.Buckets {
				if b == model.BucketOwnerDeactivated {
					flagged++
				}
			}
		}
	}
	if flagged != 3 {
		t.Fatalf("%d keys flagged owner-deactivated, want 3", flagged)
	}
	_ = secrets
}

func TestRetireEndsTheGraceNow(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, sec := e.createKey("Old", model.KeyImport)
	if _, err := owner.RetireKey(e.ctx, k.ID, 0); model.KindOf(err) != model.KindInvalid {
		t.Fatalf("retire an active key: %v", err)
	}
	rot, err := owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Version: k.Version, Grace: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.as(model.SecurityAdmin).RetireKey(e.ctx, k.ID, 0); model.KindOf(err) != model.KindForbidden {
		t.Fatalf("a security admin retires an import key: %v", err)
	}
	old, err := owner.RetireKey(e.ctx, k.ID, rot.Old.Version)
	if err != nil {
		t.Fatal(err)
	}
	if old.State(e.b.Now()) != model.KeyExpired {
		t.Fatalf("after retire: %v", old.State(e.b.Now()))
	}
	if r, _ := e.b.Verify(e.ctx, sec.Reveal(), model.KeyImport, "192.0.2.1"); r.Valid || r.Reason != backend.ReasonExpired {
		t.Fatalf("a retired key verifies: %+v", r)
	}
	page, _ := owner.ListEvents(e.ctx, backend.EventFilter{Types: []model.EventType{model.EventApiKeyUpdated}})
	if len(page.Events) != 1 {
		t.Fatalf("%d ApiKeyUpdated events, want the retirement's", len(page.Events))
	}
}
