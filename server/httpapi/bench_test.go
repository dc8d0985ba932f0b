package httpapi_test

import (
	"io"
	"log/slog"
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
