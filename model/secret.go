package model

import (
	"crypto/rand"
	"crypto/sha256"
	"hash/crc32"
	"strings"
)

const (
	base62         = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	secretBodyLen  = 32
	secretCRCLen   = 6
	secretPrefix   = "apk_"
	secretTotalLen = len(secretPrefix) + 3 + 1 + secretBodyLen + secretCRCLen
)

// Secret is an API key's secret. It formats as "[REDACTED]" under fmt, %v, %s, %q
// and JSON so that it can't reach a log or an error by accident; Reveal returns the
// text for the one place that shows it. The text sits behind a pointer because fmt
// does not call String on an unexported struct field (or for verbs such as %d): it
// walks the value, and then finds only an address.
type Secret struct{ p *string }

// Reveal returns the secret's text. Call it only where the secret is shown once.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// String redacts.
func (s Secret) String() string { return "[REDACTED]" }

// GoString redacts.
func (s Secret) GoString() string { return "[REDACTED]" }

// MarshalJSON redacts; output that must carry the secret builds it from Reveal.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"[REDACTED]"`), nil }

// MarshalText redacts.
func (s Secret) MarshalText() ([]byte, error) { return []byte("[REDACTED]"), nil }

// IsZero reports an empty secret.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// Hash is the SHA-256 of the whole secret, the only form the store keeps.
func (s Secret) Hash() []byte { return HashSecret(s.Reveal()) }

// Hint is the display hint stored beside the hash.
func (s Secret) Hint() string { return SecretHint(s.Reveal()) }

// NewSecret makes a secret for a key type from crypto/rand:
// apk_<t>_<32 base62><6 base62 of the CRC32 of everything before>.
func NewSecret(t KeyType) (Secret, error) {
	if !t.Valid() {
		return Secret{}, Invalid("type", "Unknown key type %s.", Quote(string(t)))
	}
	var b strings.Builder
	b.Grow(secretTotalLen)
	b.WriteString(secretPrefix)
	b.WriteString(t.Prefix())
	b.WriteByte('_')
	randomBase62(&b, secretBodyLen)
	b.WriteString(checksum(b.String()))
	v := b.String()
	return Secret{&v}, nil
}

// checksum is the CRC32 (IEEE) of s as 6 base62 digits, most significant first.
func checksum(s string) string {
	n := uint64(crc32.ChecksumIEEE([]byte(s)))
	var out [secretCRCLen]byte
	for i := secretCRCLen - 1; i >= 0; i-- {
		out[i] = base62[n%62]
		n /= 62
	}
	return string(out[:])
}

// ParseSecret checks a presented secret's format and checksum without touching any
// store, and returns it with its key type. Errors never echo the input.
func ParseSecret(s string) (Secret, KeyType, error) {
	if len(s) != secretTotalLen || !strings.HasPrefix(s, secretPrefix) || s[len(secretPrefix)+3] != '_' {
		return Secret{}, "", Unauthenticated("The API key is malformed.")
	}
	var kt KeyType
	tag := s[len(secretPrefix) : len(secretPrefix)+3]
	for _, t := range KeyTypes {
		if t.Prefix() == tag {
			kt = t
		}
	}
	if kt == "" {
		return Secret{}, "", Unauthenticated("The API key is malformed.")
	}
	for i := len(secretPrefix) + 4; i < len(s); i++ {
		if strings.IndexByte(base62, s[i]) < 0 {
			return Secret{}, "", Unauthenticated("The API key is malformed.")
		}
	}
	cut := len(s) - secretCRCLen
	if checksum(s[:cut]) != s[cut:] {
		return Secret{}, "", Unauthenticated("The API key is malformed (bad checksum).")
	}
	return Secret{&s}, kt, nil
}

// HashSecret is SHA-256 of the whole secret text.
func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// SecretHint is "apk_aud_Ab3x…9fQz": the type tag, the first four and the last four
// characters — enough to recognise a key, far too little to guess it.
func SecretHint(s string) string {
	if len(s) != secretTotalLen {
		return "…"
	}
	head := len(secretPrefix) + 4 + 4
	return s[:head] + "…" + s[len(s)-4:]
}

// NewID makes a public id such as "key_8fK2mQ0aZx4T9bLc" from crypto/rand.
func NewID(prefix string) string {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteByte('_')
	randomBase62(&b, 16)
	return b.String()
}

// randomBase62 appends n characters drawn uniformly from base62, from as few
// crypto/rand reads as it takes (one, nearly always). A byte of 248 or more is
// skipped and the rest taken mod 62, and 248 = 4×62, so every character is
// equally likely. It replaces one rand.Int per character, each a system call:
// 48 for a key and its id, which made seeding a million keys take minutes.
func randomBase62(b *strings.Builder, n int) {
	var buf [64]byte
	for n > 0 {
		rand.Read(buf[:]) // never fails: it crashes the program instead (Go 1.24)
		for _, c := range buf {
			if n == 0 {
				break
			}
			if c < 248 {
				b.WriteByte(base62[c%62])
				n--
			}
		}
	}
}
