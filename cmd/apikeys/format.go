package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apikeys-dev/apikeys/model"
)

// writeJSON prints v, one of package contract's types (the CLI's promise to
// scripts, documented in server/httpapi/openapi.json), as indented JSON. Text
// from the store is data here, so it is not altered — but characters that would
// act on a terminal rather than print (bidi overrides, DEL, other invisibles)
// are written as \u escapes, which decode to the very same string.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeUnprintable(buf.Bytes()))
	return err
}

// escapeUnprintable rewrites, inside encoded JSON, every rune that isn't printable
// as a \u escape. encoding/json already escapes C0 controls and replaces invalid
// UTF-8; outside strings encoded JSON is plain ASCII, so no structure is touched.
func escapeUnprintable(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || (r >= 0x80 && !unicode.IsPrint(r)) {
			if out == nil {
				out = append(make([]byte, 0, len(b)+16), b[:i]...)
			}
			if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else if out != nil {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return b
	}
	return out
}

// table prints aligned columns. Every cell goes through model.Sanitize: a name that
// slipped past validation still can't move the cursor or reorder the line.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, headers ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(headers...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(t.tw, "\t")
		}
		fmt.Fprint(t.tw, model.Sanitize(c))
	}
	fmt.Fprint(t.tw, "\n")
}

func (t *table) flush() error { return t.tw.Flush() }

// expiryText is a key's Expires column: "valid through 30 Jun 2027",
// "valid through 3 Jul 2026 (expires in 5 days)", "replaced, expires in 23h",
// "expired (valid through 2 Jun 2026)", "deleted"; where the key stops inside a
// day of the workspace zone (the zone changed after the date was picked),
// "valid until 22 Dec 2026 09:00 JST" (model.ValidUntil).
func expiryText(k model.Key, p model.ExpiryPolicy, now time.Time) string {
	valid := model.ValidUntil(k.ExpiresAt, p.Loc())
	switch k.State(now) {
	case model.KeyRevoked:
		return "deleted"
	case model.KeyExpired:
		if k.ReplacedBy != "" {
			return "replaced, expired"
		}
		return "expired (" + valid + ")"
	case model.KeyReplaced:
		return "replaced, expires in " + model.Span(k.ExpiresAt.Sub(now))
	}
	if left := k.ExpiresAt.Sub(now); left < 24*time.Hour {
		return valid + " (expires in " + model.Span(left) + ")"
	} else if days, soon := p.CountDown(k, now); soon {
		return fmt.Sprintf("%s (expires in %d days)", valid, days)
	}
	return valid
}
