package store

import (
	"context"
	"testing"
	"time"
)

// fakeClock is a Duty's clock and sleep: the job "runs" by advancing it, and
// a sleep is recorded and advances it too.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
}

func TestDuty(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		slice time.Duration
		share float64
		work  []time.Duration // the job runs this long before each Pause
		want  []time.Duration // the sleeps, in order
	}{
		{"the first pause only starts the clock", 2 * ms, 0.5, []time.Duration{5 * ms}, nil},
		{"under a slice: no sleep", 2 * ms, 0.5, []time.Duration{0, ms, 500 * time.Microsecond}, nil},
		{"a slice run: as long again at half a core", 2 * ms, 0.5, []time.Duration{0, ms, ms}, []time.Duration{2 * ms}},
		{"the clock restarts after a sleep", 2 * ms, 0.5, []time.Duration{0, 2 * ms, ms, ms, 3 * ms}, []time.Duration{2 * ms, 2 * ms, 3 * ms}},
		{"a quarter of a core: three times as long", 2 * ms, 0.25, []time.Duration{0, 4 * ms}, []time.Duration{12 * ms}},
		{"three quarters: a third as long", 3 * ms, 0.75, []time.Duration{0, 3 * ms}, []time.Duration{ms}},
		{"a whole core never sleeps", 2 * ms, 1, []time.Duration{0, time.Second, time.Second}, nil},
		{"more than a core never sleeps", 2 * ms, 2, []time.Duration{0, time.Second}, nil},
		{"no share never sleeps", 2 * ms, 0, []time.Duration{0, time.Second}, nil},
		{"a negative share never sleeps", 2 * ms, -1, []time.Duration{0, time.Second}, nil},
		{"no slice never sleeps", 0, 0.5, []time.Duration{0, time.Second}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeClock{now: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
			d := &Duty{Slice: tc.slice, Share: tc.share, Now: c.Now, Sleep: c.Sleep}
			for _, w := range tc.work {
				c.now = c.now.Add(w)
				d.Pause(context.Background())
			}
			if len(c.sleeps) != len(tc.want) {
				t.Fatalf("slept %v; want %v", c.sleeps, tc.want)
			}
			for i := range tc.want {
				if c.sleeps[i] != tc.want[i] {
					t.Fatalf("slept %v; want %v", c.sleeps, tc.want)
				}
			}
		})
	}
}

func TestDutyZeroAndNil(t *testing.T) {
	var zero Duty
	zero.Pause(context.Background()) // the zero value: no clock, no sleep
	zero.Pause(context.Background())
	var nilDuty *Duty
	nilDuty.Pause(context.Background())
	Pause(context.Background(), nil)
}

// A sleep ends when the job's context does: a paced fold never outlives a
// shutdown by its pause.
func TestDutySleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	go func() {
		sleep(ctx, time.Hour)
		close(done)
	}()
	<-done // the test times out if the sleep waits for its hour
}
