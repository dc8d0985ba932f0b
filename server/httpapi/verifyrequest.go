package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// readVerifyRequest reads and decodes a verify body. The body is read whole
// into a pooled buffer and, in the shape every client sends — one object of
// "key", "type" and "address" strings of printable ASCII without escapes —
// read by hand (parseVerifyFast); anything else goes to encoding/json, which
// decides what it means and what is wrong with it, as it always did. By hand,
// BenchmarkDecodeVerifyRequest: 0.16–0.18 µs of CPU and 2 allocations against
// encoding/json's 1.8–2.1 µs and 12 (load average 17); through a real serve,
// encoding/json was a twelfth of a verify's CPU. FuzzVerifyFastMatchesJSON
// holds every body the fast path takes to encoding/json's reading of it.
//
// The errors are encoding/json's (io.EOF for an empty body, errTrailing for
// data after the object), the body reader's *http.MaxBytesError, or, for a
// body that stopped coming, errBodyCut with the reader's error.
func (s *Server) readVerifyRequest(w http.ResponseWriter, r *http.Request) (contract.VerifyRequest, error) {
	body := r.Body
	if r.ContentLength < 0 || r.ContentLength > s.maxBody {
		// Only a body of unknown size can grow past the limit while read: a
		// known one ends at its Content-Length (and a larger one was refused).
		body = http.MaxBytesReader(w, r.Body, s.maxBody)
	}
	buf := bodyBufs.Get().(*[]byte)
	b, err := readAll(body, (*buf)[:0])
	if cap(b) <= maxPooledBody {
		*buf = b[:0]
		defer bodyBufs.Put(buf) // what is returned is copied out of b
	}
	if err != nil {
		if !tooBig(err) {
			err = fmt.Errorf("%w: %w", errBodyCut, err)
		}
		return contract.VerifyRequest{}, err
	}
	if req, ok := parseVerifyFast(b); ok {
		return req, nil
	}
	return decodeVerifyJSON(b)
}

// errBodyCut is a body that ended before its end or came slower than
// ReadTimeout allows: what is wrong is its delivery, not its JSON.
var errBodyCut = errors.New("the request body was cut short")

// bodyBufs hold verify bodies while they are read; one that grew past
// maxPooledBody (a large, refused body) is not kept.
var bodyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledBody = 8 << 10

// readAll is io.ReadAll into b.
func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// decodeVerifyJSON is the request as encoding/json reads it: unknown fields
// refused, one object and nothing after it.
func decodeVerifyJSON(b []byte) (contract.VerifyRequest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	// A missing key is a broken request (400), an empty key is a malformed key
	// (valid:false): the request's pointers tell them apart.
	var req contract.VerifyRequest
	err := dec.Decode(&req)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.Join(errTrailing, terr)
		}
	}
	return req, err
}

// parseVerifyFast reads b when it is a JSON object whose members are "key",
// "type" and "address", each at most once, with string values of printable
// ASCII and no backslash, white space anywhere JSON allows it and nothing
// after the object. For anything else it reports false, and encoding/json
// reads it: names in another case, escapes, null, unknown fields, errors.
func parseVerifyFast(b []byte) (contract.VerifyRequest, bool) {
	var req contract.VerifyRequest
	var vals *[3]string // what req points at: one allocation for the three
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return req, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return req, skipSpace(b, i+1) == len(b)
	}
	for {
		name, j, ok := plainString(b, i)
		if !ok {
			return req, false
		}
		i = skipSpace(b, j)
		if i == len(b) || b[i] != ':' {
			return req, false
		}
		val, j, ok := plainString(b, skipSpace(b, i+1))
		if !ok {
			return req, false
		}
		if vals == nil {
			vals = new([3]string)
		}
		switch string(name) {
		case "key":
			if req.Key != nil {
				return req, false
			}
			vals[0] = string(val)
			req.Key = &vals[0]
		case "type":
			if req.Type != nil {
				return req, false
			}
			vals[1] = keyTypeString(val)
			req.Type = &vals[1]
		case "address":
			if req.Address != nil {
				return req, false
			}
			vals[2] = string(val)
			req.Address = &vals[2]
		default:
			return req, false
		}
		i = skipSpace(b, j)
		if i == len(b) {
			return req, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return req, skipSpace(b, i+1) == len(b)
		default:
			return req, false
		}
	}
}

// plainString reads a JSON string at b[i:] of printable ASCII without escapes,
// returning its contents and the index after its closing quote.
func plainString(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// skipSpace is the index of the first byte at or after i that isn't JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// keyTypeString is v as a string, the key type's own when it names one (no
// copy for the type every request names).
func keyTypeString(v []byte) string {
	for _, t := range model.KeyTypes {
		if string(t) == string(v) {
			return string(t)
		}
	}
	return string(v)
}
