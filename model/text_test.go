package model_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/apikeys-dev/apikeys/model"
)

func TestValidateName(t *testing.T) {
	const (
		msgRequired = "Name is required."
		msgUTF8     = "Name is not valid UTF-8 text."
		msgEscape   = "Name can't contain escape sequences."
	)
	control := func(u string) string { return "Name can't contain " + u + ", a control character." }
	bidi := func(u string) string {
		return "Name can't contain " + u + ", a bidirectional control character that can make text display in another order."
	}
	invisible := func(u string) string { return "Name can't contain " + u + ", an invisible character." }
	unjoined := func(u string) string {
		return "Name can't contain " + u + " here: it joins two characters and has none to join."
	}
	tests := []struct {
		name, in string
		want     string // the trimmed name when accepted
		wantErr  string // the exact message when refused
	}{
		{name: "plain", in: "Production export", want: "Production export"},
		{name: "trimmed", in: "  CI import \t", want: "CI import"},
		{name: "trailing newline trimmed", in: "pasted\n", want: "pasted"},
		{name: "one char", in: "x", want: "x"},
		{name: "64 ascii", in: strings.Repeat("a", 64), want: strings.Repeat("a", 64)},
		{name: "64 runes of 2 bytes", in: strings.Repeat("é", 64), want: strings.Repeat("é", 64)},
		{name: "64 runes of 4 bytes", in: strings.Repeat("🔑", 64), want: strings.Repeat("🔑", 64)},
		{name: "64 after trim", in: "  " + strings.Repeat("b", 64) + "  ", want: strings.Repeat("b", 64)},
		{name: "accented", in: "Données clés – Zürich", want: "Données clés – Zürich"},
		{name: "combining accent", in: "Cafe\u0301", want: "Cafe\u0301"},
		{name: "emoji", in: "🔑 deploy 🚀", want: "🔑 deploy 🚀"},
		{name: "cjk and rtl letters", in: "鍵 مفتاح", want: "鍵 مفتاح"},
		{name: "punctuation", in: `a-b_c.d/e:f (g) [h] "i" 'j' \k`, want: `a-b_c.d/e:f (g) [h] "i" 'j' \k`},

		{name: "empty", in: "", wantErr: msgRequired},
		{name: "only spaces", in: "   \t\n ", wantErr: msgRequired},
		{name: "65 ascii", in: strings.Repeat("a", 65), wantErr: "Name is 65 characters long; the limit is 64."},
		{name: "65 runes", in: strings.Repeat("é", 65), wantErr: "Name is 65 characters long; the limit is 64."},
		{name: "way too long", in: strings.Repeat("a", 1000), wantErr: "Name is 1000 characters long; the limit is 64."},

		{name: "NUL", in: "a\x00b", wantErr: control("U+0000 (null)")},
		{name: "tab inside", in: "a\tb", wantErr: control("U+0009 (tab)")},
		{name: "newline inside", in: "a\nb", wantErr: control("U+000A (line feed, a new line)")},
		{name: "carriage return", in: "a\rb", wantErr: control("U+000D (carriage return)")},
		{name: "bell", in: "a\ab", wantErr: control("U+0007 (bell)")},
		{name: "backspace", in: "admin\b\b\b\b\bguest", wantErr: control("U+0008 (backspace)")},
		{name: "unit separator", in: "a\x1fb", wantErr: control("U+001F")},
		{name: "DEL", in: "a\x7fb", wantErr: control("U+007F (delete)")},
		{name: "C1 NEL", in: "a\u0085b", wantErr: control("U+0085 (next line)")},
		{name: "C1 CSI", in: "a\u009b31mb", wantErr: control("U+009B (control sequence introducer)")},
		{name: "C1 first", in: "a\u0080b", wantErr: control("U+0080")},
		{name: "C1 last", in: "a\u009fb", wantErr: control("U+009F")},

		{name: "ESC colour", in: "\x1b[31mred", wantErr: msgEscape},
		{name: "ESC inside", in: "ok \x1b[2J", wantErr: msgEscape},
		{name: "ESC OSC title", in: "t\x1b]0;pwned\x07", wantErr: msgEscape},
		{name: "lone ESC", in: "a\x1b", wantErr: msgEscape},

		{name: "LRE", in: "a\u202ab", wantErr: bidi("U+202A (LEFT-TO-RIGHT EMBEDDING)")},
		{name: "RLE", in: "a\u202bb", wantErr: bidi("U+202B (RIGHT-TO-LEFT EMBEDDING)")},
		{name: "PDF", in: "a\u202cb", wantErr: bidi("U+202C (POP DIRECTIONAL FORMATTING)")},
		{name: "LRO", in: "a\u202db", wantErr: bidi("U+202D (LEFT-TO-RIGHT OVERRIDE)")},
		{name: "RLO", in: "invoice\u202egpj.exe", wantErr: bidi("U+202E (RIGHT-TO-LEFT OVERRIDE)")},
		{name: "LRI", in: "a\u2066b", wantErr: bidi("U+2066 (LEFT-TO-RIGHT ISOLATE)")},
		{name: "RLI", in: "a\u2067b", wantErr: bidi("U+2067 (RIGHT-TO-LEFT ISOLATE)")},
		{name: "FSI", in: "a\u2068b", wantErr: bidi("U+2068 (FIRST STRONG ISOLATE)")},
		{name: "PDI", in: "a\u2069b", wantErr: bidi("U+2069 (POP DIRECTIONAL ISOLATE)")},
		{name: "LRM", in: "a\u200eb", wantErr: bidi("U+200E (LEFT-TO-RIGHT MARK)")},
		{name: "RLM", in: "a\u200fb", wantErr: bidi("U+200F (RIGHT-TO-LEFT MARK)")},
		{name: "ALM", in: "a\u061cb", wantErr: bidi("U+061C (ARABIC LETTER MARK)")},
		{name: "bidi at the edge is not trimmed", in: "\u202eabc", wantErr: bidi("U+202E (RIGHT-TO-LEFT OVERRIDE)")},

		{name: "zero width space", in: "a\u200bb", wantErr: invisible("U+200B (ZERO WIDTH SPACE)")},
		{name: "BOM", in: "\ufeffname", wantErr: invisible("U+FEFF (ZERO WIDTH NO-BREAK SPACE)")},
		{name: "soft hyphen", in: "a\u00adb", wantErr: invisible("U+00AD (SOFT HYPHEN)")},
		{name: "no-break space inside", in: "a\u00a0b", wantErr: invisible("U+00A0 (NO-BREAK SPACE)")},
		{name: "line separator", in: "a\u2028b", wantErr: "Name can't contain U+2028 (LINE SEPARATOR), a line break."},
		{name: "paragraph separator", in: "a\u2029b", wantErr: "Name can't contain U+2029 (PARAGRAPH SEPARATOR), a line break."},
		{name: "private use", in: "a\ue000b", wantErr: "Name can't contain U+E000, a private-use or unassigned code point."},
		{name: "unassigned", in: "a\U0005ffffb", wantErr: "Name can't contain U+5FFFF, a private-use or unassigned code point."},
		{name: "word joiner", in: "a\u2060b", wantErr: invisible("U+2060 (WORD JOINER)")},
		{name: "C0 unnamed", in: "a\x01b", wantErr: control("U+0001")},

		// Joiners are printable text between the characters they join.
		{name: "ZWJ emoji", in: "👩\u200d💻 on call", want: "👩\u200d💻 on call"},
		{name: "ZWJ family", in: "👨\u200d👩\u200d👧\u200d👦", want: "👨\u200d👩\u200d👧\u200d👦"},
		{name: "ZWJ with variation selector", in: "🏳\ufe0f\u200d🌈 team", want: "🏳\ufe0f\u200d🌈 team"},
		{name: "ZWNJ in Persian", in: "می\u200cخواهم", want: "می\u200cخواهم"},
		{name: "subdivision flag tags", in: "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f ops", want: "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f ops"},
		{name: "skin tone modifier", in: "👋🏽 hi", want: "👋🏽 hi"},
		{name: "CJK", in: "本番の鍵", want: "本番の鍵"},
		{name: "ZWJ first", in: "\u200dabc", wantErr: unjoined("U+200D (ZERO WIDTH JOINER)")},
		{name: "ZWJ last", in: "abc\u200d", wantErr: unjoined("U+200D (ZERO WIDTH JOINER)")},
		{name: "ZWJ before a space", in: "ab\u200d c", wantErr: unjoined("U+200D (ZERO WIDTH JOINER)")},
		{name: "ZWJ twice", in: "a\u200d\u200db", wantErr: unjoined("U+200D (ZERO WIDTH JOINER)")},
		{name: "ZWNJ alone", in: "\u200c", wantErr: unjoined("U+200C (ZERO WIDTH NON-JOINER)")},

		{name: "invalid byte", in: "a\xffb", wantErr: msgUTF8},
		{name: "truncated rune", in: "caf\xc3", wantErr: msgUTF8},
		{name: "encoded surrogate", in: "a\xed\xa0\x80b", wantErr: msgUTF8},
		{name: "overlong slash", in: "a\xc0\xafb", wantErr: msgUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := model.ValidateName(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateName(%q) refused: %v", tt.in, err)
				}
				if got != tt.want {
					t.Fatalf("ValidateName(%q) = %q, want %q", tt.in, got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateName(%q) = %q, want the error %q", tt.in, got, tt.wantErr)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("ValidateName(%q) error = %q, want %q", tt.in, err, tt.wantErr)
			}
			if got != "" {
				t.Errorf("ValidateName(%q) returned %q with its error", tt.in, got)
			}
			var me *model.Error
			if !asModelError(err, &me) || me.Kind != model.KindInvalid || me.Field != "name" {
				t.Errorf("error %#v: want KindInvalid on field name", err)
			}
			if !isSafeText(err.Error()) {
				t.Errorf("error message carries a raw dangerous rune: %q", err)
			}
		})
	}
}

func TestValidateMemberNameFollowsKeyNameRules(t *testing.T) {
	if got, err := model.ValidateMemberName("  Ana Lima "); err != nil || got != "Ana Lima" {
		t.Errorf("ValidateMemberName = %q, %v", got, err)
	}
	if _, err := model.ValidateMemberName("Ana\u202e"); err == nil {
		t.Error("ValidateMemberName accepted a bidi override")
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Production export", "Production export"},
		{"Données 🔑 鍵 مفتاح", "Données 🔑 鍵 مفتاح"},
		{`already\x1b escaped`, `already\x1b escaped`},
		{"\ufffd literal replacement char", "\ufffd literal replacement char"},
		{"\x00", `\x00`},
		{"a\tb\nc\rd", `a\x09b\x0ac\x0dd`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"t\x1b]0;pwned\x07", `t\x1b]0;pwned\x07`},
		{"del\x7f", `del\x7f`},
		{"nel\u0085", `nel\u0085`},
		{"csi\u009b2J", `csi\u009b2J`},
		{"invoice\u202egpj.exe", `invoice\u202egpj.exe`},
		{"\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"zw\u200bsp\ufeff", `zw\u200bsp\ufeff`},
		{"👩\u200d💻", "👩\u200d💻"},
		{"bad\xff", `bad\xff`},
		{"caf\xc3", `caf\xc3`},
		{"\xed\xa0\x80", `\xed\xa0\x80`},
	}
	for _, tt := range tests {
		if got := model.Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSanitizeProperty throws many random strings, biased towards the dangerous
// runes, at Sanitize: its output must always be safe, and text that was already
// safe must come back unchanged.
func TestSanitizeProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		in := randomText(r, r.IntN(40))
		out := model.Sanitize(in)
		if !isSafeText(out) {
			t.Fatalf("case %d: Sanitize(%q) = %q still holds a raw dangerous rune or invalid UTF-8", i, in, out)
		}
		if isSafeText(in) && out != in {
			t.Fatalf("case %d: Sanitize changed safe text %q to %q", i, in, out)
		}
		if !isSafeText(in) && out == in {
			t.Fatalf("case %d: Sanitize left unsafe text %q alone", i, in)
		}
		// ValidateName and Sanitize agree: an accepted name needs no escaping.
		if name, err := model.ValidateName(in); err == nil && model.Sanitize(name) != name {
			t.Fatalf("case %d: accepted name %q is changed by Sanitize to %q", i, name, model.Sanitize(name))
		}
	}
}

// isSafeText is the test's own idea of text a terminal may print raw: valid UTF-8
// with only printable runes and spaces — no C0, DEL, C1, bidi controls or other
// invisible format characters.
func isSafeText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if isDangerous(r) {
			return false
		}
	}
	return true
}

func isDangerous(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	// Joiners print nothing and move nothing: text is made of them (👩‍💻).
	return !unicode.IsPrint(r) && r != ' ' && r != 0x200c && r != 0x200d && (r < 0xe0020 || r > 0xe007f)
}

// dangerous lists runes the generators mix in on purpose.
var dangerous = []rune{
	0x00, 0x07, 0x08, 0x09, 0x0a, 0x0d, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f,
	0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
	0x200e, 0x200f, 0x061c, 0x200b, 0x200d, 0xfeff, 0x00ad, 0x00a0, 0x2028, 0xe000,
}

var friendly = []rune("aZ09 -_.[]\\é鍵مñ🔑👩💻\u200d\u200c\U000e0067\ufe0f\u0301\ufffd")

// randomText builds n pieces: friendly runes, dangerous runes, random code points
// and raw bytes that are often invalid UTF-8.
func randomText(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		switch r.IntN(5) {
		case 0, 1:
			b.WriteRune(friendly[r.IntN(len(friendly))])
		case 2:
			b.WriteRune(dangerous[r.IntN(len(dangerous))])
		case 3:
			b.WriteRune(rune(r.IntN(0x110000)))
		default:
			b.WriteByte(byte(r.IntN(256)))
		}
	}
	return b.String()
}

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "“plain”"},
		{"\x1b[31mred", `“\x1b[31mred”`},
		{strings.Repeat("x", 45), "“" + strings.Repeat("x", 40) + "…”"},
	} {
		if got := model.Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestValidateNameTagWithoutFlag(t *testing.T) {
	want := "Name can't contain U+E0067 (TAG LATIN SMALL LETTER G) here: it belongs after a flag."
	if _, err := model.ValidateName("\U000e0067x"); err == nil || err.Error() != want {
		t.Errorf("ValidateName(tag first) = %v, want %q", err, want)
	}
}
