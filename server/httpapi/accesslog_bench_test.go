package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// BenchmarkVerifyLogged is BenchmarkVerifyHandler with the access log on (JSON,
// to io.Discard), as serve runs it: what a request costs, log line included.
func BenchmarkVerifyLogged(b *testing.B) {
	e := newEnv(b, httpapi.Config{RateLimit: 1 << 30})
	_, imp := e.createKey("bench", model.KeyImport)
	h := httpapi.New(httpapi.Config{Backend: e.b, RateLimit: 1 << 30, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}).Handler()
	body := verifyBody(imp, model.KeyImport)
	b.ReportAllocs()
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
}
