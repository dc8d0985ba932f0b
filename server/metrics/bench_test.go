package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
	"github.com/apikeys-dev/apikeys/server/metrics"
)

// BenchmarkHooks is what metrics add to one verify request: a key check and an
// answered request (a counter, a cached counter and a histogram).
func BenchmarkHooks(b *testing.B) {
	m := metrics.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.KeyChecked(backend.CheckValid)
			m.HTTPRequest("POST /api/v1/keys/verify", 200, 300*time.Microsecond)
		}
	})
}

// BenchmarkVerify is a verify request through the real handler (SQLite store,
// rate limiter, JSON access log to io.Discard) without and with metrics.
func BenchmarkVerify(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "metrics=off"
		if on {
			name = "metrics=on"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "apikeys.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			m := metrics.New()
			bcfg := backend.Config{Store: st}
			hcfg := httpapi.Config{RateLimit: 1 << 30, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			if on {
				bcfg.KeyChecked = m.KeyChecked
				hcfg.Observe = m.HTTPRequest
			}
			be := backend.New(bcfg)
			owner, _, err := be.Bootstrap(ctx, "Acme", "Olive Owner", "olive@example.com", nil)
			if err != nil {
				b.Fatal(err)
			}
			sess, _ := be.SessionFor(ctx, owner.ID, model.SourceCLI)
			_, sec, err := sess.CreateKey(ctx, backend.CreateKeyRequest{Name: "bench", Type: model.KeyImport, Expires: be.Policy().Today(be.Now()).AddDays(30)})
			if err != nil {
				b.Fatal(err)
			}
			hcfg.Backend = be
			h := httpapi.New(hcfg).Handler()
			body := verifyBody(sec.Reveal(), model.KeyImport)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "/api/v1/keys/verify", strings.NewReader(body))
					req.RemoteAddr = "127.0.0.1:1234"
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Errorf("%d %s", w.Code, w.Body)
						return
					}
				}
			})
			b.StopTimer()
			_ = be.Flush(ctx)
		})
	}
}
