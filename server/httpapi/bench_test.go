package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// BenchmarkVerifyHandler is the CPU cost of one verify request through the
// handler and the backend, without the network: where the time goes when
// cmd/loadgen's ratio disappoints.
func BenchmarkVerifyHandler(b *testing.B) {
	e := newEnv(b, httpapi.Config{RateLimit: 1 << 30})
	_, imp := e.createKey("bench", model.KeyImport)
	h := httpapi.New(httpapi.Config{Backend: e.b, RateLimit: 1 << 30}).Handler()
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
