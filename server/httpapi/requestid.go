package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync/atomic"
)

// RequestIDHeader carries a request's id, in every response and, from a trusted
// proxy, in the request.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an id taken from a proxy; longer ones are replaced.
const maxRequestIDLen = 128

// requestIDs makes request ids: a random per-process prefix and a counter, so
// ids are unique across instances and restarts and cost no system call.
// They identify, they don't authenticate: nothing relies on them being secret.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return &requestIDs{prefix: hex.EncodeToString(b[:])}
}

func (g *requestIDs) next() string {
	buf := make([]byte, 0, len(g.prefix)+1+13)
	buf = append(buf, g.prefix...)
	buf = append(buf, '-')
	return string(strconv.AppendUint(buf, g.n.Add(1), 36))
}

// requestID is r's id: the one a trusted proxy sent, when it is well formed, or
// a new one. Without a trust check (Config.TrustProxy) an incoming id is never
// kept, so a client can't write what it likes into the log.
func (s *Server) requestID(r *http.Request) string {
	if s.trustProxy != nil && s.trustProxy(r) {
		if id := r.Header.Get(RequestIDHeader); validRequestID(id) {
			return id
		}
	}
	return s.ids.next()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
