package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
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

type infoKey struct{}

func infoOf(r *http.Request) *reqInfo {
	info, _ := r.Context().Value(infoKey{}).(*reqInfo)
	return info
}

// recorder notes the status and size of a response for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
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
func (s *Server) accessLog(r *http.Request, rec *recorder, info *reqInfo, d time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	// Room for every attribute up front: one allocation, however many apply.
	attrs := append(make([]slog.Attr, 0, 10),
		slog.String("requestId", info.requestID),
		slog.String("method", r.Method),
		slog.String("path", logPath(r.URL.Path)),
		slog.Int("status", status),
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
	s.log.LogAttrs(r.Context(), level, "http request", attrs...)
}

// secretRE matches anything shaped like an API key secret, checksum or not.
var secretRE = regexp.MustCompile(`apk_[A-Za-z]{3}_[0-9A-Za-z]*`)

// logPath is the request path with anything shaped like a secret blanked out: a
// client that puts its key in the URL by mistake must not leak it into the log.
func logPath(p string) string {
	if !strings.Contains(p, "apk_") {
		return p
	}
	return secretRE.ReplaceAllStringFunc(p, func(m string) string { return m[:8] + "[REDACTED]" })
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
