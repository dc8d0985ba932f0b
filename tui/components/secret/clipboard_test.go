package secret

import (
	"reflect"
	"testing"
)

// Names become NAME=… keys a shell and a dotenv file accept, and never collide.
func TestEnvNames(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"Modeling sync 🚀"}, []string{"MODELING_SYNC"}},
		{[]string{"ci"}, []string{"CI"}},
		{[]string{"Nightly export to S3"}, []string{"NIGHTLY_EXPORT_TO_S3"}},
		{[]string{"already_OK_9"}, []string{"ALREADY_OK_9"}},
		{[]string{"  --lead & trail--  "}, []string{"LEAD_TRAIL"}},
		{[]string{"3rd party"}, []string{"KEY_3RD_PARTY"}},
		{[]string{"🚀"}, []string{"KEY"}},
		{[]string{""}, []string{"KEY"}},
		{[]string{"Café"}, []string{"CAF"}},
		{[]string{"a=b\n$(rm -rf)"}, []string{"A_B_RM_RF"}},
		{[]string{"ci", "CI", "c i", "ci"}, []string{"CI", "CI_2", "C_I", "CI_3"}},
		{[]string{"x", "x 2", "x"}, []string{"X", "X_2", "X_3"}},
		{[]string{"🚀", "✨"}, []string{"KEY", "KEY_2"}},
	}
	for _, tt := range tests {
		if got := EnvNames(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("EnvNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// OSC 52 goes plain outside a multiplexer; inside tmux or screen the plain one
// is followed by the wrapped one.
func TestClipboardWrapping(t *testing.T) {
	tests := []struct {
		env  []string
		want []string
	}{
		{nil, []string{"\x1b]52;c;YQ==\x07"}},
		{[]string{"TERM=xterm-256color"}, []string{"\x1b]52;c;YQ==\x07"}},
		{[]string{"TERM=tmux-256color"}, []string{"\x1b]52;c;YQ==\x07", "\x1bPtmux;\x1b\x1b]52;c;YQ==\x07\x1b\\"}},
		{[]string{"TERM=xterm", "TMUX=/tmp/tmux-0/default,1,0"}, []string{"\x1b]52;c;YQ==\x07", "\x1bPtmux;\x1b\x1b]52;c;YQ==\x07\x1b\\"}},
		{[]string{"TERM=screen", "STY=1.pts-0"}, []string{"\x1b]52;c;YQ==\x07", "\x1bP\x1b]52;c;YQ==\x07\x1b\\"}},
		{[]string{"TERM=screen-256color"}, []string{"\x1b]52;c;YQ==\x07", "\x1bPtmux;\x1b\x1b]52;c;YQ==\x07\x1b\\", "\x1bP\x1b]52;c;YQ==\x07\x1b\\"}},
	}
	for _, tt := range tests {
		seqs, _ := clipboard("a", tt.env)
		var got []string
		for _, s := range seqs {
			got = append(got, s.String())
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("env %q:\n got %q\nwant %q", tt.env, got, tt.want)
		}
	}
}
