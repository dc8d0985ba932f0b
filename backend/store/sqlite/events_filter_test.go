package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
)

// The filters by actor and by key read down an index in list order: no scan
// of the log, no sort of it (at 1,000,000 events either took seconds).
func TestEventsFilterPlansUseAnIndex(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "apikeys.db"))
	after := &store.Cursor{Ingestion: time.Unix(1e9, 0), ID: "evt_1"}
	for _, c := range []struct {
		name  string
		q     store.EventQuery
		index string
	}{
		{"actor", store.EventQuery{Actor: "mem_1", Limit: 201}, "audit_events_actor_order"},
		{"actor after a token", store.EventQuery{Actor: "mem_1", After: after, To: time.Unix(2e9, 0), Limit: 201}, "audit_events_actor_order"},
		{"key", store.EventQuery{Key: "key_1", Limit: 201}, "audit_event_keys USING PRIMARY KEY"},
		{"key after a token, with a type and an actor", store.EventQuery{Key: "key_1", After: after, Actor: "mem_1",
			Types: []model.EventType{model.EventApiKeyUpdated}, Limit: 201}, "audit_event_keys USING PRIMARY KEY"},
	} {
		t.Run(c.name, func(t *testing.T) {
			plan, err := sqlite.EventsPlan(t.Context(), s, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, c.index) || strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "SCAN audit_events") {
				t.Fatalf("plan:\n%s\nwant a search of %s in list order, no scan of the log and no sort", plan, c.index)
			}
		})
	}
}

// Events stored before the key filter existed are found by it: the migration
// reads their payloads' keyId, newKeyId and keyIds as AuditEvent.KeyIDs does.
func TestEventsFilterMigrationIndexesOldEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apikeys.db")
	if err := sqlite.CreateAtVersion(t.Context(), path, 12); err != nil {
		t.Fatal(err)
	}
	payloads := map[string]string{
		"evt_1": `{"keyId":"key_a","name":"deploy"}`,
		"evt_2": `{"keyId":"key_a","newKeyId":"key_b"}`,
		"evt_3": `{"listId":"ipl_1","keyIds":["key_b","key_c","key_b"]}`,
		"evt_4": `{"userId":"mem_1"}`,
		"evt_5": `null`,
		"evt_6": `{"keyIds":"key_a"}`, // not a list: KeyIDs reads nothing
		"evt_7": `{"keyId":""}`,
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var all []model.AuditEvent
	for i, id := range []string{"evt_1", "evt_2", "evt_3", "evt_4", "evt_5", "evt_6", "evt_7"} {
		e := model.AuditEvent{ID: id, Type: model.EventApiKeyUpdated, Payload: []byte(payloads[id]),
			IngestionTimestamp: time.UnixMicro(int64(i + 1)).UTC()}
		all = append(all, e)
		if _, err := db.Exec(`INSERT INTO audit_events (id, type, event_ts, ingestion_ts, actor_type, actor_id, actor_name, source, payload)
			VALUES (?, 'ApiKeyUpdated', ?, ?, 'member', 'mem_1', 'Ana', 'cli', ?)`, id, i+1, i+1, payloads[id]); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := open(t, path)
	for _, k := range []string{"key_a", "key_b", "key_c", "key_none"} {
		var want []string
		for _, e := range slices.Backward(all) {
			if slices.Contains(e.KeyIDs(), k) {
				want = append(want, e.ID)
			}
		}
		got, err := s.Events(t.Context(), store.EventQuery{Key: k})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("events about %s after the migration: %v, want %v", k, ids, want)
		}
	}
}
