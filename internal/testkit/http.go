package testkit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// VerifyBody is the body of POST /api/v1/keys/verify presenting key as kt.
func VerifyBody(key string, kt model.KeyType) string {
	typ := string(kt)
	b, _ := json.Marshal(contract.VerifyRequest{Key: &key, Type: &typ})
	return string(b)
}

// CreateKey makes a key of type kt as the owner, valid for 30 days, and returns
// it with its secret.
func (w *Workspace) CreateKey(name string, kt model.KeyType) (model.Key, string) {
	w.t.Helper()
	k, sec, err := w.Session(w.Owner.ID).CreateKey(context.Background(), backend.CreateKeyRequest{
		Name: name, Type: kt, Expires: w.Backend.Policy().Today(w.Backend.Now()).AddDays(30),
	})
	if err != nil {
		w.t.Fatalf("create %s key: %v", kt, err)
	}
	return k, sec.Reveal()
}

// BenchVerify runs verify requests with body through h in parallel, from one
// client address, each of which must be answered 200.
func BenchVerify(b *testing.B, h http.Handler, body string) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/keys/verify", strings.NewReader(body))
			req.RemoteAddr = "127.0.0.1:1234"
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("%d %s", w.Code, w.Body)
				return
			}
		}
	})
	b.StopTimer()
}
