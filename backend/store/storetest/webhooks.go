package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

func testWebhooks(t *testing.T, open func(t *testing.T) store.Store) {
	endpoint := func(id string) model.WebhookEndpoint {
		return model.WebhookEndpoint{
			ID: id, URL: "https://hooks.example.com/" + id, Description: "ops",
			Events: []model.WebhookEvent{model.HookKeyExpiring, model.HookKeyCreated}, Format: model.FormatStandard,
			Enabled: true, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: at(0), CreatedBy: "mem_1", UpdatedAt: at(0),
		}
	}
	delivery := func(id, ep string, due time.Duration) model.WebhookDelivery {
		d := at(due)
		return model.WebhookDelivery{ID: id, EndpointID: ep, Event: model.HookKeyCreated, Body: []byte(`{"type":"key.created"}`),
			State: model.DeliveryPending, CreatedAt: at(due), NextAttemptAt: &d}
	}

	t.Run("EndpointRoundTrip", func(t *testing.T) {
		f := setup(t, open)
		want := endpoint("whk_1")
		f.update(func(tx store.Tx) error { return tx.InsertWebhookEndpoint(f.ctx, want) })
		got, err := f.s.WebhookEndpoint(f.ctx, "whk_1")
		if err != nil {
			t.Fatal(err)
		}
		want.SecretHint = model.WebhookSecretHint(want.Secret)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n got %+v\nwant %+v", got, want)
		}
		if err := f.s.Update(f.ctx, func(tx store.Tx) error { return tx.InsertWebhookEndpoint(f.ctx, want) }); model.KindOf(err) != model.KindConflict {
			t.Errorf("second insert: %v, want conflict", err)
		}
		got.Enabled, got.DisabledReason, got.FailingSince, got.UpdatedAt = false, "failing", ptr(at(time.Hour)), at(2*time.Hour)
		f.update(func(tx store.Tx) error { return tx.UpdateWebhookEndpoint(f.ctx, got) })
		again, _ := f.s.WebhookEndpoint(f.ctx, "whk_1")
		if !reflect.DeepEqual(again, got) {
			t.Errorf("after update\n got %+v\nwant %+v", again, got)
		}
		if _, err := f.s.WebhookEndpoint(f.ctx, "whk_none"); model.KindOf(err) != model.KindNotFound {
			t.Errorf("missing endpoint: %v", err)
		}
		err = f.s.Update(f.ctx, func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(f.ctx, "whk_none") })
		if model.KindOf(err) != model.KindNotFound {
			t.Errorf("delete missing: %v", err)
		}
	})

	t.Run("ClaimLeaseAndRecord", func(t *testing.T) {
		f := setup(t, open)
		off := endpoint("whk_off")
		off.Enabled = false
		f.update(func(tx store.Tx) error {
			if err := tx.InsertWebhookEndpoint(f.ctx, endpoint("whk_1")); err != nil {
				return err
			}
			if err := tx.InsertWebhookEndpoint(f.ctx, off); err != nil {
				return err
			}
			return tx.EnqueueDeliveries(f.ctx, []model.WebhookDelivery{
				delivery("msg_due", "whk_1", 0), delivery("msg_later", "whk_1", time.Hour), delivery("msg_off", "whk_off", 0),
			})
		})
		got, err := f.s.ClaimDeliveries(f.ctx, at(time.Minute), time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != "msg_due" || string(got[0].Body) != `{"type":"key.created"}` {
			t.Fatalf("claimed %+v, want only msg_due (msg_later is not due, msg_off's endpoint is disabled)", got)
		}
		if again, _ := f.s.ClaimDeliveries(f.ctx, at(90*time.Second), time.Minute, 10); len(again) != 0 {
			t.Errorf("claimed %d deliveries again inside the lease", len(again))
		}
		back, _ := f.s.ClaimDeliveries(f.ctx, at(2*time.Minute), time.Minute, 10)
		if len(back) != 1 || back[0].ID != "msg_due" {
			t.Fatalf("after the lease: %+v, want msg_due again", back)
		}
		d := back[0]
		d.State, d.Attempts, d.NextAttemptAt, d.LastAttemptAt, d.LastStatus, d.LastError =
			model.DeliveryPending, 1, ptr(at(10*time.Minute)), ptr(at(2*time.Minute)), 500, "the receiver answered 500"
		a := model.WebhookAttempt{DeliveryID: d.ID, At: at(2 * time.Minute), Status: 500, Error: d.LastError, Duration: 1500 * time.Microsecond}
		f.update(func(tx store.Tx) error { return tx.RecordAttempt(f.ctx, d, a) })
		a2 := a
		a2.At, a2.Status, a2.Error = at(10*time.Minute), 200, ""
		d.State, d.Attempts, d.NextAttemptAt, d.LastStatus, d.LastError = model.DeliveryDelivered, 2, nil, 200, ""
		f.update(func(tx store.Tx) error { return tx.RecordAttempt(f.ctx, d, a2) })
		as, err := f.s.WebhookAttempts(f.ctx, d.ID)
		if err != nil || !reflect.DeepEqual(as, []model.WebhookAttempt{a, a2}) {
			t.Errorf("attempts = %+v, %v; want %+v", as, err, []model.WebhookAttempt{a, a2})
		}
		ds, err := f.s.WebhookDeliveries(f.ctx, store.DeliveryQuery{EndpointID: "whk_1"})
		if err != nil || len(ds) != 2 || ds[0].ID != "msg_later" || ds[1].State != model.DeliveryDelivered || ds[1].Attempts != 2 {
			t.Errorf("deliveries = %+v, %v", ds, err)
		}
		var pruned int
		f.update(func(tx store.Tx) error {
			var err error
			pruned, err = tx.PruneDeliveries(f.ctx, at(time.Hour)) // msg_due is finished and older; msg_later pending
			return err
		})
		if pruned != 1 {
			t.Errorf("pruned %d, want 1", pruned)
		}
		if as, _ := f.s.WebhookAttempts(f.ctx, "msg_due"); len(as) != 0 {
			t.Errorf("attempts outlived their pruned delivery: %+v", as)
		}
		if ds, _ := f.s.WebhookDeliveries(f.ctx, store.DeliveryQuery{EndpointID: "whk_1"}); len(ds) != 1 || ds[0].ID != "msg_later" {
			t.Errorf("after pruning: %+v, want msg_later only", ds)
		}
		f.update(func(tx store.Tx) error { return tx.FailPending(f.ctx, "whk_1") })
		if p, _ := f.s.WebhookDeliveries(f.ctx, store.DeliveryQuery{State: model.DeliveryPending}); len(p) != 1 || p[0].ID != "msg_off" {
			t.Errorf("pending after FailPending(whk_1) = %+v, want only msg_off", p)
		}
		f.update(func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(f.ctx, "whk_1") })
		if ds, _ := f.s.WebhookDeliveries(f.ctx, store.DeliveryQuery{}); len(ds) != 1 {
			t.Errorf("deliveries after delete = %+v, want msg_off only", ds)
		}
	})

	// Concurrent claimers never take the same delivery.
	t.Run("ClaimConcurrently", func(t *testing.T) {
		f := setup(t, open)
		const n = 200
		f.update(func(tx store.Tx) error {
			if err := tx.InsertWebhookEndpoint(f.ctx, endpoint("whk_1")); err != nil {
				return err
			}
			ds := make([]model.WebhookDelivery, n)
			for i := range ds {
				ds[i] = delivery(fmt.Sprintf("msg_%03d", i), "whk_1", 0)
			}
			return tx.EnqueueDeliveries(f.ctx, ds)
		})
		var (
			mu   sync.Mutex
			seen = map[string]int{}
			wg   sync.WaitGroup
		)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := f.s.ClaimDeliveries(f.ctx, at(time.Second), time.Hour, 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, d := range got {
						seen[d.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("claimed %d distinct deliveries, want %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("%s claimed %d times", id, c)
			}
		}
	})

	t.Run("ClaimAlertOnce", func(t *testing.T) {
		f := setup(t, open)
		var first, second bool
		f.update(func(tx store.Tx) error {
			var err error
			first, err = tx.ClaimAlert(f.ctx, "key_1", "expiring:7", at(0))
			if err != nil {
				return err
			}
			second, err = tx.ClaimAlert(f.ctx, "key_1", "expiring:7", at(time.Hour))
			return err
		})
		var third, other bool
		f.update(func(tx store.Tx) error {
			var err error
			if third, err = tx.ClaimAlert(f.ctx, "key_1", "expiring:7", at(2*time.Hour)); err != nil {
				return err
			}
			other, err = tx.ClaimAlert(f.ctx, "key_1", "expiring:1", at(2*time.Hour))
			return err
		})
		if !first || second || third || !other {
			t.Errorf("claims = %v %v %v %v, want true false false true", first, second, third, other)
		}
		marks, err := f.s.AlertsSent(f.ctx)
		if err != nil || len(marks) != 2 {
			t.Errorf("AlertsSent = %+v, %v", marks, err)
		}
		for _, m := range marks {
			if m.Alert == "expiring:7" && !m.At.Equal(at(0)) {
				t.Errorf("expiring:7 claimed at %v, want the first claim's time", m.At)
			}
		}
	})
}
