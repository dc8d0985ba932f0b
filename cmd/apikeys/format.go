package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

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
// Columns are measured in terminal cells (ansi.StringWidth, by grapheme), not
// bytes or runes as text/tabwriter does: 鍵 and 🔑 take two cells, 👩‍💻 two, é one.
type table struct {
	w    io.Writer
	rows [][]string
}

func newTable(w io.Writer, headers ...string) *table {
	t := &table{w: w}
	t.row(headers...)
	return t
}

func (t *table) row(cells ...string) {
	r := make([]string, len(cells))
	for i, c := range cells {
		r[i] = model.Sanitize(c)
	}
	t.rows = append(t.rows, r)
}

// flush writes the rows, each cell but a row's last padded to its column's
// widest cell and two spaces.
func (t *table) flush() error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r[:max(len(r)-1, 0)] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	t.rows = nil
	_, err := io.WriteString(t.w, b.String())
	return err
}

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
		return valid + " (expires in " + model.Days(days) + ")"
	}
	return valid
}
