package model

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength is the longest key name allowed, in characters.
const MaxNameLength = 64

// ValidateName trims a key name and checks the rules every key name follows: 1 to 64 characters of
// printable text, with no control characters (C0, C1, DEL), escape sequences or
// bidirectional override and isolate characters. It returns the trimmed name.
func ValidateName(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", Invalid("name", "Name is not valid UTF-8 text.")
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "", Invalid("name", "Name is required.")
	case n > MaxNameLength:
		return "", Invalid("name", "Name is %d characters long; the limit is %d.", n, MaxNameLength)
	case ContainsSecret(s):
		// A pasted secret would be stored, listed and audited in plain text.
		return "", Invalid("name", "Name can't contain an API key secret (text like apk_imp_…): it would be stored and shown to everyone.")
	}
	for _, r := range s {
		switch {
		case r == 0x1b:
			return "", Invalid("name", "Name can't contain escape sequences.")
		case isControl(r):
			return "", Invalid("name", "Name can't contain control characters (found %U).", r)
		case isBidiControl(r):
			return "", Invalid("name", "Name can't contain bidirectional control characters (found %U).", r)
		case !unicode.IsPrint(r) && r != ' ':
			return "", Invalid("name", "Name can't contain invisible or unprintable characters (found %U).", r)
		}
	}
	return s, nil
}

// isControl reports C0, DEL and C1 control characters.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f)
}

// isBidiControl reports the embedding, override, isolate and mark characters that
// can make text display in an order other than the one it is stored in.
func isBidiControl(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e: // LRE RLE PDF LRO RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI RLI FSI PDI
		return true
	case r == 0x200e || r == 0x200f || r == 0x061c: // LRM RLM ALM
		return true
	}
	return false
}

// Sanitize makes untrusted text safe to print on a terminal: control characters,
// escape sequences, bidi controls and invalid UTF-8 are shown as visible escapes
// (\x1b, \u202e) instead of reaching the terminal raw. Printable text is unchanged.
func Sanitize(s string) string {
	if safe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func safe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unsafeRune(r) {
			return false
		}
	}
	return true
}

func unsafeRune(r rune) bool {
	return isControl(r) || isBidiControl(r) || (!unicode.IsPrint(r) && r != ' ')
}

// Quote shows untrusted input inside a message: anything shaped like a secret
// replaced by its hint (Redact), sanitised, cut to 40 characters, in typographic
// quotes (so Sanitize's backslashes aren't escaped a second time). Redaction
// comes before the cut: 40 characters of a secret are its prefix and its whole random
// part, and the checksum is computable from them.
func Quote(s string) string {
	s = Redact(s)
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	// Again after Sanitize: its escapes can complete a prefix ("\x9a" + "pk_imp_…").
	return "“" + Redact(Sanitize(s)) + "”"
}
