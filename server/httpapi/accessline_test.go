package httpapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// The hand-appended access log line is the one slog.JSONHandler writes for
// the same record, byte for byte, whatever the path, method and address hold.
func TestAccessLineMatchesSlog(t *testing.T) {
	for _, c := range []struct {
		name, method, target, remote string
		status                       int
		info                         reqInfo
	}{
		{"verify", "POST", "/api/v1/keys/verify", "127.0.0.1:5555", 200, reqInfo{requestID: "req_1", keyID: "key_abc"}},
		{"no status written", "GET", "/livez", "[::1]:80", 0, reqInfo{requestID: "req_2"}},
		{"refused with a code", "GET", "/api/v1/audit-logs/events", "192.0.2.1:1", 401, reqInfo{requestID: "r", code: "unauthenticated"}},
		{"server error", "GET", "/x", "192.0.2.1:1", 503, reqInfo{requestID: "r", code: "internal"}},
		{"behind a proxy", "GET", "/x", "10.0.0.1:1", 200, reqInfo{requestID: "r", viaProxy: true, client: netip.MustParseAddr("2001:db8::1")}},
		{"quotes, backslashes, controls", "GET", "/a%22b%5Cc%08d%0Ce%0Af%0Dg%09h%01i%1F", "x", 404, reqInfo{requestID: "\"\\\x7f"}},
		{"unicode and invalid UTF-8", "GET", "/%E2%80%A8%E2%80%A9%C3%A9%FF%F0%9F%94%91", "x", 404, reqInfo{requestID: "é\u2028"}},
		{"HTML characters", "GET", "/<script>&amp;", "x", 404, reqInfo{requestID: "<>&"}},
		{"a secret in the path", "GET", "/api/v1/keys/apk_imp_abcdefghijklmnopqrstuvwxyz0123", "x", 404, reqInfo{requestID: "r"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.target, nil)
			r.RemoteAddr = c.remote
			rec := &recorder{status: c.status, bytes: 4711}
			d := 1234567 * time.Nanosecond
			at := time.Date(2026, 12, 1, 22, 58, 3, 120_450_000, time.FixedZone("X", 3600))
			level := slog.LevelInfo
			if c.status >= 500 {
				level = slog.LevelError
			}

			var want bytes.Buffer
			rd := slog.NewRecord(at, level, "http request", 0)
			rd.AddAttrs(accessAttrs(r, rec, &c.info, d)...)
			if err := slog.NewJSONHandler(&want, nil).Handle(context.Background(), rd); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			s := &Server{accessJSON: &got}
			s.accessLine(r, rec, &c.info, d, level, at)
			if got.String() != want.String() {
				t.Fatalf("accessLine wrote\n%s\nslog writes\n%s", got.String(), want.String())
			}
		})
	}
}

// FuzzAccessLine: any path, method, address and ids come out as slog's do.
func FuzzAccessLine(f *testing.F) {
	f.Add("/api/v1/keys/verify", "POST", "127.0.0.1:1", "req_1", "key_1", "")
	f.Add("/\x08\x0c\u2028\xff", "GET", "\"", "\\", "<>", "&")
	f.Fuzz(func(t *testing.T, path, method, remote, reqID, keyID, code string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path, r.Method, r.RemoteAddr = path, method, remote
		info := reqInfo{requestID: reqID, keyID: keyID, code: code}
		rec := &recorder{status: 200}
		at := time.Date(2026, 12, 1, 0, 0, 0, 1, time.UTC)
		var want bytes.Buffer
		rd := slog.NewRecord(at, slog.LevelInfo, "http request", 0)
		rd.AddAttrs(accessAttrs(r, rec, &info, time.Second)...)
		_ = slog.NewJSONHandler(&want, nil).Handle(context.Background(), rd)
		var got bytes.Buffer
		(&Server{accessJSON: &got}).accessLine(r, rec, &info, time.Second, slog.LevelInfo, at)
		if got.String() != want.String() {
			t.Fatalf("accessLine wrote\n%q\nslog writes\n%q", got.String(), want.String())
		}
	})
}

// BenchmarkAccessLog is one verify's access log line through slog's JSON
// handler and appended by hand, each into a LogBuffer over io.Discard as
// `serve` writes it: CPU per line.
func BenchmarkAccessLog(b *testing.B) {
	r := httptest.NewRequest("POST", "/api/v1/keys/verify", nil)
	r.RemoteAddr = "127.0.0.1:50000"
	info := &reqInfo{requestID: "req_0123456789abcdef0123", keyID: "key_0123456789abcdef"}
	rec := &recorder{status: 200, bytes: 131}
	for _, c := range []struct {
		name string
		json bool
	}{{"slog", false}, {"line", true}} {
		b.Run(c.name, func(b *testing.B) {
			buf := NewLogBuffer(io.Discard)
			defer buf.Close()
			s := &Server{log: slog.New(slog.NewJSONHandler(buf, nil))}
			if c.json {
				s.accessJSON = buf
			}
			cpu0 := testkit.CPUTime()
			for b.Loop() {
				s.accessLog(r, rec, info, 41*time.Microsecond, time.Now())
			}
			b.ReportMetric(float64(testkit.CPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// With the line appended by hand, the logger's level still decides: at warn,
// a 200 writes nothing and a 500 its ERROR line.
func TestAccessLineFollowsTheLoggersLevel(t *testing.T) {
	var out bytes.Buffer
	s := &Server{log: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})), accessJSON: &out}
	r := httptest.NewRequest("GET", "/x", nil)
	s.accessLog(r, &recorder{status: 200}, &reqInfo{requestID: "a"}, time.Millisecond, time.Now())
	if out.Len() != 0 {
		t.Fatalf("a 200 at level warn wrote %q", out.String())
	}
	s.accessLog(r, &recorder{status: 500}, &reqInfo{requestID: "b"}, time.Millisecond, time.Now())
	if !bytes.Contains(out.Bytes(), []byte(`"level":"ERROR","msg":"http request","requestId":"b"`)) {
		t.Fatalf("a 500 at level warn wrote %q", out.String())
	}
}

// The path is the client's text: in the access line, as JSON or as text, it
// reaches the log's terminal with nothing a terminal acts on. slog's JSON
// escapes C0 controls but writes DEL, the C1 controls (U+009B is CSI: "\u009b31m"
// turns a terminal red) and bidi overrides (U+202E) as they are.
func TestAccessLinePathIsSafeOnATerminal(t *testing.T) {
	for _, target := range []string{"/%C2%9B31mred", "/%7F", "/%E2%80%AEtxt.exe", "/%1B%5B2J", "/%C2%9Apk_imp_abcdefghijklmnopqrstuvwxyz0123"} {
		r := httptest.NewRequest("GET", target, nil)
		info := reqInfo{requestID: "r"}
		rec := &recorder{status: 404}
		at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		var line, text bytes.Buffer
		(&Server{accessJSON: &line}).accessLine(r, rec, &info, time.Second, slog.LevelInfo, at)
		rd := slog.NewRecord(at, slog.LevelInfo, "http request", 0)
		rd.AddAttrs(accessAttrs(r, rec, &info, time.Second)...)
		if err := slog.NewTextHandler(&text, nil).Handle(context.Background(), rd); err != nil {
			t.Fatal(err)
		}
		for _, l := range []string{strings.TrimSuffix(line.String(), "\n"), strings.TrimSuffix(text.String(), "\n")} {
			if model.Sanitize(l) != l {
				t.Errorf("%s: the log line holds what a terminal acts on: %q", target, l)
			}
			if strings.Contains(l, "abcdefghijklmnopqrstuvwxyz0123") {
				t.Errorf("%s: the log line holds the secret: %q", target, l)
			}
		}
	}
}
