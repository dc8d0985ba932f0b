package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// BenchmarkVerifyHandler is the CPU cost of one verify request through the
// handler and the backend, without the network: where the time goes when
// cmd/loadgen's ratio disappoints.
func BenchmarkVerifyHandler(b *testing.B) {
	benchVerify(b, httpapi.Config{})
}

// BenchmarkVerifyLogged is BenchmarkVerifyHandler with the access log on (JSON,
// to io.Discard), as serve runs it: what a request costs, log line included.
func BenchmarkVerifyLogged(b *testing.B) {
	benchVerify(b, httpapi.Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
}

// BenchmarkVerifyLoggedLine is BenchmarkVerifyLogged with the access log
// appended by hand (Config.AccessLogJSON), as `serve --log-format json` does.
func BenchmarkVerifyLoggedLine(b *testing.B) {
	benchVerify(b, httpapi.Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), AccessLogJSON: io.Discard})
}

func benchVerify(b *testing.B, cfg httpapi.Config) {
	ws := testkit.NewWorkspace(b, testkit.Options{})
	_, imp := ws.CreateKey("bench", model.KeyImport)
	cfg.Backend, cfg.RateLimit = ws.Backend, 1<<30
	testkit.BenchVerify(b, httpapi.New(cfg).Handler(), testkit.VerifyBody(imp, model.KeyImport))
}

// BenchmarkVerifyPath is one verify through the handler as `serve --log-format
// json` runs it (the access line appended by hand into a LogBuffer behind the
// redacting writer), with a request and a response writer reused, so that
// allocs/op and ns/op are the server's own and not httptest's: the per-request
// cost the ceiling process (cmd/loadgen -ceiling) doesn't pay.
func BenchmarkVerifyPath(b *testing.B) {
	ws := testkit.NewWorkspace(b, testkit.Options{})
	_, imp := ws.CreateKey("bench", model.KeyImport)
	logs := httpapi.NewLogBuffer(io.Discard)
	defer logs.Close()
	h := httpapi.New(httpapi.Config{Backend: ws.Backend, RateLimit: 1 << 30,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)), AccessLogJSON: model.RedactWriter(logs)}).Handler()
	body := testkit.VerifyBody(imp, model.KeyImport)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/keys/verify", nil)
	req.RemoteAddr = "127.0.0.1:50000"
	rb := &resettableBody{}
	req.Body, req.ContentLength = rb, int64(len(body))
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	cpu0 := testkit.CPUTime()
	for b.Loop() {
		rb.Reset(body)
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	b.ReportMetric(float64(testkit.CPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

type resettableBody struct{ strings.Reader }

func (*resettableBody) Close() error { return nil }

// benchWriter is the least a ResponseWriter can be.
type benchWriter struct {
	h      http.Header
	status int
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *benchWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
