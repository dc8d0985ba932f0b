package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// writeEventPage answers with a page of audit events: the bytes writeJSON would
// write for contract.EventPage, appended field by field. encoding/json's
// reflection took a quarter of a 1000-event page's CPU (BenchmarkAuditPage1000);
// appending takes a tenth of that. TestEventPageEncodingMatchesContract and
// FuzzEventPageEncoding hold the two byte for byte; anything this encoder can't
// write the same (a year outside 0–9999) goes through writeJSON.
func writeEventPage(w http.ResponseWriter, evs []model.AuditEvent, next string) {
	buf := pageBufs.Get().(*[]byte)
	body, ok := appendEventPage((*buf)[:0], evs, next)
	if !ok {
		writeJSON(w, http.StatusOK, contract.EventPage{Events: contract.AuditEventsOf(evs), NextPageToken: next})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	// A page bigger than the usual keeps its memory to itself.
	if cap(body) <= 4<<20 {
		*buf = body
		pageBufs.Put(buf)
	}
}

var pageBufs = sync.Pool{New: func() any { return new([]byte) }}

// appendEventPage appends the page to b as writeJSON would write it, newline
// included; false when an event has something it can't write the same.
func appendEventPage(b []byte, evs []model.AuditEvent, next string) ([]byte, bool) {
	b = append(b, `{"events":[`...)
	for i, e := range evs {
		if i > 0 {
			b = append(b, ',')
		}
		ce := contract.AuditEventOf(e)
		b = append(b, `{"eventId":`...)
		b = appendJSONString(b, ce.EventID)
		b = append(b, `,"eventType":`...)
		b = appendJSONString(b, ce.EventType)
		var ok bool
		b = append(b, `,"eventTimestamp":`...)
		if b, ok = appendJSONTime(b, ce.EventTimestamp); !ok {
			return b, false
		}
		b = append(b, `,"ingestionTimestamp":`...)
		if b, ok = appendJSONTime(b, ce.IngestionTimestamp); !ok {
			return b, false
		}
		b = append(b, `,"actor":{"type":`...)
		b = appendJSONString(b, ce.Actor.Type)
		b = append(b, `,"id":`...)
		b = appendJSONString(b, ce.Actor.ID)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, ce.Actor.Name)
		if ce.Actor.Email != "" {
			b = append(b, `,"email":`...)
			b = appendJSONString(b, ce.Actor.Email)
		}
		b = append(b, `},"source":`...)
		b = appendJSONString(b, ce.Source)
		b = append(b, `,"payload":`...)
		if len(ce.Payload) == 0 {
			b = append(b, "null"...)
		} else if compact(ce.Payload) {
			b = append(b, ce.Payload...)
		} else {
			// The payload is valid JSON (AuditEventOf sees to it); the encoder
			// compacts it, so compact it, in place at the end of b.
			out := bytes.NewBuffer(b)
			if json.Compact(out, ce.Payload) != nil {
				return b, false
			}
			b = out.Bytes()
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	if next != "" {
		b = append(b, `,"nextPageToken":`...)
		b = appendJSONString(b, next)
	}
	return append(b, "}\n"...), true
}

// compact reports whether valid JSON v has no white space outside its strings,
// so that json.Compact would leave it as it is: a payload AuditEventOf encoded,
// or one stored so.
func compact(v []byte) bool {
	inString := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}

// appendJSONTime is t as time.Time's MarshalJSON writes it; false where that
// fails (a year outside 0–9999).
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}
