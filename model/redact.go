package model

import (
	"io"
	"strings"
	"unsafe"
)

// hintRun is how many characters of the random part a hint shows after the
// prefix (and, for a whole secret, how many of its checksum at the end).
const hintRun = 4

// Redact replaces, anywhere in s, text in the secret format by what its hint
// shows: "apk_<aud|imp|exp|mdm>_" followed by more than four base62 characters.
// A run of exactly a secret's length becomes its hint ("apk_aud_Ab3x…9fQz"); any
// other run, truncated, overlong or checksum-broken, keeps only its first four
// characters ("apk_aud_Ab3x…"), since 32 characters of a secret already give it
// all away (the checksum is computable). The prefix matches in any case, so
// upper- or lower-cased echoes are caught too. Redact is idempotent, and every
// text that leaves the process goes through it: logs, error lines, HTTP error
// bodies, quoted input.
func Redact(s string) string {
	cuts := secretCuts(s)
	if cuts == nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for _, c := range cuts {
		b.WriteString(s[at:c[0]])
		b.WriteString("…")
		at = c[1]
	}
	b.WriteString(s[at:])
	return b.String()
}

// secretCuts returns the byte ranges of s to hide, in order and merged. Every
// prefix is looked for, also one that starts inside another's run ("…apk" + "_aud_…"
// ends a run and begins a prefix), so no secret hides behind a decoy.
//
// A prefix has '_' as its fourth byte, so only those starts are tried, found
// by strings.IndexByte: through a real serve every access log line is scanned
// here, and trying each byte was a twentieth of a verify's CPU.
func secretCuts(s string) [][2]int {
	var cuts [][2]int
	last := len(s) - len(secretPrefix) - 4 // the last start a prefix fits at
	for j := len(secretPrefix) - 1; j <= last+len(secretPrefix)-1; {
		k := strings.IndexByte(s[j:last+len(secretPrefix)], '_')
		if k < 0 {
			break
		}
		i := j + k - (len(secretPrefix) - 1)
		j += k + 1
		if !secretPrefixAt(s, i) {
			continue
		}
		r0 := i + len(secretPrefix) + 4
		r1 := r0
		for r1 < len(s) && isBase62(s[r1]) {
			r1++
		}
		n := r1 - r0
		if n <= hintRun {
			continue
		}
		c := [2]int{r0 + hintRun, r1}
		if n == secretBodyLen+secretCRCLen {
			c[1] = r1 - hintRun
		}
		if k := len(cuts) - 1; k >= 0 && c[0] <= cuts[k][1] {
			cuts[k][1] = max(cuts[k][1], c[1])
			continue
		}
		cuts = append(cuts, c)
	}
	return cuts
}

// secretPrefixAt reports "apk_<t>_" at s[i:], in any case.
func secretPrefixAt(s string, i int) bool {
	if lower(s[i]) != 'a' || lower(s[i+1]) != 'p' || lower(s[i+2]) != 'k' || s[i+3] != '_' || s[i+7] != '_' {
		return false
	}
	tag := [3]byte{lower(s[i+4]), lower(s[i+5]), lower(s[i+6])}
	for _, t := range KeyTypes {
		if p := t.Prefix(); p[0] == tag[0] && p[1] == tag[1] && p[2] == tag[2] {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// ContainsSecret reports text that Redact would change: something shaped like
// a secret, whole or in part.
func ContainsSecret(s string) bool { return secretCuts(s) != nil }

// RedactWriter returns a writer that passes each Write through Redact. Log
// handlers write one whole record per call (log/slog does), so a secret is never
// split across two writes. It reports len(p) written when the redacted text was,
// so callers that check the count are not confused by the shorter output.
func RedactWriter(w io.Writer) io.Writer { return redactWriter{w} }

type redactWriter struct{ w io.Writer }

func (r redactWriter) Write(p []byte) (int, error) {
	// Scanned in place, not copied: p is only read while Write runs (a Writer
	// must not keep it), and Redact copies what it returns.
	if secretCuts(unsafe.String(unsafe.SliceData(p), len(p))) == nil {
		return r.w.Write(p)
	}
	if _, err := io.WriteString(r.w, Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
