package model_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apikeys-dev/apikeys/model"
)

// maxFuzzLen bounds fuzz inputs. Longer inputs add no new rule (65 four-byte runes
// are 260 bytes, and the table tests cover a 1000-character name), but when one
// turns up "interesting" Go's minimizer spends O(n²) runs on it and starves the
// fuzzer for the whole run: a 1.9 KB name stalled FuzzValidateName for 55 s.
const maxFuzzLen = 300

// Fixed secrets for the seed corpus, built with the test's own checksum so that
// the corpus is the same on every run.
var seedSecrets = []string{
	withCRC("apk_aud_" + strings.Repeat("A", 32)),
	withCRC("apk_imp_0123456789abcdefghijklmnopqrstuv"),
	withCRC("apk_exp_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210"[:40]),
	withCRC("apk_mdm_" + strings.Repeat("z9", 16)),
}

func FuzzParseSecret(f *testing.F) {
	for _, s := range seedSecrets {
		f.Add(s)
		f.Add(s[:45])
		f.Add(s + "0")
		f.Add(strings.ToUpper(s))
	}
	for _, s := range []string{"", "apk_", "apk_aud_", "Bearer x", "apk_xyz_" + strings.Repeat("0", 38), "apk_aud_\xff\xfe", strings.Repeat("_", 46)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 128 {
			return // see maxFuzzLen; a secret is 46 bytes
		}
		s, kt, err := model.ParseSecret(in)
		if err != nil {
			if !s.IsZero() || kt != "" {
				t.Fatalf("refused %q but returned %v, %q", in, s, kt)
			}
			if model.KindOf(err) != model.KindUnauthenticated {
				t.Fatalf("refusal of %q has kind %v", in, model.KindOf(err))
			}
			if len(in) >= 8 && strings.Contains(err.Error(), in) {
				t.Fatalf("error echoes the input: %q", err)
			}
			return
		}
		text := s.Reveal()
		if text != in || !secretRE.MatchString(text) {
			t.Fatalf("accepted %q, which is not a well-formed secret", in)
		}
		if tagOf[kt] != text[4:7] {
			t.Fatalf("accepted %q as type %q", in, kt)
		}
		if got, want := text[40:], crcBase62(text[:40]); got != want {
			t.Fatalf("accepted %q with checksum %s, want %s", in, got, want)
		}
		if again, kt2, err := model.ParseSecret(text); err != nil || again.Reveal() != text || kt2 != kt {
			t.Fatalf("accepted secret does not re-validate: %v", err)
		}
		if h := s.Hint(); !hintRE.MatchString(h) || h != text[:12]+"…"+text[42:] {
			t.Fatalf("Hint(%q) = %q", text, h)
		}
	})
}

var fuzzZones = []string{"UTC", "Asia/Tokyo", "America/Los_Angeles", "America/New_York", "Europe/London", "America/Santiago", "America/Havana", "Australia/Lord_Howe", "Pacific/Chatham", "Pacific/Apia"}

func FuzzExpiryParse(f *testing.F) {
	base := time.Date(2027, 3, 10, 15, 0, 0, 0, time.UTC).Unix()
	for i, s := range []string{
		"", " ", "+7d", "+4w", "+3m", "+1y", "+0d", "+366d", "+367d", "+9999y", "+9999d", "+12m",
		"2027-06-30", "2028-02-29", "2027-02-29", "2027-13-01", "0000-01-01", "9999-12-31",
		"tomorrow", "+7", "7d", "+-1d", "+1Y", "\x1b[31m", "+٧d", "2027-06-30T00:00:00Z",
	} {
		f.Add(s, base+int64(i)*7919*60, uint8(i), int32(0))
	}
	f.Add("+1m", time.Date(2027, 1, 31, 23, 0, 0, 0, time.UTC).Unix(), uint8(1), int32(30))
	f.Add("+1y", time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC).Unix(), uint8(0), int32(730))
	f.Add("+1d", time.Date(2027, 9, 5, 3, 30, 0, 0, time.UTC).Unix(), uint8(5), int32(1))
	locs := make([]*time.Location, len(fuzzZones))
	for i, name := range fuzzZones {
		locs[i] = zone(f, name) // once per worker: LoadLocation reads the zone file
	}
	f.Fuzz(func(t *testing.T, in string, nowUnix int64, zoneIdx uint8, maxDays int32) {
		if len(in) > 64 {
			return // see maxFuzzLen; the longest valid input is 10 bytes
		}
		// Keep "now" within years 1970–2199 and the policy sane; everything else
		// is the fuzzer's.
		const span = 230 * 366 * 24 * 3600
		nowUnix %= span
		if nowUnix < 0 {
			nowUnix += span
		}
		now := time.Unix(nowUnix, 0)
		loc := locs[int(zoneIdx)%len(locs)]
		p := model.ExpiryPolicy{Location: loc, MaxLifetimeDays: int(maxDays % 5000)}
		d, err := p.Parse(in, now)
		if err != nil {
			if model.KindOf(err) != model.KindInvalid || !isSafeText(err.Error()) {
				t.Fatalf("Parse(%q) error %q: kind %v", in, err, model.KindOf(err))
			}
			return
		}
		lo, hi := p.Earliest(now), p.Latest(now)
		if d.Before(lo) || d.After(hi) {
			t.Fatalf("Parse(%q) at %s in %s = %s, outside [%s, %s]", in, now.UTC(), loc, d, lo, hi)
		}
		if !d.After(p.Today(now)) {
			t.Fatalf("Parse(%q) = %s, not after today %s", in, d, p.Today(now))
		}
		at := p.ExpiresAt(d)
		if !at.After(now) {
			t.Fatalf("Parse(%q) = %s expires at %s, not after now %s", in, d, at, now)
		}
		// The key's last valid day is D−1, unless the zone skipped that day (Samoa,
		// 30 Dec 2011): then it is the last day that happened before D.
		prev := d.AddDays(-1)
		prevHappened := model.DateOf(p.ExpiresAt(prev), loc) == prev
		if vt := p.ValidThrough(at); vt != prev && (prevHappened || !vt.Before(prev)) {
			t.Fatalf("ValidThrough(ExpiresAt(%s)) = %s in %s", d, vt, loc)
		}
	})
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{
		"Production export", "  CI import \t", "", " ", strings.Repeat("a", 64), strings.Repeat("é", 65),
		"🔑 deploy", "Cafe\u0301", "\x1b[31mred", "a\x00b", "a\u0085b", "a\u009bb", "a\x7fb",
		"invoice\u202egpj.exe", "a\u2066b", "a\u200eb", "a\u061cb", "a\u200bb", "bad\xff", "\ufeffx",
		"\u00a0x\u00a0", "\u0085x\u0085", "\u3000x",
		"👩\u200d💻", "\u200dx", "x\u200d", "a\u200d\u200db", "🏴\U000e0067\U000e0062\U000e007f", "\u2028", "\U0005ffff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > maxFuzzLen {
			return
		}
		name, err := model.ValidateName(in)
		if err != nil {
			if name != "" || model.KindOf(err) != model.KindInvalid || !isSafeText(err.Error()) {
				t.Fatalf("ValidateName(%q) = %q, %q", in, name, err)
			}
			return
		}
		if name != strings.TrimSpace(name) {
			t.Fatalf("accepted %q is not trimmed", name)
		}
		if n := utf8.RuneCountInString(name); n < 1 || n > 64 {
			t.Fatalf("accepted %q has %d characters", name, n)
		}
		if !isSafeText(name) {
			t.Fatalf("accepted %q holds a control, bidi or escape rune", name)
		}
		if strings.ContainsRune(name, 0x1b) {
			t.Fatalf("accepted %q holds ESC", name)
		}
		if model.Sanitize(name) != name {
			t.Fatalf("Sanitize changes accepted name %q to %q", name, model.Sanitize(name))
		}
		if !strings.Contains(in, name) {
			t.Fatalf("accepted %q is not part of the input %q", name, in)
		}
		if again, err := model.ValidateName(name); err != nil || again != name {
			t.Fatalf("accepted %q does not re-validate: %v", name, err)
		}
	})
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"", "plain", "\x1b[31mred\x1b[0m", "\x00\x07\x08\t\n\r\x7f", "\u0085\u009b", "\u202e\u2066\u200e\u061c",
		"bad\xff", "caf\xc3", "\xed\xa0\x80", `\x1b`, "\ufffd", "🔑é鍵", "\u200b\ufeff\u00ad",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > maxFuzzLen {
			return
		}
		out := model.Sanitize(in)
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q is not valid UTF-8", in, out)
		}
		for _, r := range out {
			if isDangerous(r) {
				t.Fatalf("Sanitize(%q) = %q holds raw %U", in, out, r)
			}
		}
		if isSafeText(in) != (out == in) {
			t.Fatalf("Sanitize(%q) = %q: safe input must be kept, unsafe input changed", in, out)
		}
		if model.Sanitize(out) != out {
			t.Fatalf("Sanitize is not stable on its own output %q", out)
		}
	})
}
