package secret

import (
	"fmt"
	"strings"
	"testing"
)

// The window shows at most room lines, always the focused range, and says how
// many lines are cut above and below.
func TestWindowKeepsTheFocusInView(t *testing.T) {
	lines := make([]string, 20)
	for i := range lines {
		lines[i] = fmt.Sprint("line ", i)
	}
	plain := func(s ...string) string { return strings.Join(s, "") }
	tests := []struct {
		focus [2]int
		room  int
	}{
		{[2]int{0, 3}, 6}, {[2]int{4, 7}, 6}, {[2]int{16, 20}, 6}, {[2]int{8, 12}, 7}, {[2]int{0, 3}, 30},
	}
	for _, tt := range tests {
		out := window(lines, tt.focus, tt.room, plain)
		if len(out) > tt.room {
			t.Errorf("focus %v room %d: %d lines", tt.focus, tt.room, len(out))
		}
		joined := strings.Join(out, "\n")
		for i := tt.focus[0]; i < tt.focus[1]; i++ {
			if !strings.Contains(joined, fmt.Sprint("line ", i)+"\n") && !strings.HasSuffix(joined, fmt.Sprint("line ", i)) {
				t.Errorf("focus %v room %d: line %d not shown:\n%s", tt.focus, tt.room, i, joined)
			}
		}
		first := strings.TrimPrefix(out[0], "line ")
		if first != out[0] && first != "0" {
			t.Errorf("focus %v room %d: lines cut above without saying so:\n%s", tt.focus, tt.room, joined)
		}
		if last := out[len(out)-1]; strings.HasPrefix(last, "line ") && last != "line 19" {
			t.Errorf("focus %v room %d: lines cut below without saying so:\n%s", tt.focus, tt.room, joined)
		}
	}
}
