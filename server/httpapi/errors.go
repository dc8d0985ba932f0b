package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// Error codes of the JSON error body {"error":{"code":…,"message":…}}. They are
// part of the API (see openapi.json): clients branch on them, people read the
// message.
const (
	codeInvalidRequest   = "invalid_request"    // 400
	codeUnauthenticated  = "unauthenticated"    // 401
	codeForbidden        = "forbidden"          // 403
	codeIPNotAllowed     = "ip_not_allowed"     // 403: the key's IP allow lists refuse the client
	codeNotFound         = "not_found"          // 404
	codeMethodNotAllowed = "method_not_allowed" // 405
	codeConflict         = "conflict"           // 409
	codeTooLarge         = "request_too_large"  // 413
	codeRateLimited      = "rate_limited"       // 429
	codeInternal         = "internal"           // 500
	codeUnavailable      = "unavailable"        // 503
)

// writeError sends the JSON error body and notes the code for the access log.
// Every error body goes out through here, so here anything shaped like a secret
// becomes its hint, whichever message echoed it.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if info := infoOf(w); info != nil {
		info.code = code
	}
	writeJSON(w, status, contract.Error{Error: contract.ErrorDetail{Code: code, Message: model.Redact(msg)}})
}

// writeModelError maps a backend error to its status. Messages of model errors
// are written for people, so they go out (redacted by writeError); anything else is an internal failure whose text stays in the log.
func (s *Server) writeModelError(w http.ResponseWriter, r *http.Request, err error) {
	var status int
	var code string
	switch model.KindOf(err) {
	case model.KindUnauthenticated:
		w.Header().Set("WWW-Authenticate", `Bearer realm="apikeys", error="invalid_token"`)
		status, code = http.StatusUnauthorized, codeUnauthenticated
	case model.KindForbidden:
		if model.IsIPNotAllowed(err) {
			status, code = http.StatusForbidden, codeIPNotAllowed
			break
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="apikeys", error="insufficient_scope"`)
		status, code = http.StatusForbidden, codeForbidden
	case model.KindInvalid:
		status, code = http.StatusBadRequest, codeInvalidRequest
	case model.KindNotFound:
		status, code = http.StatusNotFound, codeNotFound
	case model.KindConflict:
		status, code = http.StatusConflict, codeConflict
	default:
		if r.Context().Err() != nil {
			// The client went away or the server is shutting down; nobody reads this.
			writeError(w, r, http.StatusServiceUnavailable, codeUnavailable, "The request was cancelled.")
			return
		}
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, r, http.StatusInternalServerError, codeInternal, "Something went wrong on the server; try again shortly.")
		return
	}
	writeError(w, r, status, code, err.Error())
}

// writeJSON sends v as JSON. Every response of the API goes through here.
func writeJSON(w http.ResponseWriter, status int, v any) {
	// No HTML escaping: this is an API, and "<key>" reads better than "\u003ckey\u003e".
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v) // Encode ends the body with a newline
	body := buf.Bytes()
	if err != nil {
		// Only our own response types come here; they always marshal.
		body = []byte(`{"error":{"code":"internal","message":"The response could not be encoded."}}` + "\n")
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Content-Length"] = contentLength(len(body))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
