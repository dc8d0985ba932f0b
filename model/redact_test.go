package model_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

func TestRedact(t *testing.T) {
	sec := seedSecrets[1] // apk_imp_0123456789abcdefghijklmnopqrstuv + CRC
	hint := sec[:12] + "…" + sec[42:]
	for _, c := range []struct{ name, in, want string }{
		{"no secret", "keys list --json", "keys list --json"},
		{"empty", "", ""},
		{"a whole secret", sec, hint},
		{"inside text", "unknown command " + `"` + sec + `" for "apikeys"`, "unknown command " + `"` + hint + `" for "apikeys"`},
		{"glued to other text", "x" + sec + "y", "x" + sec[:12] + "…"},
		{"40 characters: prefix and the whole random part", sec[:40], sec[:12] + "…"},
		{"bad checksum, same length", sec[:40] + "000000", sec[:12] + "…" + "0000"},
		{"truncated to 12", sec[:13], sec[:12] + "…"},
		{"four characters are what a hint shows anyway", sec[:12], sec[:12]},
		{"the hint itself", hint, hint},
		{"every type", "apk_aud_abcdefgh apk_exp_abcdefgh apk_mdm_abcdefgh", "apk_aud_abcd… apk_exp_abcd… apk_mdm_abcd…"},
		{"upper-cased", strings.ToUpper(sec[:20]), strings.ToUpper(sec[:12]) + "…"},
		{"lower-cased email", strings.ToLower(sec) + "@example.com", strings.ToLower(sec[:12]) + "…" + strings.ToLower(sec[42:]) + "@example.com"},
		{"unknown tag is not a secret", "apk_xyz_abcdefghij", "apk_xyz_abcdefghij"},
		{"a decoy run hides no secret", "apk_aud_abcdapk" + sec[3:], "apk_aud_abcd…" + sec[3:12] + "…" + sec[42:]},
		{"two in a row", sec + " " + sec, hint + " " + hint},
		{"in JSON", `{"key":"` + sec + `"}`, `{"key":"` + hint + `"}`},
		{"non-base62 ends the run", "apk_aud_abcdefgh-ijkl", "apk_aud_abcd…-ijkl"},
	} {
		if got := model.Redact(c.in); got != c.want {
			t.Errorf("%s: Redact(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
		if model.ContainsSecret(c.in) != (c.in != c.want) {
			t.Errorf("%s: ContainsSecret(%q) = %v", c.name, c.in, !(c.in != c.want))
		}
	}
}

func TestQuoteNeverShowsMoreThanTheHint(t *testing.T) {
	for _, sec := range seedSecrets {
		for _, in := range []string{sec, sec[:40], sec[:41] + "x", "id " + sec, strings.ToUpper(sec)} {
			q := model.Quote(in)
			if leaksRandomPart(q, sec) {
				t.Errorf("Quote(%q) = %q shows more of the secret than its hint", in, q)
			}
		}
	}
	if got := model.Quote("key_8fK2mQ0aZx4T9bLc"); got != "“key_8fK2mQ0aZx4T9bLc”" {
		t.Errorf("Quote of a key id = %q", got)
	}
}

// leaksRandomPart reports whether out holds five or more consecutive characters
// of the secret's random part (the hint shows four), in any case.
func leaksRandomPart(out, secret string) bool {
	body := strings.ToLower(secret[8:40])
	o := strings.ToLower(out)
	for i := 0; i+5 <= len(body); i++ {
		if strings.Contains(o, body[i:i+5]) {
			return true
		}
	}
	return false
}

func TestRedactWriter(t *testing.T) {
	var buf bytes.Buffer
	w := model.RedactWriter(&buf)
	line := "level=INFO msg=x command=" + seedSecrets[0] + "\n"
	n, err := w.Write([]byte(line))
	if err != nil || n != len(line) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(line))
	}
	if leaksRandomPart(buf.String(), seedSecrets[0]) || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("wrote %q", buf.String())
	}
}

func TestNameRefusesSecrets(t *testing.T) {
	for _, sec := range seedSecrets {
		in := "prod " + sec
		_, err := model.ValidateName(in)
		if model.KindOf(err) != model.KindInvalid {
			t.Errorf("ValidateName(%q) = %v, want a refusal", in, err)
		} else if leaksRandomPart(err.Error(), sec) {
			t.Errorf("the refusal echoes the secret: %q", err)
		}
	}
	if _, err := model.ValidateName("apk_imp_ rotation"); err != nil {
		t.Errorf("a name that only mentions the prefix is refused: %v", err)
	}
}

// afterPrefix finds a secret prefix and the base62 run after it, in any case.
var afterPrefix = regexp.MustCompile(`(?i)apk_(?:aud|imp|exp|mdm)_([0-9A-Za-z]*)`)

func FuzzRedact(f *testing.F) {
	for _, s := range seedSecrets {
		f.Add(s)
		f.Add(s[:40])
		f.Add("x" + s + "y")
		f.Add("apk_aud_abcdapk" + s[3:])
		f.Add(strings.ToUpper(s) + " " + s[:20])
	}
	for _, s := range []string{"", "apk_", "apk_aud_", "apk_aud_Ab3x…9fQz", "apk_aud_apk_aud_apk_aud_xxxxxxxx", "\xffapk_imp_abcdefgh\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > maxFuzzLen {
			return
		}
		out := model.Redact(in)
		if again := model.Redact(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
		}
		// Overlapping prefixes ("apk_aud_apk_aud_…") need every start checked,
		// not only the leftmost-first matches of the regexp.
		for i := range len(out) {
			if m := afterPrefix.FindStringSubmatchIndex(out[i:]); m != nil && m[0] == 0 && m[3]-m[2] > 4 {
				t.Fatalf("Redact(%q) = %q: %q follows a secret prefix", in, out, out[i+m[2]:i+m[3]])
			}
		}
		if !model.ContainsSecret(in) && out != in {
			t.Fatalf("changed %q with no secret in it: %q", in, out)
		}
		q := model.Quote(in)
		for i := range len(q) {
			if m := afterPrefix.FindStringSubmatchIndex(q[i:]); m != nil && m[0] == 0 && m[3]-m[2] > 4 {
				t.Fatalf("Quote(%q) = %q shows more than a hint", in, q)
			}
		}
	})
}

func TestEmailAndSSHKeyCommentKeepNoSecret(t *testing.T) {
	sec := seedSecrets[0]
	if _, err := model.NormalizeEmail(sec + "@example.com"); model.KindOf(err) != model.KindInvalid || leaksRandomPart(err.Error(), sec) {
		t.Errorf("NormalizeEmail of a secret: %v", err)
	}
	const blob = "AAAAC3NzaC1lZDI1NTE5AAAAIHFHF/BsgTITmTkFtwoIM9bbziIcI6G8fqcuRPdh8iSr"
	k, err := model.ParseSSHKey("ssh-ed25519 " + blob + " " + sec)
	if err != nil || leaksRandomPart(k.Comment, sec) {
		t.Errorf("ParseSSHKey with a secret as comment: comment %q, %v", k.Comment, err)
	}
}
