package secret

import (
	"fmt"
	"strings"

	"github.com/aymanbagabas/go-osc52/v2"
)

// clipboard is what to write for text to reach the terminal's clipboard, and
// how it goes, for the status line. Inside tmux or screen (TERM starts with
// tmux or screen, or TMUX or STY is set) the plain OSC 52 comes first — tmux
// takes it itself with set-clipboard on — then the same wrapped in the DCS
// passthrough that sends it on to the terminal outside (tmux needs
// allow-passthrough for that; screen passes DCS always). Nothing answers, so
// whether it arrived is never known.
func clipboard(text string, env []string) (seqs []osc52.Sequence, via string) {
	plain := osc52.New(text)
	switch multiplexer(env) {
	case "tmux":
		return []osc52.Sequence{plain, plain.Tmux()}, " (also passed through tmux)"
	case "screen":
		return []osc52.Sequence{plain, plain.Screen()}, " (also passed through screen)"
	case "tmux-or-screen":
		// Each ignores the other's wrapping.
		return []osc52.Sequence{plain, plain.Tmux(), plain.Screen()}, " (also passed through tmux and screen)"
	}
	return []osc52.Sequence{plain}, ""
}

// multiplexer names the terminal multiplexer env shows, or "".
func multiplexer(env []string) string {
	get := func(name string) string { // the last one set wins, as in exec
		v := ""
		for _, kv := range env {
			if s, ok := strings.CutPrefix(kv, name+"="); ok {
				v = s
			}
		}
		return v
	}
	term := get("TERM")
	switch {
	case get("TMUX") != "" || strings.HasPrefix(term, "tmux"):
		return "tmux"
	case get("STY") != "":
		return "screen"
	case strings.HasPrefix(term, "screen"):
		// tmux's old default TERM too; over SSH that is all one sees.
		return "tmux-or-screen"
	}
	return ""
}

// EnvNames makes key names into names a shell or a dotenv file accepts, in
// order: upper-case ASCII letters, digits and _, not starting with a digit
// ("Modeling sync 🚀" → MODELING_SYNC). Names that come out the same get a
// suffix (_2, _3, …), so no line overwrites another.
func EnvNames(names []string) []string {
	out := make([]string, len(names))
	taken := map[string]bool{}
	for i, name := range names {
		base := envName(name)
		n := base
		for k := 2; taken[n]; k++ {
			n = fmt.Sprintf("%s_%d", base, k)
		}
		taken[n] = true
		out[i] = n
	}
	return out
}

func envName(name string) string {
	var b strings.Builder
	under := false // the last byte written is _
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
			fallthrough
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
			under = false
		case !under && b.Len() > 0:
			b.WriteByte('_')
			under = true
		}
	}
	n := strings.TrimRight(b.String(), "_")
	switch {
	case n == "":
		return "KEY"
	case n[0] >= '0' && n[0] <= '9':
		return "KEY_" + n
	}
	return n
}
