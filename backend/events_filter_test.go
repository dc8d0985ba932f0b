package backend_test

import (
	"slices"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// The audit log filtered by actor and by key, asked of the store: every page
// of a listing answers the first page's filter, which its token carries.
func TestEventsByActorAndKeyAcrossPages(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	admin := e.as(model.WorkspaceAdmin)
	k, _ := e.createKey("deploy", model.KeyImport)
	other, _ := e.createKey("other", model.KeyImport)
	for i, name := range []string{"deploy 2", "deploy 3", "deploy 4"} {
		s := owner
		if i == 1 {
			s = admin
		}
		cur, err := owner.GetKey(e.ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Version: cur.Version, Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	rot, err := owner.RotateKey(e.ctx, other.ID, backend.RotateKeyRequest{Version: other.Version})
	if err != nil {
		t.Fatal(err)
	}

	// every reads the whole listing of f a page of one at a time.
	every := func(f backend.EventFilter) []model.AuditEvent {
		t.Helper()
		var out []model.AuditEvent
		f.Limit = 1
		for {
			p, err := owner.ListEvents(e.ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p.Events...)
			if p.NextPageToken == "" {
				return out
			}
			// Later pages take the filter from the token.
			f = backend.EventFilter{Limit: 1, PageToken: p.NextPageToken}
		}
	}
	types := func(es []model.AuditEvent) (out []model.EventType) {
		for _, e := range es {
			out = append(out, e.Type)
		}
		return out
	}
	byKey := every(backend.EventFilter{Key: k.ID})
	if got, want := types(byKey), []model.EventType{model.EventApiKeyUpdated, model.EventApiKeyUpdated, model.EventApiKeyUpdated, model.EventApiKeyCreated}; !slices.Equal(got, want) {
		t.Fatalf("events about deploy: %v, want %v", got, want)
	}
	// A rotation is about both keys.
	for _, id := range []string{other.ID, rot.New.ID} {
		if got := types(every(backend.EventFilter{Key: id, Types: []model.EventType{model.EventApiKeyRotated}})); len(got) != 1 {
			t.Fatalf("rotations about %s: %v, want one", id, got)
		}
	}
	byAdmin := every(backend.EventFilter{Key: k.ID, Actor: e.members[model.WorkspaceAdmin].ID})
	if len(byAdmin) != 1 || byAdmin[0].Actor.ID != e.members[model.WorkspaceAdmin].ID {
		t.Fatalf("the admin's events about deploy: %v", types(byAdmin))
	}
	if got := every(backend.EventFilter{Actor: e.members[model.WorkspaceAdmin].ID}); len(got) != 1 {
		t.Fatalf("the admin's events: %v, want the one edit", types(got))
	}

	// A token can't be turned to another key or actor.
	p, err := owner.ListEvents(e.ctx, backend.EventFilter{Key: k.ID, Limit: 1})
	if err != nil || p.NextPageToken == "" {
		t.Fatalf("first page: %v, token %q", err, p.NextPageToken)
	}
	_, err = owner.ListEvents(e.ctx, backend.EventFilter{Key: other.ID, PageToken: p.NextPageToken})
	wantKind(t, err, model.KindInvalid)
	_, err = owner.ListEvents(e.ctx, backend.EventFilter{Actor: "mem_other", PageToken: p.NextPageToken})
	wantKind(t, err, model.KindInvalid)
	if _, err = owner.ListEvents(e.ctx, backend.EventFilter{Key: k.ID, PageToken: p.NextPageToken}); err != nil {
		t.Fatalf("the same key beside its token: %v", err)
	}
}
