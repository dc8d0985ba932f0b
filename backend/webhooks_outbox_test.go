package backend_test

import (
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

// Deliveries get ids in the order they were made, so the outbox's id index
// grows at its end (random ids put each of an event's deliveries on a page of
// its own, and every page a commit dirties is written and synced), and
// deliveries made in one instant still list newest first.
func TestDeliveryIDsSortInTheOrderMade(t *testing.T) {
	e := newEnv(t, model.ExpiryPolicy{})
	for range 3 {
		e.addWebhook(model.HookKeyCreated)
	}
	var keys []string
	for _, name := range []string{"first", "second", "third", "fourth"} {
		k, _ := e.createKey(name, model.KeyImport) // the clock stands still
		keys = append(keys, k.ID)
	}
	got := e.deliveries("")
	if len(got) != 12 {
		t.Fatalf("%d deliveries, want 12", len(got))
	}
	var order []string
	for i, d := range got {
		if i > 0 && d.delivery.ID >= got[i-1].delivery.ID {
			t.Errorf("delivery %d: id %s lists after %s, want ids descending", i, d.delivery.ID, got[i-1].delivery.ID)
		}
		if i%3 == 0 {
			order = append(order, d.msg.Data.KeyID)
		}
	}
	if want := strings.Join([]string{keys[3], keys[2], keys[1], keys[0]}, " "); strings.Join(order, " ") != want {
		t.Errorf("deliveries list keys %v, want newest first %s", order, want)
	}
}
