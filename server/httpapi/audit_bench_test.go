package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// BenchmarkAuditPage1000 is the CPU cost of one page of 1000 audit events
// through the handler, the backend and the SQLite store, without the network:
// where the time goes when cmd/loadgen's audit figures disappoint.
func BenchmarkAuditPage1000(b *testing.B) {
	e := newEnv(b, httpapi.Config{RateLimit: 1 << 30})
	_, secret := e.createKey("audit", model.KeyAuditLogs)
	now := e.clock.Now()
	err := e.st.Update(context.Background(), func(tx store.Tx) error {
		for i := range 3000 {
			at := now.Add(-time.Duration(i) * time.Second).Truncate(time.Microsecond)
			typ, raw, err := model.EncodePayload(model.ApiKeyCreatedPayload{
				KeyRef:    model.KeyRef{KeyID: fmt.Sprintf("key_%016d", i), Name: fmt.Sprintf("Nightly import %d", i%97), Type: model.KeyImport},
				Hint:      "apk_imp_Ab3x…9fQz",
				ExpiresAt: at.Add(90 * 24 * time.Hour),
			})
			if err != nil {
				return err
			}
			if err := tx.AppendEvent(context.Background(), model.AuditEvent{
				ID: fmt.Sprintf("evt_%016x%08x", at.UnixMicro(), i), Type: typ, EventTimestamp: at, IngestionTimestamp: at,
				Actor:  model.Actor{Type: model.ActorMember, ID: "mem_benchOwner000001", Name: "Olive Owner", Email: "olive@example.com"},
				Source: model.SourceTUI, Payload: raw,
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	h := httpapi.New(httpapi.Config{Backend: e.b, RateLimit: 1 << 30, Clock: e.clock.Now}).Handler()
	b.ReportAllocs()
	cpu0 := testkit.CPUTime()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/audit-logs/events?limit=1000", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.RemoteAddr = "127.0.0.1:1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	// CPU per page: steadier than ns/op on a machine others are using.
	b.ReportMetric(float64(testkit.CPUTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}
