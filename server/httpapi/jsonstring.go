package httpapi

import "unicode/utf8"

// How appendQuoted escapes \b and \f: the only difference between the two
// encoders whose output the server reproduces by hand.
const (
	// jsonEscapes are encoding/json's (writeJSON's setting, no HTML
	// escaping): \b and \f.
	jsonEscapes = false
	// slogEscapes are slog.JSONHandler's, for the access line: \u0008 and
	// \u000c.
	slogEscapes = true
)

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string the way encoding/json writes it
// without HTML escaping or, with slog set (slogEscapes), the way
// slog.JSONHandler does: \" \\ \n \r \t, \b and \f (encoding/json) or \u0008
// and \u000c (slog), \u00XX for other control bytes, \ufffd for each byte of
// invalid UTF-8, U+2028 and U+2029 escaped. TestAppendQuoted and
// FuzzAppendQuoted hold both byte for byte to the encoders themselves.
func appendQuoted(b []byte, slog bool, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch {
			case c == '\\' || c == '"':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b' && !slog:
				b = append(b, '\\', 'b')
			case c == '\f' && !slog:
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONString is s as encoding/json writes it (writeJSON's setting).
func appendJSONString(b []byte, s string) []byte { return appendQuoted(b, jsonEscapes, s) }
