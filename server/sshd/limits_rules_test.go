package sshd

import (
	"testing"

	"github.com/charmbracelet/ssh"

	"github.com/apikeys-dev/apikeys/server/ratelimit"
)

func TestClampWindow(t *testing.T) {
	for _, c := range []struct {
		cols, rows, wpx, hpx uint32
		want                 ssh.Window
		ok                   bool
	}{
		{80, 24, 640, 480, ssh.Window{Width: 80, Height: 24, WidthPixels: 640, HeightPixels: 480}, true},
		{1000, 500, 0, 0, ssh.Window{Width: 1000, Height: 500}, true},
		{1001, 501, 0, 0, ssh.Window{Width: 1000, Height: 500}, true},
		{30000, 30000, 1 << 31, 1 << 31, ssh.Window{Width: 1000, Height: 500, WidthPixels: 1 << 16, HeightPixels: 1 << 16}, true},
		{1<<32 - 1, 1<<32 - 1, 0, 0, ssh.Window{Width: 1000, Height: 500}, true}, // "negative" as sent
		{1, 1, 0, 0, ssh.Window{Width: 1, Height: 1}, true},
		{0, 24, 0, 0, ssh.Window{}, false},
		{80, 0, 0, 0, ssh.Window{}, false},
		{0, 0, 0, 0, ssh.Window{}, false},
	} {
		got, ok := clampWindow(c.cols, c.rows, c.wpx, c.hpx)
		if got != c.want || ok != c.ok {
			t.Errorf("clampWindow(%d, %d, %d, %d) = %+v %v, want %+v %v", c.cols, c.rows, c.wpx, c.hpx, got, ok, c.want, c.ok)
		}
	}
}

// TestEarlyDrop is MaxStartups 10:30:100 at every interesting count, with the
// random number just below and at the drop probability.
func TestEarlyDrop(t *testing.T) {
	for _, c := range []struct {
		pending int
		random  float64
		drop    bool
	}{
		{0, 0, false},
		{9, 0, false},      // below start: never
		{10, 0.2999, true}, // at start: 30%
		{10, 0.30, false},
		{55, 0.6499, true}, // halfway: 65%
		{55, 0.65, false},
		{99, 0.99, true}, // 99.2%
		{99, 0.995, false},
		{100, 0.9999, true}, // full: always
		{500, 0.9999, true},
	} {
		a := &admission{startups: Startups{10, 30, 100}, random: func() float64 { return c.random }}
		if got := a.drop(c.pending); got != c.drop {
			t.Errorf("%d pending, random %v: drop %v, want %v", c.pending, c.random, got, c.drop)
		}
	}
}

func TestAdmissionPerAddress(t *testing.T) {
	a := &admission{perAddr: 2, startups: Startups{100, 30, 200}, random: func() float64 { return 0 }, byAddr: map[ratelimit.Key]int{}}
	x, y := ratelimit.Key{1}, ratelimit.Key{2}
	for i, step := range []struct {
		key  ratelimit.Key
		ok   bool
		free bool // release one of key's instead
	}{
		{key: x, ok: true}, {key: x, ok: true}, {key: x, ok: false}, // x at its cap
		{key: y, ok: true},                       // y apart
		{key: x, free: true}, {key: x, ok: true}, // a place freed is a place again
	} {
		if step.free {
			a.release(step.key)
			continue
		}
		if _, why := a.admit(step.key); (why == "") != step.ok {
			ok := why == ""
			t.Errorf("step %d: admitted %v, want %v", i, ok, step.ok)
		}
	}
	if a.count() != 3 {
		t.Errorf("pending %d, want 3", a.count())
	}
}

func TestParseStartups(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Startups
		ok   bool
	}{
		{"10:30:100", Startups{10, 30, 100}, true},
		{"64", Startups{64, 100, 64}, true},
		{"10:30", Startups{}, false},
		{"100:30:10", Startups{}, false},
		{"10:130:100", Startups{}, false},
		{"0:30:100", Startups{}, false},
		{"a:b:c", Startups{}, false},
		{"", Startups{}, false},
	} {
		got, err := ParseStartups(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseStartups(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}
