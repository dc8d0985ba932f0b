package store

import (
	"context"
	"time"
)

// A Pacer spreads a long background job over time so that it never holds a
// core for long: the job calls Pause between small units of its work (a
// statement, a journal row), and the pacer sleeps there once the job has run
// long enough since its last pause. A nil Pacer never pauses.
//
// Why: a usage compaction over 100,000 keys in use is seconds of CPU a
// minute. Run flat out it took a whole core from `serve` on a 2-core machine
// for those seconds, and verify's p99 at a quarter of its peak rate went
// from about 1 ms to 5–12 ms in every round it ran in. Paced, it costs the
// same CPU spread over twice the time, the way PostgreSQL's autovacuum_cost_delay
// paces vacuum. Measured with a fold every 10 s at a quarter of peak (loadgen
// -open 0.25): on a quiet machine, an earlier form of this 50% duty gave
// verify p99s of 0.90–1.25 and 1.59–3.16 ms over two runs against 2.26–5.78
// and 1.28–2.94 ms unpaced; on a noisy day (the ceiling's own p99 1.1–13 ms)
// the two were not told apart.
type Pacer interface {
	Pause(ctx context.Context)
}

// Duty is a Pacer that lets a job run for at most Slice at a time, then
// pauses it for as long again times (1-Share)/Share: the job takes at most
// Share of one core. Its zero value never pauses; it is for one job at a time.
type Duty struct {
	Slice time.Duration
	Share float64 // 0 < Share ≤ 1; 1 never pauses

	Now   func() time.Time                           // nil: time.Now
	Sleep func(ctx context.Context, d time.Duration) // nil: sleeps until d or ctx ends

	since time.Time // the job ran from here without a pause
}

// Pause implements Pacer.
func (p *Duty) Pause(ctx context.Context) {
	if p == nil || p.Slice <= 0 || p.Share <= 0 || p.Share >= 1 {
		return
	}
	now := p.now()
	if p.since.IsZero() {
		p.since = now
		return
	}
	ran := now.Sub(p.since)
	if ran < p.Slice {
		return
	}
	rest := time.Duration(float64(ran) * (1 - p.Share) / p.Share)
	if p.Sleep != nil {
		p.Sleep(ctx, rest)
	} else {
		sleep(ctx, rest)
	}
	p.since = p.now()
}

func (p *Duty) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Pause calls p.Pause unless p is nil: for the stores' loops.
func Pause(ctx context.Context, p Pacer) {
	if p != nil {
		p.Pause(ctx)
	}
}
