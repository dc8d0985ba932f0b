package apikeys

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// limitMemory, in a local session, sets the Go runtime's soft memory limit
// from what the list will need, once its arrays are sized for every key
// (list.grow): the heap in use before the list, the list's arrays, an eighth
// more and 24 MiB for what loading leaves behind (a part of 20,000 keys read
// is about 10 MB of garbage). The process holds some 60 MiB beside the heap
// (the SQLite driver's own memory, the collector's). Without it the collector
// lets garbage grow to the size of everything live — the arrays sized for a
// million keys count as live from the start — and the process took twice
// the memory the list needs. Over SSH the server holds many sessions and
// keeps its own settings; GOMEMLIMIT, when set, wins.
func (p *Page) limitMemory(grow func()) {
	if !p.ctx.Local || p.limited || os.Getenv("GOMEMLIMIT") != "" {
		grow()
		return
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var base uint64
	if s[0].Value.Kind() == metrics.KindUint64 {
		base = s[0].Value.Uint64()
	}
	before := p.list.bytes()
	grow()
	arrays := p.list.bytes()
	if arrays < 64<<20 || arrays == before {
		return // a small list (the collector's default is fine), or not sized yet
	}
	p.limited = true
	debug.SetMemoryLimit(int64(base + arrays + arrays/8 + 24<<20))
}

// bytes is what the list's arrays take, at their capacity.
func (l *list) bytes() uint64 {
	n := cap(l.rows)*72 + cap(l.txt) + cap(l.hay.buf) + 12*cap(l.hay.seg) +
		4*(cap(l.order)+cap(l.view)+cap(l.spare)) + cap(l.hit)
	return uint64(n)
}
