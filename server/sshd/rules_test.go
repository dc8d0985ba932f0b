package sshd

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

func TestAddrLimiter(t *testing.T) {
	t0 := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	l := newAddrLimiter(2, time.Minute, 3)
	steps := []struct {
		key  string
		at   time.Duration
		want verdict
	}{
		{"a", 0, allowed},
		{"a", time.Second, allowed},
		{"a", 2 * time.Second, limited}, // third within the minute
		{"a", 3 * time.Second, limited},
		{"a", 4 * time.Second, dropped}, // far over: not worth a handshake
		{"b", 5 * time.Second, allowed}, // addresses are counted apart
		{"a", time.Minute, allowed},     // a new window
		{"c", time.Minute, allowed},
		{"d", time.Minute, allowed}, // a 4th address with room for 3: one is forgotten
	}
	for i, s := range steps {
		if got, _ := l.allow(s.key, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d (%s at %v): %v, want %v", i, s.key, s.at, got, s.want)
		}
	}
	if len(l.seen) > 3 {
		t.Errorf("limiter remembers %d addresses, more than its bound of 3", len(l.seen))
	}
}

func TestAddrKey(t *testing.T) {
	for _, c := range []struct {
		ip   string
		want string
	}{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"}, // same /64, same budget
	} {
		if got := addrKey(&net.TCPAddr{IP: net.ParseIP(c.ip), Port: 5}); got != c.want {
			t.Errorf("addrKey(%s) = %s, want %s", c.ip, got, c.want)
		}
	}
}

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
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "list", "--json"}, "keys list"},
		{[]string{"keys", "create", "--name", "prod"}, "keys create"},
		{[]string{"members", "add-ssh-key", "a@b.c", "ssh-ed25519 AAAA"}, "members add-ssh-key"},
		{[]string{"--as", "x@y.z", "keys"}, "(flags only)"},
		{[]string{"audit"}, "audit"},
		{[]string{"keys\x1b[31m"}, `keys\x1b[31m`},
	} {
		if got := commandName(c.args); got != c.want {
			t.Errorf("commandName(%q) = %q, want %q", c.args, got, c.want)
		}
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
