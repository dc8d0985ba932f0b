package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

func eventID(e model.AuditEvent) string { return e.ID }

func newEvent(id string, typ model.EventType, ingestion time.Time) model.AuditEvent {
	return model.AuditEvent{
		ID: id, Type: typ,
		EventTimestamp:     ingestion.Add(-time.Millisecond),
		IngestionTimestamp: ingestion,
		Actor:              model.Actor{Type: model.ActorMember, ID: "mem_ana", Name: "Ana", Email: "ana@example.com"},
		Source:             model.SourceCLI,
		Payload:            json.RawMessage(fmt.Sprintf(`{"keyId":"key_%s"}`, id)),
	}
}

// listOrder is Events' order: IngestionTimestamp descending, then ID descending
// in byte order.
func listOrder(a, b model.AuditEvent) int {
	if c := b.IngestionTimestamp.Compare(a.IngestionTimestamp); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

// expectEvents is what Events(q) must return, worked out in plain Go.
func expectEvents(all []model.AuditEvent, q store.EventQuery) []model.AuditEvent {
	sorted := slices.Clone(all)
	slices.SortFunc(sorted, listOrder)
	out := []model.AuditEvent{}
	for _, e := range sorted {
		ts := e.IngestionTimestamp
		switch {
		case !q.From.IsZero() && ts.Before(q.From):
		case !q.To.IsZero() && !ts.Before(q.To):
		case len(q.Types) > 0 && !slices.Contains(q.Types, e.Type):
		case q.Actor != "" && e.Actor.ID != q.Actor:
		case q.Key != "" && !slices.Contains(e.KeyIDs(), q.Key):
		case q.After != nil && listOrder(model.AuditEvent{IngestionTimestamp: q.After.Ingestion, ID: q.After.ID}, e) >= 0:
		default:
			out = append(out, e)
		}
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out
}

func (f *fixture) appendEvents(es ...model.AuditEvent) {
	f.t.Helper()
	f.update(func(tx store.Tx) error {
		for _, e := range es {
			if err := tx.AppendEvent(f.ctx, e); err != nil {
				return fmt.Errorf("AppendEvent(%s): %w", e.ID, err)
			}
		}
		return nil
	})
}

func (f *fixture) events(q store.EventQuery) []model.AuditEvent {
	f.t.Helper()
	got, err := f.s.Events(f.ctx, q)
	if err != nil {
		f.t.Fatalf("Events(%+v): %v", q, err)
	}
	return got
}

func cursorAt(e model.AuditEvent) *store.Cursor {
	return &store.Cursor{Ingestion: e.IngestionTimestamp, ID: e.ID}
}

func testEvents(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("FieldsRoundTrip", func(t *testing.T) {
		f := setup(t, open)
		full := newEvent("evt_full", model.EventUserAccountTypeUpdated, at(time.Second))
		full.Actor = model.Actor{Type: model.ActorAPIKey, ID: "key_1", Name: "Nightly ✓"}
		full.Source = model.SourceAPI
		full.Payload = json.RawMessage(`{"userId":"mem_1","userName":"Bo","userEmail":"bo@example.com",` +
			`"newAccountType":"builder","previousAccountType":"member","n":3,"nested":{"list":[1,"two",null,true]}}`)
		empty := newEvent("evt_empty", model.EventSshSessionStarted, at(2*time.Second))
		empty.Payload = nil
		f.appendEvents(full, empty)

		got := f.events(store.EventQuery{})
		want := []model.AuditEvent{empty, full}
		want[0].Payload = json.RawMessage(`null`) // no payload reads back as JSON null
		assertEqual(t, "Events", want, got)
	})

	t.Run("IngestionStampedWhenZero", func(t *testing.T) {
		f := setup(t, open)
		e := newEvent("evt_1", model.EventApiKeyCreated, time.Time{})
		e.EventTimestamp = at(0)
		before := time.Now()
		f.appendEvents(e)
		after := time.Now()
		got := f.events(store.EventQuery{})
		if len(got) != 1 {
			t.Fatalf("Events = %v, want evt_1", ids(got, eventID))
		}
		// A database server's clock may stand a little apart from ours.
		const skew = 2 * time.Second
		ts := got[0].IngestionTimestamp
		if ts.Before(before.Add(-skew)) || ts.After(after.Add(skew)) || ts.Location() != time.UTC {
			t.Fatalf("IngestionTimestamp = %s, want the time of the write (%s…%s) in UTC",
				fmtTime(ts), fmtTime(before), fmtTime(after))
		}
		if !got[0].EventTimestamp.Equal(at(0)) {
			t.Fatalf("EventTimestamp = %s, want %s as given", fmtTime(got[0].EventTimestamp), fmtTime(at(0)))
		}
	})

	// A log with ties on ingestion time, ids differing only in case, and
	// several types, queried every way the Audit Logs API can.
	all := []model.AuditEvent{
		newEvent("evt_01", model.EventApiKeyCreated, at(0)),
		newEvent("evt_02", model.EventApiKeyUpdated, at(time.Minute)),
		newEvent("evt_0b", model.EventApiKeyCreated, at(2*time.Minute)),
		newEvent("evt_0B", model.EventApiKeyDeleted, at(2*time.Minute)),
		newEvent("evt_0a", model.EventUserInvited, at(2*time.Minute)),
		newEvent("evt_05", model.EventApiKeyCreated, at(3*time.Minute)),
		newEvent("evt_06", model.EventSshKeyAdded, at(3*time.Minute+time.Microsecond)),
		newEvent("evt_07", model.EventApiKeyCreated, at(4*time.Minute)),
		newEvent("evt_08", model.EventApiKeyRotated, at(5*time.Minute)),
		newEvent("evt_09", model.EventApiKeyCreated, at(5*time.Minute)),
	}
	// Other actors, and keys named by newKeyId and keyIds as well as keyId.
	all[1].Payload = json.RawMessage(`{"keyIds":["key_shared","key_evt_01"],"listId":"ipl_1"}`)
	all[4].Actor = model.Actor{Type: model.ActorMember, ID: "mem_bo", Name: "Bo"}
	all[4].Payload = json.RawMessage(`{"userId":"mem_cy"}`)
	all[6].Actor = model.Actor{Type: model.ActorAPIKey, ID: "key_evt_01", Name: "Nightly"}
	all[8].Payload = json.RawMessage(`{"keyId":"key_evt_08","newKeyId":"key_shared"}`)
	all[9].Actor = all[4].Actor
	byID := map[string]model.AuditEvent{}
	for _, e := range all {
		byID[e.ID] = e
	}

	t.Run("Query", func(t *testing.T) {
		f := setup(t, open)
		// Appended out of order, in two transactions.
		f.appendEvents(all[5:]...)
		f.appendEvents(all[:5]...)
		cases := []struct {
			name string
			q    store.EventQuery
		}{
			{"everything newest first", store.EventQuery{}},
			{"From is inclusive", store.EventQuery{From: at(2 * time.Minute)}},
			{"To is exclusive", store.EventQuery{To: at(2 * time.Minute)}},
			{"From and To", store.EventQuery{From: at(time.Minute), To: at(3*time.Minute + time.Microsecond)}},
			{"From equal to To is empty", store.EventQuery{From: at(time.Minute), To: at(time.Minute)}},
			{"window with no events", store.EventQuery{From: at(time.Hour), To: at(2 * time.Hour)}},
			{"one type", store.EventQuery{Types: []model.EventType{model.EventApiKeyCreated}}},
			{"two types", store.EventQuery{Types: []model.EventType{model.EventApiKeyDeleted, model.EventUserInvited}}},
			{"a type with no events", store.EventQuery{Types: []model.EventType{model.EventUserDeactivated}}},
			{"Limit 1", store.EventQuery{Limit: 1}},
			{"Limit 4 cuts a tie", store.EventQuery{Limit: 4}},
			{"Limit above the count", store.EventQuery{Limit: 100}},
			{"After the newest", store.EventQuery{After: cursorAt(byID["evt_09"])}},
			{"After inside a tie", store.EventQuery{After: cursorAt(byID["evt_0b"])}},
			{"After the last of a tie", store.EventQuery{After: cursorAt(byID["evt_0B"])}},
			{"After the oldest is empty", store.EventQuery{After: cursorAt(byID["evt_01"])}},
			{"After a position between events", store.EventQuery{After: &store.Cursor{Ingestion: at(2 * time.Minute), ID: "evt_0Z"}}},
			{"After with type and limit", store.EventQuery{
				After: cursorAt(byID["evt_07"]), Types: []model.EventType{model.EventApiKeyCreated}, Limit: 2}},
			{"one actor", store.EventQuery{Actor: "mem_bo"}},
			{"an API key as the actor", store.EventQuery{Actor: "key_evt_01"}},
			{"an actor with no events", store.EventQuery{Actor: "mem_nobody"}},
			{"actor and type", store.EventQuery{Actor: "mem_ana", Types: []model.EventType{model.EventApiKeyCreated}}},
			{"actor after a tie", store.EventQuery{Actor: "mem_ana", After: cursorAt(byID["evt_0b"]), Limit: 2}},
			{"a key by keyId", store.EventQuery{Key: "key_evt_05"}},
			{"a key by keyId and keyIds", store.EventQuery{Key: "key_evt_01"}},
			{"a key by newKeyId and keyIds", store.EventQuery{Key: "key_shared"}},
			{"a key no event names", store.EventQuery{Key: "key_nothing"}},
			{"a key in a window", store.EventQuery{Key: "key_shared", From: at(2 * time.Minute)}},
			{"a key after a position", store.EventQuery{Key: "key_shared", After: cursorAt(byID["evt_08"])}},
			{"a key, limited", store.EventQuery{Key: "key_shared", Limit: 1}},
			{"a key and a type", store.EventQuery{Key: "key_shared", Types: []model.EventType{model.EventApiKeyUpdated}}},
			{"a key and its actor", store.EventQuery{Key: "key_evt_01", Actor: "mem_ana"}},
			{"a key and another actor", store.EventQuery{Key: "key_evt_01", Actor: "mem_bo"}},
			{"everything at once", store.EventQuery{
				From: at(time.Minute), To: at(5 * time.Minute), After: cursorAt(byID["evt_0b"]),
				Types: []model.EventType{model.EventApiKeyCreated, model.EventApiKeyDeleted, model.EventApiKeyUpdated},
				Limit: 2}},
			{"everything at once, by a key and an actor", store.EventQuery{
				From: at(0), To: at(5*time.Minute + time.Second), After: cursorAt(byID["evt_09"]),
				Types: []model.EventType{model.EventApiKeyRotated, model.EventApiKeyUpdated},
				Key:   "key_shared", Actor: "mem_ana", Limit: 1}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				want := expectEvents(all, c.q)
				got := f.events(c.q)
				assertOrder(t, "Events", ids(want, eventID), ids(got, eventID))
				assertEqual(t, "Events", want, got)
			})
		}
	})

	t.Run("PagingStableWhileEventsArrive", func(t *testing.T) {
		f := setup(t, open)
		f.appendEvents(all...)
		want := expectEvents(all, store.EventQuery{})

		var pages []model.AuditEvent
		q := store.EventQuery{Limit: 3}
		for page := 0; ; page++ {
			got := f.events(q)
			pages = append(pages, got...)
			if len(got) < q.Limit || page > len(all) {
				break
			}
			q.After = cursorAt(got[len(got)-1])
			// New events land at the head of the list, before the cursor: the
			// pages still to come must not shift.
			// One ties with the newest event; its greater id lists it first.
			f.appendEvents(
				newEvent(fmt.Sprintf("evt_new%d", page), model.EventApiKeyCreated, at(time.Hour+time.Duration(page)*time.Second)),
				newEvent(fmt.Sprintf("evt_10%d", page), model.EventApiKeyUpdated, want[0].IngestionTimestamp),
			)
		}
		assertOrder(t, "events read page by page", ids(want, eventID), ids(pages, eventID))
	})
}
