package model

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/runenames"
)

// MaxNameLength is the longest key name allowed, in characters.
const MaxNameLength = 64

// ValidateName trims a key name and checks the rules every key name follows: 1 to 64 characters of
// printable text, with no control characters (C0, C1, DEL), escape sequences or
// bidirectional override and isolate characters. Printable text includes the
// joiners emoji and scripts are made of (👩‍💻). A refusal names the character
// (U+200B (ZERO WIDTH SPACE)) and what it is. It returns the trimmed name.
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
	prev := rune(-1)
	for i, r := range s {
		if msg := refusedRune(r); msg != "" {
			if r == 0x1b {
				return "", Invalid("name", "Name can't contain escape sequences.")
			}
			return "", Invalid("name", "Name can't contain %s.", msg)
		}
		// A joiner shows nothing itself: it is printable text only between
		// two characters it joins (👩‍💻, or ZWNJ in Persian), never at an
		// edge or beside a space, where it would be an invisible difference.
		if r == 0x200c || r == 0x200d {
			next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if prev < 0 || prev == ' ' || isJoiner(prev) || i+utf8.RuneLen(r) == len(s) || next == ' ' || isJoiner(next) {
				return "", Invalid("name", "Name can't contain %s here: it joins two characters and has none to join.", runeName(r))
			}
		} else if isJoiner(r) && (prev < 0 || prev == ' ') { // a tag follows its flag
			return "", Invalid("name", "Name can't contain %s here: it belongs after a flag.", runeName(r))
		}
		prev = r
	}
	return s, nil
}

// refusedRune says, in words a person reads, why r can't be in a name ("" when
// it can): control characters, escape, bidirectional controls (SPEC §2), and
// what isn't printable text at all (invisible spaces, line breaks, private-use
// and unassigned code points).
func refusedRune(r rune) string {
	switch {
	case isControl(r):
		return runeName(r) + ", a control character"
	case isBidiControl(r):
		return runeName(r) + ", a bidirectional control character that can make text display in another order"
	case isJoiner(r), r == ' ', unicode.IsPrint(r):
		return ""
	case r == 0x2028 || r == 0x2029:
		return runeName(r) + ", a line break"
	case unicode.Is(unicode.Co, r) || runenames.Name(r) == "":
		return fmt.Sprintf("%U, a private-use or unassigned code point", r)
	}
	return runeName(r) + ", an invisible character"
}

// runeName is r as a person can look it up: "U+200B (ZERO WIDTH SPACE)", and
// for control characters, which Unicode leaves unnamed, what they do.
func runeName(r rune) string {
	if n, ok := controlNames[r]; ok {
		return fmt.Sprintf("%U (%s)", r, n)
	}
	if n := runenames.Name(r); n != "" && !strings.HasPrefix(n, "<") {
		return fmt.Sprintf("%U (%s)", r, n)
	}
	return fmt.Sprintf("%U", r)
}

var controlNames = map[rune]string{
	0x00: "null", 0x07: "bell", 0x08: "backspace", 0x09: "tab", 0x0a: "line feed, a new line",
	0x0b: "vertical tab", 0x0c: "form feed", 0x0d: "carriage return", 0x1b: "escape", 0x7f: "delete",
	0x85: "next line", 0x9b: "control sequence introducer",
}

// isJoiner reports the format characters that printable text is made of: the
// zero width joiner and non-joiner, and the tag characters of subdivision
// flags (🏴󠁧󠁢󠁳󠁣󠁴󠁿). Variation selectors are marks, printable already.
func isJoiner(r rune) bool {
	return r == 0x200c || r == 0x200d || (r >= 0xe0020 && r <= 0xe007f)
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
	return isControl(r) || isBidiControl(r) || (!unicode.IsPrint(r) && r != ' ' && !isJoiner(r))
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
