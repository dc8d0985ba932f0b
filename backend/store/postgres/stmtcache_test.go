package postgres_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/model"
)

// A write transaction's statements are prepared once per connection and
// reused (pgx's statement cache, its default), not parsed and planned again
// for each key: after three creates on one connection, the key and audit
// INSERTs are each prepared there once.
func TestWritesUsePreparedStatements(t *testing.T) {
	s := open(t, withParam(freshDatabase(t), "pool_max_conns", "1"))
	for i := range 3 {
		k := testKey(fmt.Sprintf("key_%d", i))
		if err := s.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.InsertKey(t.Context(), k); err != nil {
				return err
			}
			return tx.AppendEvent(t.Context(), model.AuditEvent{ID: fmt.Sprintf("evt_%d", i), Type: model.EventApiKeyCreated,
				EventTimestamp: t0, IngestionTimestamp: t0, Actor: model.Actor{Type: model.ActorMember, ID: "mem_ana"},
				Source: model.SourceCLI, Payload: json.RawMessage(`{}`)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	prepared, err := postgres.PreparedStatements(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"api_keys", "audit_events"} {
		n := 0
		for _, st := range prepared {
			if strings.Contains(st, "INSERT INTO "+table) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the INSERT INTO %s is prepared %d times on the connection, want once: %q", table, n, prepared)
		}
	}
}
