package backend_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

func TestRotationGrace(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	old, oldSecret := e.createKey("siem", model.KeyAuditLogs) // expires in 30 days
	rot, err := owner.RotateKey(e.ctx, old.ID, backend.RotateKeyRequest{Version: old.Version, Grace: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if rot.New.Name != old.Name || rot.New.Type != old.Type || rot.New.RotatedFrom != old.ID || rot.Old.ReplacedBy != rot.New.ID {
		t.Fatalf("rotation doesn't link: old %+v new %+v", rot.Old, rot.New)
	}
	if !rot.Old.ExpiresAt.Equal(start.Add(24 * time.Hour)) {
		t.Fatalf("grace ends %v, want %v", rot.Old.ExpiresAt, start.Add(24*time.Hour))
	}
	// Default new expiry: the old lifetime (30 days) again from today.
	if got := e.b.Policy().ExpiryDate(rot.New.ExpiresAt); got != e.days(30) {
		t.Fatalf("new key expires %v, want %v", got, e.days(30))
	}
	auth := func(s model.Secret) error {
		_, err := e.b.Authenticate(e.ctx, s.Reveal(), model.KeyAuditLogs, "127.0.0.1")
		return err
	}
	if auth(oldSecret) != nil || auth(rot.Secret) != nil {
		t.Fatal("both keys must work during the grace period")
	}
	e.clock.Set(rot.Old.ExpiresAt.Add(-time.Microsecond))
	if err := auth(oldSecret); err != nil {
		t.Fatalf("old key refused before grace end: %v", err)
	}
	e.clock.Set(rot.Old.ExpiresAt)
	wantKind(t, auth(oldSecret), model.KindUnauthenticated)
	if err := auth(rot.Secret); err != nil {
		t.Fatal(err)
	}
	// Once the grace is over, the old key leaves the list.
	keys, _ := owner.ListKeys(e.ctx, backend.KeyFilter{})
	for _, k := range keys {
		if k.ID == old.ID {
			t.Fatal("a replaced key past its grace is still listed")
		}
	}
}

func TestGraceNeverOutlivesTheKey(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, _, err := owner.CreateKey(e.ctx, backend.CreateKeyRequest{Name: "short", Type: model.KeyImport, Expires: e.days(2)})
	if err != nil {
		t.Fatal(err)
	}
	rot, err := owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Grace: 30 * 24 * time.Hour, Expires: ptr(e.days(60))})
	if err != nil {
		t.Fatal(err)
	}
	if !rot.Old.ExpiresAt.Equal(k.ExpiresAt) {
		t.Fatalf("grace moved the old key's expiry from %v to %v", k.ExpiresAt, rot.Old.ExpiresAt)
	}
	if e.b.Policy().ExpiryDate(rot.New.ExpiresAt) != e.days(60) {
		t.Fatal("chosen expiry not used")
	}
	_, err = owner.RotateKey(e.ctx, rot.New.ID, backend.RotateKeyRequest{Grace: 2 * time.Hour})
	wantKind(t, err, model.KindInvalid)
}

func TestRotationRules(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	k, _ := e.createKey("imports", model.KeyImport)
	rot, err := owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Grace: 0})
	if err != nil {
		t.Fatal(err)
	}
	if rot.Old.State(e.clock.Now()) != model.KeyExpired {
		t.Fatal("grace 'now' must stop the old key at once")
	}
	_, err = owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Grace: time.Hour})
	wantKind(t, err, model.KindInvalid)
	if !strings.Contains(err.Error(), rot.New.ID) {
		t.Fatalf("refusal should name the replacement: %v", err)
	}
	// An expired key can be rotated: that is how it is renewed.
	e.clock.Set(rot.New.ExpiresAt.Add(time.Hour))
	if _, err := owner.RotateKey(e.ctx, rot.New.ID, backend.RotateKeyRequest{Grace: time.Hour}); err != nil {
		t.Fatalf("rotating an expired key: %v", err)
	}
	// The audit payload links both keys and holds no secret.
	evs, err := owner.ListEvents(e.ctx, backend.EventFilter{Types: []model.EventType{model.EventApiKeyRotated}})
	if err != nil || len(evs.Events) != 2 {
		t.Fatalf("rotated events: %d %v", len(evs.Events), err)
	}
	var p map[string]any
	_ = json.Unmarshal(evs.Events[1].Payload, &p)
	if p["keyId"] != k.ID || p["newKeyId"] != rot.New.ID {
		t.Fatalf("payload %s", evs.Events[1].Payload)
	}
	if strings.Contains(string(evs.Events[1].Payload), rot.Secret.Reveal()) {
		t.Fatal("the rotation event holds the secret")
	}
}

func TestConcurrentRotationOneWins(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	k, _ := e.createKey("siem", model.KeyAuditLogs)
	sessions := []*backend.Session{e.as(model.PrimaryOwner), e.as(model.SecurityAdmin)}
	var wg sync.WaitGroup
	errs := make([]error, len(sessions))
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Version: k.Version, Grace: time.Hour})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if model.KindOf(err) != model.KindConflict {
			t.Fatalf("the losing rotation failed with %v, want a conflict", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d rotations succeeded, want exactly 1", ok)
	}
	keys, _ := sessions[0].ListKeys(e.ctx, backend.KeyFilter{})
	if len(keys) != 2 {
		t.Fatalf("%d keys after one rotation, want 2", len(keys))
	}
}

func TestExpiringWithin(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	mk := func(name string, days int) model.Key {
		k, _, err := owner.CreateKey(e.ctx, backend.CreateKeyRequest{Name: name, Type: model.KeyExport, Expires: e.days(days)})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	mk("in 15 days (last day 14)", 15)
	mk("in 16 days", 16)
	mk("in 3 days", 3)
	graced := mk("rotated", 200)
	if _, err := owner.RotateKey(e.ctx, graced.ID, backend.RotateKeyRequest{Grace: 7 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	keys, err := owner.ListKeys(e.ctx, backend.KeyFilter{ExpiringWithin: 14 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	got := strings.Join(names, ",")
	for _, want := range []string{"in 15 days (last day 14)", "in 3 days", "rotated"} {
		if !strings.Contains(got, want) {
			t.Fatalf("expiring within 14 days: %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "in 16 days") || len(names) != 3 {
		t.Fatalf("expiring within 14 days: %q", got)
	}
}

// The default new expiry counts the old lifetime in calendar days: across the
// autumn clock change a 30-day key rotated on its first day gets 30 days again.
func TestDefaultRotationExpiryAcrossDST(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, model.ExpiryPolicy{Location: paris})
	e.clock.Set(time.Date(2026, 9, 30, 22, 30, 0, 0, time.UTC)) // 00:30 on 1 Oct in Paris
	k, _, err := e.as(model.PrimaryOwner).CreateKey(e.ctx, backend.CreateKeyRequest{Name: "k", Type: model.KeyImport, Expires: e.days(30)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.b.DefaultRotationExpiry(k), e.days(30); got != want {
		t.Fatalf("default rotation expiry %v, want %v", got, want)
	}
}
