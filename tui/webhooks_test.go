package tui

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// realWorkspace is a workspace on the real backend over a temporary SQLite
// file, with an owner, a workspace admin, and keys of which three expire within
// 7 days: two import keys and an audit-logs key.
func realWorkspace(t *testing.T) (b *backend.Backend, owner, admin model.Member) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "apikeys.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2027, 3, 10, 15, 4, 5, 0, time.UTC)
	// Predictable ids and secrets, so goldens of key details hold still.
	var n atomic.Int64
	b = backend.New(backend.Config{Store: st, Clock: func() time.Time { return now },
		NewID: func(prefix string) string { return fmt.Sprintf("%s_t%06d", prefix, n.Add(1)) },
		NewSecret: func(t model.KeyType) (model.Secret, error) {
			if !t.Valid() {
				return model.NewSecret(t)
			}
			return fake.Secret(t, int(n.Add(1))), nil
		}})
	owner, _, err = b.Bootstrap(ctx, "Acme", "Olive Owner", "olive@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := b.SessionFor(ctx, owner.ID, model.SourceTUI)
	admin, err = s.AddMember(ctx, backend.AddMemberRequest{Name: "Wanda Admin", Email: "wanda@example.com", AccountType: model.WorkspaceAdmin})
	if err != nil {
		t.Fatal(err)
	}
	today := b.Policy().Today(now)
	for _, k := range []struct {
		name string
		kt   model.KeyType
		days int
	}{{"Nightly import", model.KeyImport, 3}, {"Backfill", model.KeyImport, 8}, {"SIEM", model.KeyAuditLogs, 5}, {"Exports", model.KeyExport, 60}} {
		if _, _, err := s.CreateKey(ctx, backend.CreateKeyRequest{Name: k.name, Type: k.kt, Expires: today.AddDays(k.days)}); err != nil {
			t.Fatal(err)
		}
	}
	return b, owner, admin
}

func startReal(t *testing.T, b *backend.Backend, m model.Member) *user {
	t.Helper()
	return startRealAt(t, b, m, gw, gh)
}

func startRealAt(t *testing.T, b *backend.Backend, m model.Member, w, h int) *user {
	t.Helper()
	s, err := b.SessionFor(context.Background(), m.ID, model.SourceTUI)
	if err != nil {
		t.Fatal(err)
	}
	clip := &testkit.SyncBuffer{}
	root := New(Options{Client: s, Renderer: asciiRenderer(), Output: clip})
	return &user{t: t, tm: runSettling(t, root, w, h), clip: clip, w: w, h: h, model: root}
}

// The header counts only the keys the member may manage; ! opens the
// expiring-soon view from any page.
func TestExpiryBanner(t *testing.T) {
	b, owner, admin := realWorkspace(t)
	s := startReal(t, b, owner)
	s.waitFor("3 keys expire within 7 days (!)")
	s.press(tea.KeyTab)
	s.typ("g") // Members, from the sidebar
	s.waitFor("Wanda Admin")
	s.typ("!")
	s.waitFor("expiring soon")
	m, view := s.finish()
	if m.active != m.keysPage() || m.sidebar {
		t.Errorf("after !: page %d, sidebar %v; want the API Keys page focused", m.active, m.sidebar)
	}
	if strings.Contains(view, "Exports") {
		t.Errorf("the expiring view lists a key that expires in 60 days:\n%s", view)
	}

	// A workspace admin manages import keys only: two of the three.
	w := startReal(t, b, admin)
	w.waitFor("2 keys expire within 7 days (!)")
	w.finish()
}

func TestWebhooksPageAddShowsSecretOnce(t *testing.T) {
	b, owner, _ := realWorkspace(t)
	s := startReal(t, b, owner)
	s.waitFor("3 keys expire within 7 days")
	s.press(tea.KeyTab)
	s.typ("g")
	s.typ("jj") // Members, Audit log, Webhooks
	s.waitFor("No webhooks yet.")
	s.press(tea.KeyTab)
	s.typ("n")
	s.waitFor("Add a webhook")
	s.typ("https://hooks.example.com/apikeys")
	s.press(tea.KeyEnter) // to Events: key.expiring and key.expired are chosen
	s.waitFor("┃ Events")
	s.press(tea.KeyEnter) // to Format
	s.waitFor("┃ Format")
	s.press(tea.KeyEnter) // to Description
	s.waitFor("┃ Description")
	s.typ("On-call")
	s.waitFor("On-call")
	s.press(tea.KeyEnter)
	s.waitFor("won't be shown again")
	// The secret stays until it is copied or its loss confirmed.
	s.press(tea.KeyEsc)
	s.waitFor("Close anyway?")
	s.typ("n")
	s.typ("c")
	s.waitFor("OSC 52")
	s.press(tea.KeyEsc)
	s.waitFor("key.expiring, key.expi")
	s.typ("x")
	s.waitFor("Webhook On-call disabled.")
	s.press(tea.KeyEnter)
	s.waitFor("No deliveries yet.")
	s.finish()
	if got := s.clip.String(); !strings.HasPrefix(got, "\x1b]52;c;"+base64.StdEncoding.EncodeToString([]byte("whsec_"))[:6]) {
		t.Errorf("clipboard got %q, want the signing secret in OSC 52", got)
	}
	eps, _ := mustSession(t, b, owner).ListWebhooks(context.Background())
	if len(eps) != 1 || eps[0].Enabled || eps[0].Description != "On-call" || len(eps[0].Events) != 2 {
		t.Errorf("stored endpoints = %+v", eps)
	}
}

func TestWebhooksPageRefusedToWorkspaceAdmin(t *testing.T) {
	b, _, admin := realWorkspace(t)
	s := startReal(t, b, admin)
	s.waitFor("2 keys expire within 7 days")
	s.press(tea.KeyTab)
	s.typ("g")
	s.typ("jj")
	s.waitFor("You need to be a Security Admin to manage webhooks.")
	s.finish()
}

func mustSession(t *testing.T, b *backend.Backend, m model.Member) *backend.Session {
	t.Helper()
	s, err := b.SessionFor(context.Background(), m.ID, model.SourceTUI)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A delivery that failed once shows its answer and its next retry.
func TestGoldenWebhookDeliveries(t *testing.T) {
	b, owner, _ := realWorkspace(t)
	ctx := context.Background()
	o := mustSession(t, b, owner)
	if _, _, err := o.AddWebhook(ctx, backend.AddWebhookRequest{URL: "https://hooks.example.com/apikeys",
		Events: []model.WebhookEvent{model.HookKeyCreated}, Description: "On-call"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.CreateKey(ctx, backend.CreateKeyRequest{Name: "Deploy bot", Type: model.KeyExport,
		Expires: b.Policy().Today(b.Now()).AddDays(30)}); err != nil {
		t.Fatal(err)
	}
	jobs, err := b.ClaimWebhookJobs(ctx, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs %v %v", jobs, err)
	}
	if _, err := b.CompleteWebhook(ctx, jobs[0], model.WebhookAttempt{Status: 503, Error: "the receiver answered 503 Service Unavailable"}); err != nil {
		t.Fatal(err)
	}
	s := startReal(t, b, owner)
	s.waitFor("3 keys expire within 7 days")
	s.press(tea.KeyTab)
	s.typ("g")
	s.typ("jj")
	s.waitFor("failing since")
	s.press(tea.KeyTab)
	s.press(tea.KeyEnter)
	s.waitFor("503 Service Unavailable")
	s.golden()
}
