package contract_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// A page of the Audit Logs API: what reading each payload as its type costs
// on top of encoding the page.
func BenchmarkAuditPage1000(b *testing.B) {
	evs := auditPage()
	b.ReportAllocs()
	for b.Loop() {
		page := contract.EventPage{Events: contract.AuditEventsOf(evs)}
		if _, err := json.Marshal(page); err != nil {
			b.Fatal(err)
		}
	}
}

// The same page with the payloads passed through as stored, for comparison.
func BenchmarkAuditPage1000Raw(b *testing.B) {
	evs := auditPage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(struct{ Events []model.AuditEvent }{evs}); err != nil {
			b.Fatal(err)
		}
	}
}

// auditPage is a full page of key-created events, each payload as stored.
func auditPage() []model.AuditEvent {
	at := time.Date(2027, 3, 10, 15, 4, 5, 0, time.UTC)
	evs := make([]model.AuditEvent, 1000)
	for i := range evs {
		evs[i] = model.AuditEvent{
			ID: fmt.Sprintf("evt_%016x", i), Type: model.EventApiKeyCreated, EventTimestamp: at, IngestionTimestamp: at,
			Actor:  model.Actor{Type: model.ActorMember, ID: "mem_1", Name: "Olive Owner", Email: "olive@example.com"},
			Source: model.SourceTUI,
			Payload: json.RawMessage(fmt.Sprintf(`{"expiresAt":"2027-06-08T00:00:00Z","hint":"apk_imp_Ab3x…9fQz","keyId":"key_%016d","name":"Nightly import %d","type":"import"}`,
				i, i%97)),
		}
	}
	return evs
}
