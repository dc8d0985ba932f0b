package sshd

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/anmitsu/go-shlex"
	gossh "golang.org/x/crypto/ssh"
)

func TestSplitCommandLine(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
		err  error
	}{
		{"", nil, nil},
		{"   \t\n ", nil, nil},
		{"keys list --json", []string{"keys", "list", "--json"}, nil},
		{"  keys   list  ", []string{"keys", "list"}, nil},
		{`keys create --name "My key"`, []string{"keys", "create", "--name", "My key"}, nil},
		{`keys create --name 'My key'`, []string{"keys", "create", "--name", "My key"}, nil},
		{`a"b c"d`, []string{"ab cd"}, nil},
		{`'it''s'`, []string{"its"}, nil},
		{`"say \"hi\" \\ \$x"`, []string{`say "hi" \ \$x`}, nil}, // only \" and \\ inside "…"
		{`'\n \"'`, []string{`\n \"`}, nil},                      // nothing inside '…'
		{`a\ b \'c`, []string{"a b", "'c"}, nil},
		{`--name ""`, []string{"--name", ""}, nil}, // an empty word is a word
		{`x '' y`, []string{"x", "", "y"}, nil},
		{"é\u00a0ü", []string{"é", "ü"}, nil}, // Unicode space separates, as go-shlex did
		{"a\xffb", []string{"a\xffb"}, nil},   // bytes kept
		{`"open`, nil, errNoClosingQuote},
		{`'open`, nil, errNoClosingQuote},
		{`"a\`, nil, errNoEscaped},
		{`a\`, nil, errNoEscaped},
		{strings.Repeat("a", MaxCommandLine+1), nil, errCommandTooLong},
	} {
		got, err := splitCommandLine(c.line)
		if !errors.Is(err, c.err) || (c.err == nil && !reflect.DeepEqual(got, c.want)) {
			t.Errorf("splitCommandLine(%q) = %q, %v; want %q, %v", c.line, got, err, c.want, c.err)
		}
	}
}

// TestSplitCommandLineIsLinear counts allocations, which don't depend on the
// machine: go-shlex made a new string per character of a word (65,536 for a
// 64 KiB word, and as many copies: quadratic); this grows one builder.
func TestSplitCommandLineIsLinear(t *testing.T) {
	for _, line := range []string{
		strings.Repeat("a", MaxCommandLine),
		`"` + strings.Repeat(`\"`, MaxCommandLine/2-1) + `"`,
		strings.Repeat("a ", MaxCommandLine/2),
	} {
		words := len(strings.Fields(line))
		allocs := testing.AllocsPerRun(3, func() { _, _ = splitCommandLine(line) })
		if limit := float64(2*words + 64); allocs > limit {
			t.Errorf("%d allocations for a %d-byte line of %d words", int(allocs), len(line), words)
		}
	}
}

// FuzzSplitCommandLine compares the splitter with go-shlex, which the SSH
// library used, where go-shlex is a fair reference: valid UTF-8 (go-shlex turns
// other bytes into U+FFFD) and with empty words dropped (go-shlex drops them).
func FuzzSplitCommandLine(f *testing.F) {
	for _, s := range []string{"keys list", `a "b c" 'd e' f\ g`, `"\\\"x"`, `''`, `"a\`, "é\u2003x", `a'b'"c"\d`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, err := splitCommandLine(line)
		if len(line) > MaxCommandLine {
			if !errors.Is(err, errCommandTooLong) {
				t.Fatalf("a %d-byte line was not refused", len(line))
			}
			return
		}
		if !utf8.ValidString(line) || len(line) > 4096 {
			return
		}
		want, werr := shlex.Split(line, true)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%q: error %v, go-shlex %v", line, err, werr)
		}
		if err != nil {
			return
		}
		var nonEmpty []string
		for _, w := range got {
			if w != "" {
				nonEmpty = append(nonEmpty, w)
			}
		}
		if len(nonEmpty) == 0 && len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(nonEmpty, want) {
			t.Fatalf("%q: %q, go-shlex %q", line, got, want)
		}
	})
}

// FuzzTerminalRequests feeds arbitrary pty-req and window-change payloads to
// the guard: whatever passes decodes to a size within 1000×500, at least 1×1.
func FuzzTerminalRequests(f *testing.F) {
	f.Add(gossh.Marshal(&ptyRequest{Term: "xterm", Cols: 30000, Rows: 30000}), true)
	f.Add(gossh.Marshal(&windowChange{Cols: 1<<32 - 1, Rows: 0}), false)
	f.Add([]byte{0, 0, 0, 1}, false)
	f.Fuzz(func(t *testing.T, payload []byte, pty bool) {
		var st guardState
		req := &gossh.Request{Type: "window-change", Payload: payload}
		if pty {
			req.Type = "pty-req"
		}
		if !st.pass(req) {
			return
		}
		var cols, rows uint32
		if pty {
			var p ptyRequest
			if err := gossh.Unmarshal(req.Payload, &p); err != nil {
				t.Fatalf("a passed pty-req does not decode: %v", err)
			}
			cols, rows = p.Cols, p.Rows
		} else {
			var w windowChange
			if err := gossh.Unmarshal(req.Payload, &w); err != nil {
				t.Fatalf("a passed window-change does not decode: %v", err)
			}
			cols, rows = w.Cols, w.Rows
		}
		if cols < 1 || rows < 1 || cols > MaxColumns || rows > MaxRows {
			t.Fatalf("%s passed with size %dx%d", req.Type, cols, rows)
		}
	})
}
