package backend_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

func (e *env) addWebhook(events ...model.WebhookEvent) model.WebhookEndpoint {
	e.t.Helper()
	ep, _, err := e.as(model.PrimaryOwner).AddWebhook(e.ctx, backend.AddWebhookRequest{
		URL: "https://hooks.example.com/" + string(events[0]), Events: events,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}

// deliveries lists every delivery in the outbox, decoded.
func (e *env) deliveries(endpoint string) []sentMessage {
	e.t.Helper()
	ds, err := e.as(model.PrimaryOwner).ListDeliveries(e.ctx, backend.DeliveryFilter{EndpointID: endpoint, Limit: 100000})
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]sentMessage, len(ds))
	for i, d := range ds {
		out[i].delivery = d.WebhookDelivery
		if err := json.Unmarshal(d.Body, &out[i].msg); err != nil {
			e.t.Fatalf("delivery %s: %v: %s", d.ID, err, d.Body)
		}
	}
	return out
}

type sentMessage struct {
	delivery model.WebhookDelivery
	msg      struct {
		Type string `json:"type"`
		Data struct {
			KeyID     string `json:"keyId"`
			NewKeyID  string `json:"newKeyId"`
			MemberID  string `json:"memberId"`
			DaysLeft  *int   `json:"daysLeft"`
			Threshold int    `json:"thresholdDays"`
			Late      bool   `json:"late"`
		} `json:"data"`
	}
}

func TestWebhookPermissions(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	allowed := map[model.AccountType]bool{model.PrimaryOwner: true, model.SecurityAdmin: true}
	for _, at := range model.AccountTypes {
		s := e.as(at)
		_, _, err := s.AddWebhook(e.ctx, backend.AddWebhookRequest{URL: "https://h.example.com/", Events: []model.WebhookEvent{model.HookKeyCreated}})
		_, lerr := s.ListWebhooks(e.ctx)
		_, derr := s.ListDeliveries(e.ctx, backend.DeliveryFilter{})
		for what, err := range map[string]error{"add": err, "list": lerr, "deliveries": derr} {
			if (err == nil) != allowed[at] {
				t.Errorf("%s %s: %v, want allowed=%v", at, what, err, allowed[at])
			}
			if err != nil && err.Error() != "You need to be a Security Admin to manage webhooks." {
				t.Errorf("%s %s: message %q", at, what, err)
			}
		}
	}
}

func TestOutboxWrittenWithTheChange(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	all := e.addWebhook(model.HookKeyCreated, model.HookKeyRotated, model.HookKeyUpdated, model.HookKeyDeleted, model.HookMemberDeactivated)
	other := e.addWebhook(model.HookKeyExpiring)
	off := e.addWebhook(model.HookKeyCreated)
	if _, err := e.as(model.PrimaryOwner).SetWebhookEnabled(e.ctx, off.ID, false); err != nil {
		t.Fatal(err)
	}

	k, sec := e.createKey("Nightly", model.KeyImport)
	owner := e.as(model.PrimaryOwner)
	e.clock.Add(time.Second) // deliveries list newest first: keep them apart
	rot, err := owner.RotateKey(e.ctx, k.ID, backend.RotateKeyRequest{Grace: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// A refused change (a stale version) writes nothing, deliveries included.
	if _, err := owner.EditKey(e.ctx, rot.New.ID, backend.EditKeyRequest{Version: 99, Name: ptr("x")}); model.KindOf(err) != model.KindConflict {
		t.Fatalf("stale edit: %v", err)
	}
	e.clock.Add(time.Second)
	if _, err := owner.Deactivate(e.ctx, e.members[model.Builder].Email, 0); err != nil {
		t.Fatal(err)
	}
	// Events no endpoint maps to (SSH keys, invitations) enqueue nothing.
	e.addMember("newcomer", model.RegularMember)

	got := e.deliveries(all.ID)
	var types []string
	for i := len(got) - 1; i >= 0; i-- {
		types = append(types, got[i].msg.Type)
		if body := string(got[i].delivery.Body); strings.Contains(body, sec.Reveal()) || strings.Contains(body, rot.Secret.Reveal()) {
			t.Errorf("a delivery holds a secret: %s", body)
		}
	}
	if want := "key.created key.rotated member.deactivated"; strings.Join(types, " ") != want {
		t.Errorf("deliveries = %v, want %s", types, want)
	}
	if r := got[1].msg.Data; r.KeyID != k.ID || r.NewKeyID != rot.New.ID {
		t.Errorf("rotation data = %+v", r)
	}
	if m := got[0].msg.Data; m.MemberID != e.members[model.Builder].ID {
		t.Errorf("deactivation data = %+v", m)
	}
	if n := len(e.deliveries(other.ID)) + len(e.deliveries(off.ID)); n != 0 {
		t.Errorf("%d deliveries for endpoints that don't want them or are disabled", n)
	}
	for _, d := range got {
		if d.delivery.State != model.DeliveryPending || d.delivery.NextAttemptAt == nil {
			t.Errorf("delivery %s is %s, want pending and due", d.delivery.ID, d.delivery.State)
		}
	}
}

func TestEndpointFailingThreeDaysIsDisabled(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	ep := e.addWebhook(model.HookKeyCreated)
	e.createKey("A", model.KeyImport)
	first := e.clock.Now()
	fail := model.WebhookAttempt{Status: 500, Error: "the receiver answered 500"}
	var attempts int
	for {
		jobs, err := e.b.ClaimWebhookJobs(e.ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 0 {
			break
		}
		for _, j := range jobs {
			fail.At = e.clock.Now()
			d, err := e.b.CompleteWebhook(e.ctx, j, fail)
			if err != nil {
				t.Fatal(err)
			}
			attempts++
			if d.NextAttemptAt != nil {
				e.clock.Set(*d.NextAttemptAt)
			}
		}
	}
	eps, _ := e.as(model.SecurityAdmin).ListWebhooks(e.ctx)
	if eps[0].Enabled || !strings.Contains(eps[0].DisabledReason, "3 days") {
		t.Fatalf("endpoint after %d failed attempts: %+v", attempts, eps[0])
	}
	// 5s, 5m, 30m, 2h, 5h, 10h add up to 17h35m5s; the daily retries then reach
	// 41h35m, 65h35m and 89h35m: the one at 89h35m is the first past 3 days.
	if attempts != 10 || e.clock.Now().Sub(first) < model.WebhookDisableAfter {
		t.Errorf("disabled after %d attempts, %v; want 10 attempts, past 72h", attempts, e.clock.Now().Sub(first))
	}
	ds := e.deliveries(ep.ID)
	if len(ds) != 1 || ds[0].delivery.State != model.DeliveryFailed {
		t.Errorf("delivery = %+v, want failed", ds[0].delivery)
	}
	page, err := e.as(model.PrimaryOwner).ListEvents(e.ctx, backend.EventFilter{Types: []model.EventType{model.EventWebhookDisabled}})
	if err != nil || len(page.Events) != 1 || page.Events[0].Actor.Type != model.ActorSystem {
		t.Fatalf("WebhookDisabled events = %+v, %v", page.Events, err)
	}
	// New events are not queued for a disabled endpoint; enabling starts afresh.
	e.createKey("B", model.KeyImport)
	if n := len(e.deliveries(ep.ID)); n != 1 {
		t.Errorf("%d deliveries after a create on a disabled endpoint, want 1", n)
	}
	back, err := e.as(model.SecurityAdmin).SetWebhookEnabled(e.ctx, ep.ID, true)
	if err != nil || !back.Enabled || back.FailingSince != nil || back.DisabledReason != "" {
		t.Errorf("enabled again: %+v, %v", back, err)
	}
}

func TestSuccessClearsTheFailureRecord(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	e.addWebhook(model.HookKeyCreated)
	e.createKey("A", model.KeyImport)
	e.createKey("B", model.KeyImport)
	jobs, _ := e.b.ClaimWebhookJobs(e.ctx, 10)
	if len(jobs) != 2 {
		t.Fatalf("%d jobs", len(jobs))
	}
	e.b.CompleteWebhook(e.ctx, jobs[0], model.WebhookAttempt{Status: 500, At: e.clock.Now()})
	eps, _ := e.as(model.PrimaryOwner).ListWebhooks(e.ctx)
	if eps[0].FailingSince == nil {
		t.Fatal("a failure was not recorded on the endpoint")
	}
	e.b.CompleteWebhook(e.ctx, jobs[1], model.WebhookAttempt{Status: 204, At: e.clock.Now()})
	eps, _ = e.as(model.PrimaryOwner).ListWebhooks(e.ctx)
	if eps[0].FailingSince != nil {
		t.Error("a success left the endpoint failing")
	}
}

func TestExpiringCountOnlyManageableKeys(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	owner := e.as(model.PrimaryOwner)
	for i, c := range []struct {
		kt   model.KeyType
		days int
	}{{model.KeyImport, 3}, {model.KeyImport, 8}, {model.KeyAuditLogs, 2}, {model.KeyExport, 30}, {model.KeyExport, 7}} {
		if _, _, err := owner.CreateKey(e.ctx, backend.CreateKeyRequest{Name: string(rune('a' + i)), Type: c.kt, Expires: e.days(c.days)}); err != nil {
			t.Fatal(err)
		}
	}
	// Expiring on day 8 means valid through day 7: within 7 days.
	want := map[model.AccountType]int{model.PrimaryOwner: 4, model.SecurityAdmin: 1, model.WorkspaceAdmin: 3, model.Builder: 0, model.RegularMember: 0}
	for at, n := range want {
		got, err := e.as(at).ExpiringCount(e.ctx)
		if err != nil || got != n {
			t.Errorf("%s: ExpiringCount = %d, %v; want %d", at, got, err, n)
		}
		if b := e.b.ExpiryBanner(e.ctx, e.members[at].ID); b != model.ExpiryBanner(n) {
			t.Errorf("%s: banner %q", at, b)
		}
	}
	if got := model.ExpiryBanner(4); got != "4 keys expire within 7 days" {
		t.Errorf("banner %q", got)
	}
}

// A key edited into the 7-day window gets the 7-day alert at the next pass, not
// marked late, and not the 14-day one as well.
func TestAlertForKeyEditedIntoTheWindow(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	hook := e.addWebhook(model.HookKeyExpiring)
	owner := e.as(model.PrimaryOwner)
	k, _, err := owner.CreateKey(e.ctx, backend.CreateKeyRequest{Name: "x", Type: model.KeyImport, Expires: e.days(60)})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(10 * 24 * time.Hour)
	if rep, _ := e.b.RunAlerts(e.ctx); rep.Sent != 0 {
		t.Fatalf("alerts for a key 50 days from expiry: %+v", rep)
	}
	d := e.days(6) // valid through today+5
	if _, err := owner.EditKey(e.ctx, k.ID, backend.EditKeyRequest{Expires: &d}); err != nil {
		t.Fatal(err)
	}
	rep, err := e.b.RunAlerts(e.ctx)
	if err != nil || rep.Sent != 1 || rep.Late != 0 || rep.Skipped != 1 {
		t.Fatalf("report %+v, %v; want 1 sent on time, the 14-day one skipped", rep, err)
	}
	ds := e.deliveries(hook.ID)
	if len(ds) != 1 || ds[0].msg.Data.Threshold != 7 || *ds[0].msg.Data.DaysLeft != 5 || ds[0].msg.Data.Late {
		t.Errorf("deliveries %+v", ds)
	}
	if rep, _ := e.b.RunAlerts(e.ctx); rep.Sent != 0 {
		t.Errorf("a second pass sent %d", rep.Sent)
	}
}

func TestFinishedDeliveriesPrunedAfter30Days(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	ep := e.addWebhook(model.HookKeyCreated)
	e.createKey("A", model.KeyImport)
	e.createKey("B", model.KeyImport)
	jobs, _ := e.b.ClaimWebhookJobs(e.ctx, 1)
	if _, err := e.b.CompleteWebhook(e.ctx, jobs[0], model.WebhookAttempt{Status: 200, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(backend.DeliveryRetention - time.Second)
	if n, err := e.b.PruneDeliveries(e.ctx); n != 0 || err != nil {
		t.Fatalf("pruned %d, %v before 30 days", n, err)
	}
	e.clock.Add(2 * time.Second)
	if n, err := e.b.PruneDeliveries(e.ctx); n != 1 || err != nil {
		t.Fatalf("pruned %d, %v; want the delivered one", n, err)
	}
	if ds := e.deliveries(ep.ID); len(ds) != 1 || ds[0].delivery.State != model.DeliveryPending {
		t.Errorf("left %+v, want the pending one", ds)
	}
}
