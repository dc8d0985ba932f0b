package sshd

import (
	"image/color"
	"io"
	"os"
	"testing"
)

// chunks is a reader that hands out one chunk per Read, then fails as a read
// deadline passing would.
type chunks struct{ parts []string }

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.parts) == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(p, c.parts[0])
	if n < len(c.parts[0]) {
		c.parts[0] = c.parts[0][n:]
	} else {
		c.parts = c.parts[1:]
	}
	return n, nil
}

func TestQueryBackground(t *testing.T) {
	dark := color.RGBA{0x1c, 0x1c, 0x1c, 0xff}
	light := color.RGBA{0xff, 0xff, 0xff, 0xff}
	for _, tc := range []struct {
		name  string
		parts []string
		want  color.Color
		left  int // chunks not read: the query stopped at the attributes
	}{
		{"xterm, ST", []string{"\x1b]11;rgb:1c1c/1c1c/1c1c\x1b\\\x1b[?62;22c"}, dark, 0},
		{"BEL", []string{"\x1b]11;rgb:ffff/ffff/ffff\a\x1b[?1;2c"}, light, 0},
		{"split anywhere", []string{"\x1b", "]11;rgb:1c1c/", "1c1c/1c1c\x1b", "\\\x1b[?6", "2c"}, dark, 0},
		{"keystrokes first are dropped", []string{"jj\x1b[A", "\x1b]11;#ffffff\a\x1b[?62c"}, light, 0},
		{"stops at the attributes", []string{"\x1b[?62c", "\x1b]11;rgb:ffff/ffff/ffff\a"}, nil, 1},
		{"no colour support: attributes only", []string{"\x1b[?1;2c"}, nil, 0},
		{"other OSC ignored", []string{"\x1b]10;rgb:ffff/ffff/ffff\a\x1b[?62c"}, nil, 0},
		{"garbled colour", []string{"\x1b]11;bogus\a\x1b[?62c"}, nil, 0},
		{"no answer: the deadline ends it", nil, nil, 0},
		{"colour then silence", []string{"\x1b]11;rgb:1c1c/1c1c/1c1c\a"}, dark, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &chunks{parts: append([]string(nil), tc.parts...)}
			var out writeRecorder
			got := queryBackground(in, &out)
			if !sameColor(got, tc.want) {
				t.Errorf("colour %v, want %v", got, tc.want)
			}
			if len(in.parts) != tc.left {
				t.Errorf("%d chunks left unread, want %d", len(in.parts), tc.left)
			}
			if out.s != "\x1b]11;?\a\x1b[c" {
				t.Errorf("query %q", out.s)
			}
		})
	}
}

type writeRecorder struct{ s string }

func (w *writeRecorder) Write(p []byte) (int, error) { w.s += string(p); return len(p), nil }

var _ io.Writer = (*writeRecorder)(nil)

func sameColor(a, b color.Color) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	return ar == br && ag == bg && ab == bb && aa == ba
}
