package metrics_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/internal/testkit"
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
			m := metrics.New()
			var o testkit.Options
			hcfg := httpapi.Config{RateLimit: 1 << 30, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			if on {
				o.KeyChecked, hcfg.Observe = m.KeyChecked, m.HTTPRequest
			}
			ws := testkit.NewWorkspace(b, o)
			_, sec := ws.CreateKey("bench", model.KeyImport)
			hcfg.Backend = ws.Backend
			testkit.BenchVerify(b, httpapi.New(hcfg).Handler(), testkit.VerifyBody(sec, model.KeyImport))
		})
	}
}
