package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// reqInfo is what handlers tell the access log about a request: its id, the id
// of the key that authenticated it and the error code it got.
type reqInfo struct {
	requestID string
	keyID     string
	code      string
	client    netip.Addr // clientAddr's
	viaProxy  bool       // the peer is a trusted proxy
}

// infoOf is the reqInfo of the request w answers, found through the
// writers wrapping serveHTTP's recorder; nil outside serveHTTP.
func infoOf(w http.ResponseWriter) *reqInfo {
	for {
		switch v := w.(type) {
		case *recorder:
			return v.info
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return nil
		}
	}
}

// recorder notes the status and size of a response for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	info   *reqInfo
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.bytes += int64(n)
	return n, err
}

func (rec *recorder) statusOrOK() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// accessLog writes one line per request. It logs the path without the query
// (which carries nothing a SIEM operator needs to see in a log) and never a
// header or body: the secret travels only there. The key id appears once the
// key has authenticated.
// now is when the request was answered.
func (s *Server) accessLog(r *http.Request, rec *recorder, info *reqInfo, d time.Duration, now time.Time) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	if s.accessJSON != nil {
		if s.log.Enabled(r.Context(), level) {
			s.accessLine(r, rec, info, d, level, now)
		}
		return
	}
	s.log.LogAttrs(r.Context(), level, "http request", accessAttrs(r, rec, info, d)...)
}

// accessAttrs are the access log line's attributes, in their order.
func accessAttrs(r *http.Request, rec *recorder, info *reqInfo, d time.Duration) []slog.Attr {
	// Room for every attribute up front: one allocation, however many apply.
	attrs := append(make([]slog.Attr, 0, 10),
		slog.String("requestId", info.requestID),
		slog.String("method", r.Method),
		slog.String("path", logPath(r.URL.Path)),
		slog.Int("status", rec.statusOrOK()),
		slog.Int64("bytes", rec.bytes),
		slog.Duration("duration", d),
		slog.String("addr", r.RemoteAddr),
	)
	if info.viaProxy {
		attrs = append(attrs, slog.String("client", info.client.String()))
	}
	if info.keyID != "" {
		attrs = append(attrs, slog.String("keyId", info.keyID))
	}
	if info.code != "" {
		attrs = append(attrs, slog.String("code", info.code))
	}
	return attrs
}

// accessLine writes the access log line as slog.JSONHandler writes the
// record accessLog would log, byte for byte (TestAccessLineMatchesSlog,
// FuzzAccessLine), to Config.AccessLogJSON. Appended by hand, a verify's line
// costs 0.35–0.45 µs of CPU against the handler's 2.9–3.2 µs
// (BenchmarkAccessLog, load average 15); through a real serve the handler was
// a tenth of a verify's CPU.
func (s *Server) accessLine(r *http.Request, rec *recorder, info *reqInfo, d time.Duration, level slog.Level, now time.Time) {
	buf := lineBufs.Get().(*[]byte)
	b := append((*buf)[:0], `{"time":"`...)
	b = appendLogTime(b, now)
	b = append(b, `","level":"`...)
	b = append(b, level.String()...)
	b = append(b, `","msg":"http request","requestId":`...)
	b = appendQuoted(b, slogEscapes, info.requestID)
	b = append(b, `,"method":`...)
	b = appendQuoted(b, slogEscapes, r.Method)
	b = append(b, `,"path":`...)
	b = appendQuoted(b, slogEscapes, logPath(r.URL.Path))
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(rec.statusOrOK()), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, rec.bytes, 10)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, int64(d), 10)
	b = append(b, `,"addr":`...)
	b = appendQuoted(b, slogEscapes, r.RemoteAddr)
	if info.viaProxy {
		b = append(b, `,"client":`...)
		b = appendQuoted(b, slogEscapes, info.client.String())
	}
	if info.keyID != "" {
		b = append(b, `,"keyId":`...)
		b = appendQuoted(b, slogEscapes, info.keyID)
	}
	if info.code != "" {
		b = append(b, `,"code":`...)
		b = appendQuoted(b, slogEscapes, info.code)
	}
	b = append(b, "}\n"...)
	_, _ = s.accessJSON.Write(b) // one record per Write, as slog's handler does
	*buf = b
	lineBufs.Put(buf)
}

var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// secretRE matches anything shaped like an API key secret, checksum or not.
var secretRE = regexp.MustCompile(`apk_[A-Za-z]{3}_[0-9A-Za-z]*`)

// logPath is the request path made safe for the log's terminal (model.Sanitize:
// slog's JSON writes DEL, C1 controls such as U+009B, CSI, and bidi overrides as
// they are, its text DEL) with anything shaped like a secret blanked out: a
// client that puts its key in the URL by mistake must not leak it into the log.
// Sanitized first: its escapes can complete a prefix ("\u009a" + "pk_imp_…").
func logPath(p string) string {
	p = model.Sanitize(p)
	if !strings.Contains(p, "apk_") {
		return p
	}
	return secretRE.ReplaceAllStringFunc(p, func(m string) string { return m[:8] + "[REDACTED]" })
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
