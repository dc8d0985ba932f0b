package sshd

import (
	"bytes"
	"image/color"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/x/ansi"
	"github.com/lucasb-eyer/go-colorful"
	"github.com/muesli/termenv"
)

// sessionRenderer is the session's own lipgloss renderer, made as wish's
// bubbletea.MakeRenderer makes it for a session without a server-side PTY: from
// the client's TERM and environment, and dark or light from the background
// colour the client's terminal reports. It reads that answer with the small
// parser below: wish's builds x/input's whole key table for every session,
// which was 7% of the server's CPU in a burst of 100 sign-ins. in is where the
// answer is read from; its deadline bounds the wait.
func sessionRenderer(s ssh.Session, in io.Reader) *lipgloss.Renderer {
	pty, _, ok := s.Pty()
	if !ok || pty.Term == "" || pty.Term == "dumb" {
		return lipgloss.NewRenderer(s, termenv.WithProfile(termenv.Ascii))
	}
	env := sshEnviron(append(s.Environ(), "TERM="+pty.Term))
	r := lipgloss.NewRenderer(s, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
	if bg := queryBackground(in, s); bg != nil {
		if c, ok := colorful.MakeColor(bg); ok {
			_, _, l := c.Hsl()
			r.SetHasDarkBackground(l < 0.5)
		}
	}
	return r
}

// queryBackground asks the terminal for its background colour and its primary
// device attributes, which every terminal answers, and reads until that answer
// (or an error, such as in's deadline passing). Other input that arrives
// meanwhile is dropped, as wish's query drops it. nil: no colour reported.
func queryBackground(in io.Reader, out io.Writer) color.Color {
	if _, err := io.WriteString(out, ansi.RequestBackgroundColor+ansi.RequestPrimaryDeviceAttributes); err != nil {
		return nil
	}
	var (
		bg   color.Color
		buf  []byte
		read = make([]byte, 256)
	)
	for {
		n, err := in.Read(read)
		buf = append(buf, read[:n]...)
		var done bool
		buf, done = scanReplies(buf, &bg)
		if done || err != nil {
			return bg
		}
	}
}

// scanReplies consumes the complete escape sequences at the start of b: an
// OSC 11 reply sets *bg, a primary device attributes reply (CSI ? … c) ends the
// query (done). It returns what is left: an incomplete sequence to be read on.
func scanReplies(b []byte, bg *color.Color) (rest []byte, done bool) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, ansi.ESC)
		if i < 0 {
			return nil, false
		}
		b = b[i:]
		if len(b) < 2 {
			return b, false
		}
		switch b[1] {
		case ']': // OSC Ps ; Pt, ended by BEL or ST (ESC \)
			end := bytes.IndexAny(b[2:], "\a\x1b")
			if end < 0 {
				return b, false
			}
			end += 2
			body := string(b[2:end])
			next := end + 1
			if b[end] == ansi.ESC {
				if end+1 >= len(b) {
					return b, false
				}
				if b[end+1] == '\\' {
					next = end + 2
				}
			}
			if data, ok := strings.CutPrefix(body, "11;"); ok {
				if c := ansi.XParseColor(data); c != nil {
					*bg = c
				}
			}
			b = b[next:]
		case '[': // CSI: parameters and intermediates, then a final byte
			j := 2
			for j < len(b) && (b[j] < 0x40 || b[j] > 0x7e) {
				j++
			}
			if j >= len(b) {
				return b, false
			}
			if b[j] == 'c' && len(b) > 2 && b[2] == '?' {
				return b[j+1:], true
			}
			b = b[j+1:]
		default:
			b = b[1:]
		}
	}
	return nil, false
}

// sshEnviron is the client's environment, for termenv.
type sshEnviron []string

// Environ implements termenv.Environ.
func (e sshEnviron) Environ() []string { return e }

// Getenv implements termenv.Environ: the first setting of k wins.
func (e sshEnviron) Getenv(k string) string {
	for _, v := range e {
		if strings.HasPrefix(v, k+"=") {
			return v[len(k)+1:]
		}
	}
	return ""
}
