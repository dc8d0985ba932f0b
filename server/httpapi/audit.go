package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// The Audit Logs API's limits, published in openapi.json.
const (
	MaxLookBack  = 180 * 24 * time.Hour // oldest `from` accepted, counted back from now
	DefaultRange = 24 * time.Hour       // the range when `from` is not given
)

// handleEvents is GET /api/v1/audit-logs/events. The key is checked before the
// query, so a caller without a valid key learns nothing from validation errors.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authenticate(w, r, model.KeyAuditLogs); !ok {
		return
	}
	f, err := parseEventQuery(r.URL.RawQuery, s.now())
	if err != nil {
		s.writeModelError(w, r, err)
		return
	}
	page, err := s.b.AuditEvents(r.Context(), f)
	if err != nil {
		s.writeModelError(w, r, err)
		return
	}
	writeEventPage(w, page.Events, page.NextPageToken)
}

// eventParams are the query parameters the endpoint knows. Anything else is
// refused: a misspelt `pagetoken` silently ignored would restart the listing.
var eventParams = map[string]bool{"from": true, "to": true, "limit": true, "pageToken": true, "eventType": true,
	"actorId": true, "keyId": true}

// parseEventQuery reads and checks the query of the Audit Logs API at now.
//
// Range: `from` defaults to 24 hours before `to`, or before now; `to` defaults
// to unbounded (everything up to now and whatever arrives while paging, which the
// cursor keeps off later pages anyway). `from` older than MaxLookBack is refused
// by the backend, on every page. An `eventType` beside a `pageToken` must be the
// token's (the backend refuses another), and so must `actorId` and `keyId`.
func parseEventQuery(raw string, now time.Time) (backend.EventFilter, error) {
	var f backend.EventFilter
	q, err := url.ParseQuery(raw)
	if err != nil {
		return f, model.Invalid("query", "The query string is not valid URL encoding.")
	}
	for name, vals := range q {
		if !eventParams[name] {
			return f, model.Invalid(name, "Unknown query parameter %s: use from, to, limit, pageToken, eventType, actorId or keyId.", model.Quote(name))
		}
		if name != "eventType" && len(vals) > 1 {
			return f, model.Invalid(name, "Query parameter %q is given more than once.", name)
		}
	}

	if v, ok := single(q, "to"); ok {
		if f.To, err = parseTime("to", v); err != nil {
			return f, err
		}
	}
	if v, ok := single(q, "from"); ok {
		if f.From, err = parseTime("from", v); err != nil {
			return f, err
		}
	} else if !f.To.IsZero() {
		f.From = f.To.Add(-DefaultRange)
	} else {
		f.From = now.Add(-DefaultRange)
	}
	// The backend checks the look-back, on this page and on every later one,
	// whose window comes from the token.
	f.MaxLookBack = MaxLookBack
	if !f.To.IsZero() && f.To.Before(f.From) {
		return f, model.Invalid("to", "to (%s) is before from (%s).",
			f.To.UTC().Format(time.RFC3339Nano), f.From.UTC().Format(time.RFC3339Nano))
	}

	f.Limit = model.MaxEventPageSize
	if v, ok := single(q, "limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > model.MaxEventPageSize {
			return f, model.Invalid("limit", "limit must be a whole number from 1 to %d.", model.MaxEventPageSize)
		}
		f.Limit = n
	}

	for _, v := range q["eventType"] {
		for _, name := range strings.Split(v, ",") {
			t, err := model.ParseEventType(strings.TrimSpace(name))
			if err != nil {
				return f, model.Invalid("eventType", "Unknown eventType %s: use one of %s.", model.Quote(name), model.EventTypeList())
			}
			f.Types = append(f.Types, t)
		}
	}

	for name, to := range map[string]*string{"actorId": &f.Actor, "keyId": &f.Key} {
		if v, ok := single(q, name); ok {
			if v == "" {
				return f, model.Invalid(name, "%s is empty: give an id, or leave it out.", name)
			}
			*to = v
		}
	}

	if v, ok := single(q, "pageToken"); ok {
		if v == "" {
			return f, model.Invalid("pageToken", "pageToken is empty: pass the nextPageToken of the previous page, or leave it out for the first page.")
		}
		f.PageToken = v
	}
	return f, nil
}

func single(q url.Values, name string) (string, bool) {
	vals, ok := q[name]
	if !ok || len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}

func parseTime(name, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, model.Invalid(name, "%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z.", name)
	}
	return t.UTC(), nil
}

// authenticate checks the Bearer key for an API of key type want. On failure it
// has answered 401 or 403 and returns false. On success the key id joins the
// access log.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, want model.KeyType) (model.Key, bool) {
	presented, ok := bearer(r.Header)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="apikeys"`)
		writeError(w, r, http.StatusUnauthorized, codeUnauthenticated,
			"Send an "+want.Label()+" API key as \"Authorization: Bearer <key>\".")
		return model.Key{}, false
	}
	key, err := s.b.Authenticate(r.Context(), presented, want, clientOf(w, r).String())
	if err != nil {
		s.writeModelError(w, r, err)
		return model.Key{}, false
	}
	infoOf(w).keyID = key.ID
	return key, true
}

// bearer extracts the token of a single "Authorization: Bearer <token>" header
// (scheme case-insensitive, RFC 7235).
func bearer(h http.Header) (string, bool) {
	vals := h.Values("Authorization")
	if len(vals) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
