package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apikeys-dev/apikeys/model"
)

// ask is what a command that can't be undone asks before it acts, unless
// --yes (`keys delete`, `keys retire`).
type ask struct {
	// Verb and Doing name the act for the refusal without a terminal: "Not
	// Doing What without confirmation … Pass --yes to Verb it."
	Verb, Doing string
	// What names the target, sanitised: key “Billing sync” (key_…).
	What string
	// Question is the prompt, without the "[y/N]" that confirmUnlessYes adds.
	Question string
	// Warn, if set, writes what to weigh before answering, once there is a
	// terminal to ask on (it may cost a backend call).
	Warn func(w io.Writer)
	// Declined is the refusal after any answer but y or yes.
	Declined string
}

// confirmUnlessYes asks q on the terminal unless yes: nil to go ahead, else
// the refusal. Without a terminal (a script, a pipe, ssh without -t) it
// refuses at once, naming --yes, rather than wait for an answer that can't
// come. The question goes to stderr, so --json output stays clean.
func (a *app) confirmUnlessYes(ctx context.Context, yes bool, q ask) error {
	if yes {
		return nil
	}
	if !a.env.stdinIsTerminal {
		return model.Invalid("yes", "Not %s %s without confirmation: there is no terminal to ask on. Pass --yes to %s it.", q.Doing, q.What, q.Verb)
	}
	if q.Warn != nil {
		q.Warn(a.env.stderr)
	}
	ok, err := a.confirm(ctx, q.Question+" [y/N] ")
	if err != nil {
		return err
	}
	if !ok {
		return model.Invalid("yes", "%s", q.Declined)
	}
	return nil
}

// confirm asks a yes/no question on the terminal; anything but y or yes is no. It
// gives up when ctx ends (Ctrl-C while the prompt waits).
func (a *app) confirm(ctx context.Context, prompt string) (bool, error) {
	fmt.Fprint(a.env.stderr, prompt)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(a.env.stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(a.env.stderr)
		return false, ctx.Err()
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, nil
		}
		return false, nil
	}
}
