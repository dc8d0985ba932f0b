package model_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

// The secret format (apk_<type>_<32 base62><6 base62 of a CRC32>), restated here
// independently of model/secret.go.
const b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var (
	secretRE = regexp.MustCompile(`^apk_(aud|imp|exp|mdm)_[0-9A-Za-z]{32}[0-9A-Za-z]{6}$`)
	hintRE   = regexp.MustCompile(`^apk_(aud|imp|exp|mdm)_[0-9A-Za-z]{4}…[0-9A-Za-z]{4}$`)
	tagOf    = map[model.KeyType]string{"audit-logs": "aud", "import": "imp", "export": "exp", "modeling-metadata": "mdm"}
)

// crcBase62 is the CRC32 (IEEE) of s as 6 base62 digits, most significant first.
func crcBase62(s string) string {
	n := crc32.ChecksumIEEE([]byte(s))
	out := make([]byte, 6)
	for i := 5; i >= 0; i-- {
		out[i] = b62[n%62]
		n /= 62
	}
	return string(out)
}

// withCRC appends the checksum to the first 40 characters of a secret.
func withCRC(head string) string { return head + crcBase62(head) }

func newSecret(t testing.TB, kt model.KeyType) model.Secret {
	t.Helper()
	s, err := model.NewSecret(kt)
	if err != nil {
		t.Fatalf("NewSecret(%s): %v", kt, err)
	}
	return s
}

func TestNewSecretFormat(t *testing.T) {
	for kt, tag := range tagOf {
		for range 50 {
			s := newSecret(t, kt)
			text := s.Reveal()
			if !secretRE.MatchString(text) || len(text) != 46 {
				t.Fatalf("NewSecret(%s) = %q: wrong shape", kt, text)
			}
			if !strings.HasPrefix(text, "apk_"+tag+"_") {
				t.Fatalf("NewSecret(%s) = %q: want tag %s", kt, text, tag)
			}
			if got, want := text[40:], crcBase62(text[:40]); got != want {
				t.Fatalf("NewSecret(%s) = %q: checksum %s, want %s", kt, text, got, want)
			}
			parsed, gotType, err := model.ParseSecret(text)
			if err != nil || gotType != kt || parsed.Reveal() != text {
				t.Fatalf("ParseSecret(NewSecret(%s)) = %q, %s, %v", kt, parsed.Reveal(), gotType, err)
			}
			if s.IsZero() {
				t.Fatal("a new secret reports IsZero")
			}
		}
	}
	for _, bad := range []model.KeyType{"", "bogus", "Audit logs"} {
		if s, err := model.NewSecret(bad); err == nil || !s.IsZero() || model.KindOf(err) != model.KindInvalid {
			t.Errorf("NewSecret(%q) = %v, %v; want an invalid error", bad, s, err)
		}
	}
	if !(model.Secret{}).IsZero() {
		t.Error("the zero Secret is not IsZero")
	}
}

func TestSecretsAreDistinct(t *testing.T) {
	seen := make(map[string]bool)
	bodies := make(map[string]bool)
	var all strings.Builder
	for i := range 1000 {
		text := newSecret(t, model.KeyTypes[i%4]).Reveal()
		if seen[text] || bodies[text[8:40]] {
			t.Fatalf("secret %d repeats an earlier one", i)
		}
		seen[text], bodies[text[8:40]] = true, true
		all.WriteString(text[8:40])
	}
	// 32,000 random body characters: each of the 62 digits shows up (missing one
	// by chance has probability about 62·(61/62)^32000, i.e. never).
	for _, c := range b62 {
		if !strings.ContainsRune(all.String(), c) {
			t.Errorf("digit %q never appears in 1000 secret bodies: the generator is biased", c)
		}
	}
}

func TestParseSecretRefusesEverySingleCharacterChange(t *testing.T) {
	alphabet := []byte(b62 + "_-+/= .~\x00\x7f\xff")
	for kt := range tagOf {
		text := newSecret(t, kt).Reveal()
		tried := 0
		for i := range len(text) {
			for _, c := range alphabet {
				if c == text[i] {
					continue
				}
				m := text[:i] + string(c) + text[i+1:]
				tried++
				if _, _, err := model.ParseSecret(m); err == nil {
					t.Errorf("ParseSecret accepted %q, %q with position %d changed", m, text, i)
				}
			}
			// Deleting or doubling a character changes the length.
			for _, m := range []string{text[:i] + text[i+1:], text[:i] + text[i:i+1] + text[i:]} {
				if _, _, err := model.ParseSecret(m); err == nil {
					t.Errorf("ParseSecret accepted %q (a character dropped or doubled)", m)
				}
			}
			// Swapping neighbours is a burst of at most 16 bits: CRC32 sees it.
			if i+1 < len(text) && text[i] != text[i+1] {
				m := text[:i] + text[i+1:i+2] + text[i:i+1] + text[i+2:]
				if _, _, err := model.ParseSecret(m); err == nil {
					t.Errorf("ParseSecret accepted %q (positions %d and %d swapped)", m, i, i+1)
				}
			}
		}
		if tried < 46*60 {
			t.Fatalf("only %d mutations tried", tried)
		}
	}
}

func TestParseSecretRefusesMalformed(t *testing.T) {
	valid := newSecret(t, model.KeyImport).Reveal()
	body := valid[8:40]
	tests := []struct{ name, in, msg string }{
		{"empty", "", "The API key is malformed."},
		{"prefix only", "apk_imp_", "The API key is malformed."},
		{"one short", valid[:45], "The API key is malformed."},
		{"one long", valid + "0", "The API key is malformed."},
		{"leading space", " " + valid, "The API key is malformed."},
		{"trailing newline", valid + "\n", "The API key is malformed."},
		{"Bearer prefix kept", "Bearer " + valid, "The API key is malformed."},
		{"upper-case prefix", withCRC("APK_imp_" + body), "The API key is malformed."},
		{"other prefix", withCRC("sk__imp_" + body), "The API key is malformed."},
		{"dash separator", withCRC("apk-imp_" + body), "The API key is malformed."},
		{"no tag separator", withCRC("apk_impX" + body), "The API key is malformed."},
		{"unknown tag", withCRC("apk_xyz_" + body), "The API key is malformed."},
		{"upper-case tag", withCRC("apk_IMP_" + body), "The API key is malformed."},
		{"dash in body", withCRC("apk_imp_" + body[:10] + "-" + body[11:]), "The API key is malformed."},
		{"underscore in body", withCRC("apk_imp_" + body[:31] + "_"), "The API key is malformed."},
		{"non-ASCII body", withCRC("apk_imp_" + body[:30] + "é"), "The API key is malformed."},
		{"bad checksum", "apk_imp_" + body + "000000", "The API key is malformed (bad checksum)."},
		{"checksum of another body", "apk_imp_" + body + crcBase62("apk_imp_"+strings.Repeat("A", 32)), "The API key is malformed (bad checksum)."},
		{"checksum not base62", "apk_imp_" + body + "00000-", "The API key is malformed."},
		{"tag changed, checksum kept", "apk_exp_" + valid[8:], "The API key is malformed (bad checksum)."},
	}
	for _, tt := range tests {
		s, kt, err := model.ParseSecret(tt.in)
		if err == nil {
			t.Errorf("%s: ParseSecret(%q) accepted as %s", tt.name, tt.in, kt)
			continue
		}
		if err.Error() != tt.msg {
			t.Errorf("%s: error = %q, want %q", tt.name, err, tt.msg)
		}
		if !errors.Is(err, model.ErrUnauthenticated) {
			t.Errorf("%s: error kind = %v, want unauthenticated", tt.name, model.KindOf(err))
		}
		if !s.IsZero() || kt != "" {
			t.Errorf("%s: refused but returned %v, %q", tt.name, s, kt)
		}
		if len(tt.in) >= 8 && strings.Contains(err.Error(), tt.in) || strings.Contains(err.Error(), body) {
			t.Errorf("%s: the error echoes the input: %q", tt.name, err)
		}
	}
	// A hand-built secret with a valid checksum is accepted: the refusals above
	// are about their one flaw, not about the test's checksum.
	if _, kt, err := model.ParseSecret(withCRC("apk_mdm_" + body)); err != nil || kt != model.KeyModelingMetadata {
		t.Errorf("hand-built secret refused: %v", err)
	}
}

func TestSecretHashAndHint(t *testing.T) {
	for kt, tag := range tagOf {
		s := newSecret(t, kt)
		text := s.Reveal()
		want := sha256.Sum256([]byte(text))
		if !bytes.Equal(s.Hash(), want[:]) || !bytes.Equal(model.HashSecret(text), want[:]) {
			t.Errorf("Hash is not SHA-256 of the whole secret text")
		}
		hint := s.Hint()
		if !hintRE.MatchString(hint) || hint != text[:12]+"…"+text[42:] || !strings.HasPrefix(hint, "apk_"+tag+"_") {
			t.Errorf("Hint = %q for %q", hint, text)
		}
		if model.SecretHint(text) != hint {
			t.Errorf("SecretHint(%q) = %q, Hint = %q", text, model.SecretHint(text), hint)
		}
	}
	for _, bad := range []string{"", "short", strings.Repeat("x", 47)} {
		if got := model.SecretHint(bad); got != "…" {
			t.Errorf("SecretHint(%q) = %q, want …", bad, got)
		}
	}
	// The example the README shows.
	if got := model.SecretHint("apk_aud_Ab3x" + strings.Repeat("0", 30) + "9fQz"); got != "apk_aud_Ab3x…9fQz" {
		t.Errorf("SecretHint = %q, want apk_aud_Ab3x…9fQz", got)
	}
}

// TestSecretRedacts formats a secret every way a log line or error might, on its
// own and inside structs, and looks for any part of its text.
func TestSecretRedacts(t *testing.T) {
	s := newSecret(t, model.KeyAuditLogs)
	text := s.Reveal()
	type exported struct {
		Name   string
		Secret model.Secret
	}
	type unexported struct {
		name   string
		secret model.Secret
	}
	type nested struct {
		Msg any
		ptr *model.Secret
	}
	values := map[string]any{
		"value":        s,
		"pointer":      &s,
		"exported":     exported{"k", s},
		"unexported":   unexported{"k", s},
		"ptr to field": &unexported{"k", s},
		"nested":       nested{Msg: unexported{"k", s}, ptr: &s},
		"slice":        []model.Secret{s},
		"map":          map[string]model.Secret{"k": s},
		"any slice":    []any{s, &s},
	}
	verbs := []string{"%v", "%s", "%q", "%+v", "%#v", "%x", "%X", "%d", "%T", "%p"}
	for name, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			if leaks(out, text) {
				t.Errorf("%s under %s leaks the secret: %s", name, verb, out)
			}
		}
		if out := fmt.Sprint(v) + fmt.Sprintln(v); leaks(out, text) {
			t.Errorf("%s under Sprint leaks: %s", name, out)
		}
		if b, err := json.Marshal(v); err == nil && leaks(string(b), text) {
			t.Errorf("%s under json.Marshal leaks: %s", name, b)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		if leaks(buf.String(), text) {
			t.Errorf("%s under slog leaks: %s", name, buf.String())
		}
		if err := fmt.Errorf("create failed for %v", v); leaks(err.Error(), text) {
			t.Errorf("%s inside an error leaks: %v", name, err)
		}
	}
	for verb, want := range map[string]string{"%v": "[REDACTED]", "%s": "[REDACTED]", "%q": `"[REDACTED]"`, "%+v": "[REDACTED]", "%#v": "[REDACTED]"} {
		if got := fmt.Sprintf(verb, s); got != want {
			t.Errorf("Sprintf(%s, secret) = %q, want %q", verb, got, want)
		}
	}
	b, err := json.Marshal(exported{"k", s})
	if err != nil || string(b) != `{"Name":"k","Secret":"[REDACTED]"}` {
		t.Errorf("json.Marshal(struct) = %s, %v", b, err)
	}
	if tb, _ := s.MarshalText(); string(tb) != "[REDACTED]" {
		t.Errorf("MarshalText = %q", tb)
	}
}

// leaks reports whether out holds the secret or any 8-character run of its random
// body: enough to matter, too long to turn up by chance.
func leaks(out, secret string) bool {
	for i := 8; i+8 <= 40; i++ {
		if strings.Contains(out, secret[i:i+8]) {
			return true
		}
	}
	return strings.Contains(out, secret)
}

func TestNewID(t *testing.T) {
	re := regexp.MustCompile(`^key_[0-9A-Za-z]{16}$`)
	seen := make(map[string]bool)
	for range 1000 {
		id := model.NewID("key")
		if !re.MatchString(id) {
			t.Fatalf("NewID(key) = %q", id)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
	if id := model.NewID("mem"); !strings.HasPrefix(id, "mem_") || len(id) != 20 {
		t.Errorf("NewID(mem) = %q", id)
	}
}
