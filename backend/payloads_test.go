package backend_test

import (
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// Every event the backend writes reads back as its type's payload struct, with
// the subject filled in: one of each type, from the calls that write them.
func TestEveryEventReadsAsItsPayload(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, _ := e.createKey("Nightly import", model.KeyImport)
	k, err := owner.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Version: k.Version, Name: ptr("Nightly import v2"), Expires: ptr(e.days(40))})
	if err != nil {
		t.Fatal(err)
	}
	rot, err := owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Version: k.Version, Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.DeleteKey(e.ctx, rot.New.ID, rot.New.Version); err != nil {
		t.Fatal(err)
	}
	ana := e.addMember("Ana", model.Builder)
	if ana, err = owner.SetAccountType(e.ctx, ana.ID, model.RegularMember, ana.Version); err != nil {
		t.Fatal(err)
	}
	if ana, err = owner.Deactivate(e.ctx, ana.ID, ana.Version); err != nil {
		t.Fatal(err)
	}
	if ana, err = owner.Reactivate(e.ctx, ana.ID, ana.Version); err != nil {
		t.Fatal(err)
	}
	if ana, err = owner.AddSSHKey(e.ctx, ana.ID, testkit.NewSSHKey(t, "ana@laptop").Line); err != nil {
		t.Fatal(err)
	}
	fp := ana.SSHKeys[0].Fingerprint
	if err := e.b.RecordSSHSession(e.ctx, ana, fp, "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.RemoveSSHKey(e.ctx, ana.ID, fp); err != nil {
		t.Fatal(err)
	}
	ep, _, err := owner.AddWebhook(e.ctx, backend.AddWebhookRequest{URL: "https://hooks.example.com/services/T0/B0/secret",
		Events: []model.WebhookEvent{model.HookKeyExpiring}})
	if err != nil {
		t.Fatal(err)
	}
	for _, enabled := range []bool{false, true} {
		if _, err := owner.SetWebhookEnabled(e.ctx, ep.ID, enabled); err != nil {
			t.Fatal(err)
		}
	}
	if err := owner.RemoveWebhook(e.ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	linked, _ := e.createKey("Linked", model.KeyExport)
	e.createList("office", "198.51.100.0/24")
	for _, step := range []error{
		func() error {
			_, err := owner.EditAllowList(e.ctx, "office", backend.EditAllowListRequest{AddEntries: []string{"2001:db8::/48"}})
			return err
		}(),
		owner.LinkAllowList(e.ctx, "office", []string{linked.ID}),
		owner.SetDefaultAllowList(e.ctx, "office"),
		owner.DeleteAllowList(e.ctx, "office"),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	wes := e.addMember("Wes", model.WorkspaceAdmin)
	if _, err := owner.TransferKey(e.ctx, linked.ID, wes.Email, 0); err != nil {
		t.Fatal(err)
	}

	page, err := owner.ListEvents(e.ctx, backend.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[model.EventType]bool{}
	for _, ev := range page.Events {
		p, err := ev.Decode()
		if err != nil {
			t.Errorf("%s: %v (%s)", ev.Type, err, ev.Payload)
			continue
		}
		if p.EventType() != ev.Type || p.Subject() == "" {
			t.Errorf("%s reads as %T with subject %q", ev.Type, p, p.Subject())
		}
		seen[ev.Type] = true
		switch p := p.(type) {
		case model.ApiKeyUpdatedPayload:
			if p.Changes.Name == nil || p.Changes.Name.Old != "Nightly import" || p.Changes.ExpiresAt == nil {
				t.Errorf("ApiKeyUpdated changes %+v", p.Changes)
			}
		case model.ApiKeyRotatedPayload:
			if p.KeyID != k.ID || p.NewKeyID != rot.New.ID || !p.GraceEndsAt.Equal(rot.Old.ExpiresAt.Truncate(time.Second)) {
				t.Errorf("ApiKeyRotated %+v", p)
			}
		case model.UserAccountTypeUpdatedPayload:
			if p.UserID != ana.ID || p.PreviousAccountType != model.Builder || p.NewAccountType != model.RegularMember {
				t.Errorf("UserAccountTypeUpdated %+v", p)
			}
		case model.SshSessionStartedPayload:
			if p.UserID != ana.ID || p.Fingerprint != fp || p.RemoteAddress != "192.0.2.10" {
				t.Errorf("SshSessionStarted %+v", p)
			}
		case model.SshKeyRemovedPayload:
			if p.Fingerprint != fp {
				t.Errorf("SshKeyRemoved %+v", p)
			}
		}
	}
	for _, et := range model.EventTypes {
		if !seen[et] {
			t.Errorf("no %s event was written", et)
		}
	}
}
