package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

// confirmUnlessYes: --yes goes ahead unasked; without a terminal it refuses
// without reading; on one, only y or yes goes ahead, and the warning comes
// before the question.
func TestConfirmUnlessYes(t *testing.T) {
	q := ask{
		Verb: "delete", Doing: "deleting", What: "key “Billing” (key_1)", Question: "Delete key “Billing” (key_1)?",
		Warn:     func(w io.Writer) { io.WriteString(w, "Warning: used 2h ago.\n") },
		Declined: "Not deleted: key “Billing” (key_1) still works.",
	}
	const asked = "Warning: used 2h ago.\nDelete key “Billing” (key_1)? [y/N] "
	for _, tc := range []struct {
		name       string
		yes, tty   bool
		stdin      string
		wantErr    string // "" to go ahead
		wantStderr string
	}{
		{name: "yes, no terminal", yes: true},
		{name: "yes, terminal", yes: true, tty: true, stdin: "n\n"},
		{name: "no terminal", stdin: "y\n",
			wantErr: "Not deleting key “Billing” (key_1) without confirmation: there is no terminal to ask on. Pass --yes to delete it."},
		{name: "y", tty: true, stdin: "y\n", wantStderr: asked},
		{name: "YES, spaced", tty: true, stdin: "  YES \n", wantStderr: asked},
		{name: "n", tty: true, stdin: "n\n", wantErr: q.Declined, wantStderr: asked},
		{name: "empty line", tty: true, stdin: "\n", wantErr: q.Declined, wantStderr: asked},
		{name: "yeah", tty: true, stdin: "yeah\n", wantErr: q.Declined, wantStderr: asked},
		{name: "EOF", tty: true, stdin: "", wantErr: q.Declined, wantStderr: asked},
		{name: "y at EOF, no newline", tty: true, stdin: "y", wantStderr: asked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errb bytes.Buffer
			stdin := strings.NewReader(tc.stdin)
			a := newApp(&env{stdin: stdin, stdout: io.Discard, stderr: &errb, stdinIsTerminal: tc.tty})
			err := a.confirmUnlessYes(context.Background(), tc.yes, q)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantErr != "":
				if model.KindOf(err) != model.KindInvalid || err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err %v, want the refusal %q", err, tc.wantErr)
				}
			}
			if errb.String() != tc.wantStderr {
				t.Errorf("stderr %q, want %q", errb.String(), tc.wantStderr)
			}
			if !tc.tty && stdin.Len() != len(tc.stdin) {
				t.Error("stdin was read without a terminal")
			}
		})
	}
}
