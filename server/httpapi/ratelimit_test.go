package httpapi

import (
	"net/netip"
	"testing"
	"time"
)

type manualClock struct{ t time.Time }

func (c *manualClock) now() time.Time { return c.t }

func TestLimiterBurstThenSustainedRate(t *testing.T) {
	c := &manualClock{t: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(500, 5*time.Minute, 1024, c.now)
	client := clientKey(netip.MustParseAddr("192.0.2.7"))

	for i := range 500 {
		if ok, _ := l.allow(client); !ok {
			t.Fatalf("request %d of 500 refused", i+1)
		}
	}
	ok, wait := l.allow(client)
	if ok || wait != 600*time.Millisecond {
		t.Fatalf("501st: ok=%v wait=%v, want refused for 600ms", ok, wait)
	}
	// Another client is not affected.
	if ok, _ := l.allow(clientKey(netip.MustParseAddr("192.0.2.8"))); !ok {
		t.Fatal("a second client was refused")
	}
	c.t = c.t.Add(599 * time.Millisecond)
	if ok, _ := l.allow(client); ok {
		t.Fatal("allowed 1ms early")
	}
	c.t = c.t.Add(time.Millisecond)
	if ok, _ := l.allow(client); !ok {
		t.Fatal("refused once the wait was over")
	}
	if ok, _ := l.allow(client); ok {
		t.Fatal("one wait bought two requests")
	}
	// A full window later the whole burst is back, and no more.
	c.t = c.t.Add(5 * time.Minute)
	for i := range 500 {
		if ok, _ := l.allow(client); !ok {
			t.Fatalf("after a window, request %d refused", i+1)
		}
	}
	if ok, _ := l.allow(client); ok {
		t.Fatal("more than the burst after a window")
	}
}

// TestLimiterMemoryBounded calls from far more addresses than the limiter
// remembers: it stays at its capacity, and the clients it keeps are still limited.
func TestLimiterMemoryBounded(t *testing.T) {
	c := &manualClock{t: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	const capacity = 64 * 8
	l := newLimiter(2, time.Minute, capacity, c.now)
	busy := clientKey(netip.MustParseAddr("198.51.100.1"))
	l.allow(busy)
	l.allow(busy)
	for i := range 50_000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if ok, _ := l.allow(clientKey(a)); !ok {
			t.Fatalf("fresh address %v refused", a)
		}
		if i%500 == 0 {
			if n := l.size(); n > capacity {
				t.Fatalf("limiter holds %d clients, capacity %d", n, capacity)
			}
		}
	}
	if n := l.size(); n > capacity {
		t.Fatalf("limiter holds %d clients, capacity %d", n, capacity)
	}
	// Expired entries go first: after the window every entry has expired, and a
	// new wave replaces them without evicting anyone still live.
	c.t = c.t.Add(time.Minute)
	l.allow(busy)
	l.allow(busy)
	for i := range 2 * capacity {
		l.allow(clientKey(netip.AddrFrom4([4]byte{172, 16, byte(i >> 8), byte(i)})))
	}
	if n := l.size(); n > capacity {
		t.Fatalf("limiter holds %d clients, capacity %d", n, capacity)
	}
	if ok, _ := l.allow(busy); ok {
		t.Error("the busy client was forgotten while newer, lighter ones were kept")
	}
}

func TestLimiterEvictsNearestExpiry(t *testing.T) {
	c := &manualClock{t: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(10, time.Minute, 1, c.now) // one entry per shard
	sh := func(p clientID) *limiterShard {
		for i := range l.shards {
			if _, ok := l.shards[i].tat[p]; ok {
				return &l.shards[i]
			}
		}
		return nil
	}
	heavy := clientKey(netip.MustParseAddr("192.0.2.1"))
	for range 10 {
		l.allow(heavy)
	}
	s := sh(heavy)
	// Add a light client to the same shard by hand, then make room: the light
	// one (nearest expiry) goes, the heavy one (still owing) stays.
	light := clientKey(netip.MustParseAddr("192.0.2.2"))
	s.tat[light] = c.t.UnixNano() + int64(time.Second)
	s.makeRoom(c.t.UnixNano())
	if _, ok := s.tat[heavy]; !ok {
		t.Error("evicted the client with the most debt")
	}
	if _, ok := s.tat[light]; ok {
		t.Error("kept the client nearest to expiry")
	}
}

func TestClientKey(t *testing.T) {
	tests := []struct {
		remote string
		want   string
	}{
		{"192.0.2.7:4242", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:4242", "192.0.2.7"}, // IPv4-mapped counts as IPv4
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::"}, // same /64, same client
		{"[fe80::1%eth0]:80", "fe80::"},
		{"[::1]:80", "::"},
		{"192.0.2.7", "192.0.2.7"},
		{"@", "::"}, // a Unix socket: all together
	}
	for _, tt := range tests {
		if got := clientKey(remoteIP(tt.remote)).String(); got != tt.want {
			t.Errorf("clientKey(%q) = %s, want %s", tt.remote, got, tt.want)
		}
	}
}

func BenchmarkLimiterManyClients(b *testing.B) {
	l := newLimiter(500, 5*time.Minute, DefaultRateClients, time.Now)
	keys := make([]clientID, 1<<20)
	for i := range keys {
		keys[i] = clientKey(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.allow(keys[i%len(keys)])
			i += 7919
		}
	})
	b.ReportMetric(float64(l.size()), "clients")
}
