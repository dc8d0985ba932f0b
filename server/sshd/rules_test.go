package sshd

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

func TestIdleFor(t *testing.T) {
	t0 := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		since   time.Duration
		expired bool
		left    time.Duration
	}{
		{0, false, 15 * time.Minute},
		{14 * time.Minute, false, time.Minute},
		{15 * time.Minute, true, 0},
		{time.Hour, true, 0},
	} {
		expired, left := idleFor(t0, t0.Add(c.since), 15*time.Minute)
		if expired != c.expired || left != c.left {
			t.Errorf("idle %v: %v %v, want %v %v", c.since, expired, left, c.expired, c.left)
		}
	}
}

func TestCommandName(t *testing.T) {
	// known stands in for the CLI's command tree.
	known := func(args []string) []string {
		tree := map[string][]string{"": {"keys", "members", "audit"}, "keys": {"list", "create", "edit"}, "members": {"add-ssh-key"}}
		var words []string
		for _, a := range args {
			if strings.HasPrefix(a, "-") {
				continue
			}
			if !slices.Contains(tree[strings.Join(words, " ")], a) {
				break
			}
			words = append(words, a)
		}
		return words
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "list", "--json"}, "keys list (+1)"},
		{[]string{"keys", "create", "--name", "prod"}, "keys create (+2)"},
		{[]string{"members", "add-ssh-key", "a@b.c", "ssh-ed25519 AAAA"}, "members add-ssh-key (+2)"},
		{[]string{"audit"}, "audit"},
		// A secret as the command, or as the second word, is never logged.
		{[]string{"apk_live_abcdefghijklmnopqrstuvwxyz012345"}, "(unknown) (+1)"},
		{[]string{"keys", "apk_live_abcdefghijklmnopqrstuvwxyz012345"}, "keys (+1)"},
		{[]string{"keys\x1b[31m"}, "(unknown) (+1)"},
	} {
		if got := commandName(c.args, known); got != c.want {
			t.Errorf("commandName(%q) = %q, want %q", c.args, got, c.want)
		}
	}
	if got := commandName([]string{"whoami", "x"}, nil); got != "(unknown) (+2)" {
		t.Errorf("with no command tree: %q", got)
	}
}

func TestStanding(t *testing.T) {
	key := model.SSHKey{Fingerprint: "SHA256:abc"}
	byID := map[string]model.Member{
		"ok":    {ID: "ok", Status: model.StatusActive, SSHKeys: []model.SSHKey{key}},
		"off":   {ID: "off", Status: model.StatusDeactivated, SSHKeys: []model.SSHKey{key}},
		"nokey": {ID: "nokey", Status: model.StatusActive},
	}
	for _, c := range []struct{ id, why string }{
		{"ok", ""},
		{"off", endDeactivated},
		{"nokey", endKeyRemoved},
		{"gone", endGone},
	} {
		why, reason := standing(byID, c.id, key.Fingerprint)
		if why != c.why || (why != "" && !strings.HasSuffix(reason, "this session has ended.")) {
			t.Errorf("%s: %q %q, want %q", c.id, why, reason, c.why)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Minute:       "15 minutes",
		time.Minute:            "1 minute",
		2 * time.Hour:          "2 hours",
		90 * time.Second:       "90 seconds",
		300 * time.Millisecond: "300ms",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
