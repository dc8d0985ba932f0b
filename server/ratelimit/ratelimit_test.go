package ratelimit

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

type manualClock struct{ t time.Time }

func (c *manualClock) now() time.Time { return c.t }

func key(s string) Key { return KeyOf(netip.MustParseAddr(s)) }

func TestBurstThenSustainedRate(t *testing.T) {
	c := &manualClock{t: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(500, 5*time.Minute, 1024, c.now)
	client := key("192.0.2.7")

	for i := range 500 {
		if ok, _ := l.Allow(client); !ok {
			t.Fatalf("request %d of 500 refused", i+1)
		}
	}
	ok, wait := l.Allow(client)
	if ok || wait != 600*time.Millisecond {
		t.Fatalf("501st: ok=%v wait=%v, want refused for 600ms", ok, wait)
	}
	// Another client is not affected.
	if ok, _ := l.Allow(key("192.0.2.8")); !ok {
		t.Fatal("a second client was refused")
	}
	c.t = c.t.Add(599 * time.Millisecond)
	if ok, _ := l.Allow(client); ok {
		t.Fatal("allowed 1ms early")
	}
	c.t = c.t.Add(time.Millisecond)
	if ok, _ := l.Allow(client); !ok {
		t.Fatal("refused once the wait was over")
	}
	if ok, _ := l.Allow(client); ok {
		t.Fatal("one wait bought two requests")
	}
	// A full window later the whole burst is back, and no more.
	c.t = c.t.Add(5 * time.Minute)
	for i := range 500 {
		if ok, _ := l.Allow(client); !ok {
			t.Fatalf("after a window, request %d refused", i+1)
		}
	}
	if ok, _ := l.Allow(client); ok {
		t.Fatal("more than the burst after a window")
	}
}

// TestMemoryBounded calls from far more addresses than the limiter remembers:
// it stays at its capacity, and the clients it keeps are still limited.
func TestMemoryBounded(t *testing.T) {
	c := &manualClock{t: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	const capacity = 64 * 8
	l := New(2, time.Minute, capacity, c.now)
	busy := key("198.51.100.1")
	l.Allow(busy)
	l.Allow(busy)
	for i := range 50_000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if ok, _ := l.Allow(KeyOf(a)); !ok {
			t.Fatalf("fresh address %v refused", a)
		}
		if i%500 == 0 {
			if n := l.Len(); n > capacity {
				t.Fatalf("limiter holds %d clients, capacity %d", n, capacity)
			}
		}
	}
	if n := l.Len(); n > capacity {
		t.Fatalf("limiter holds %d clients, capacity %d", n, capacity)
	}
	// Expired entries go first: after the window every entry has expired, and a
	// new wave replaces them without evicting anyone still live.
	c.t = c.t.Add(time.Minute)
	l.Allow(busy)
	l.Allow(busy)
	for i := range 2 * capacity {
		l.Allow(KeyOf(netip.AddrFrom4([4]byte{172, 16, byte(i >> 8), byte(i)})))
	}
	if n := l.Len(); n > capacity {
		t.Fatalf("limiter holds %d clients, capacity %d", n, capacity)
	}
	if ok, _ := l.Allow(busy); ok {
		t.Error("the busy client was forgotten while newer, lighter ones were kept")
	}
}

func TestEvictsNearestExpiry(t *testing.T) {
	c := &manualClock{t: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(10, time.Minute, 1, c.now) // one entry per shard
	sh := func(p Key) *shard {
		for i := range l.shards {
			if _, ok := l.shards[i].tat[p]; ok {
				return &l.shards[i]
			}
		}
		return nil
	}
	heavy := key("192.0.2.1")
	for range 10 {
		l.Allow(heavy)
	}
	s := sh(heavy)
	// Add a light client to the same shard by hand, then make room: the light
	// one (nearest expiry) goes, the heavy one (still owing) stays.
	light := key("192.0.2.2")
	s.tat[light] = c.t.UnixNano() + int64(time.Second)
	s.makeRoom(c.t.UnixNano())
	if _, ok := s.tat[heavy]; !ok {
		t.Error("evicted the client with the most debt")
	}
	if _, ok := s.tat[light]; ok {
		t.Error("kept the client nearest to expiry")
	}
}

func TestKeyOf(t *testing.T) {
	tests := []struct {
		addr netip.Addr
		want string
	}{
		{netip.MustParseAddr("192.0.2.7"), "192.0.2.7"},
		{netip.MustParseAddr("::ffff:192.0.2.7"), "192.0.2.7"}, // IPv4-mapped counts as IPv4
		{netip.MustParseAddr("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::"},
		{netip.MustParseAddr("2001:db8:1:2:ffff::1"), "2001:db8:1:2::"}, // same /64, same client
		{netip.MustParseAddr("fe80::1%eth0"), "fe80::"},
		{netip.MustParseAddr("::1"), "::"},
		{netip.Addr{}, "::"}, // no address: all together
	}
	for _, tt := range tests {
		if got := KeyOf(tt.addr).String(); got != tt.want {
			t.Errorf("KeyOf(%v) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}

func TestKeyOfAddr(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 22}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.7"), Port: 22}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:3:4:5:6"), Port: 22}, "2001:db8:1:2::"},
		{&net.UnixAddr{Name: "@", Net: "unix"}, "::"},
	}
	for _, tt := range tests {
		if got := KeyOfAddr(tt.addr).String(); got != tt.want {
			t.Errorf("KeyOfAddr(%v) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}

func BenchmarkManyClients(b *testing.B) {
	l := New(500, 5*time.Minute, 65536, time.Now)
	keys := make([]Key, 1<<20)
	for i := range keys {
		keys[i] = KeyOf(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Allow(keys[i%len(keys)])
			i += 7919
		}
	})
	b.ReportMetric(float64(l.Len()), "clients")
}
