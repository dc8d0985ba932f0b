package httpapi

import (
	"testing"
	"time"
)

func TestLogTimeMatchesAppendFormat(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	odd := time.FixedZone("", -(9*3600 + 30*60 + 17))
	base := time.Date(2026, 12, 2, 0, 41, 8, 0, time.UTC)
	var times []time.Time
	for _, loc := range []*time.Location{time.UTC, cet, odd, time.Local, cet} {
		for _, ns := range []int{0, 1, 10, 120_450_000, 100_000_000, 999_999_999, 500} {
			times = append(times, base.In(loc).Add(time.Duration(ns)))
		}
	}
	times = append(times,
		base.Add(-time.Nanosecond), base, base.Add(time.Second), base, // back and forth across a second
		time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 1, cet), time.Now(), time.Now().Round(time.Second))
	for _, at := range times {
		if got, want := string(appendLogTime(nil, at)), at.Format(time.RFC3339Nano); got != want {
			t.Errorf("%v: %s, AppendFormat writes %s", at, got, want)
		}
	}
}

func FuzzLogTimeMatchesAppendFormat(f *testing.F) {
	f.Add(int64(1_796_000_000), int64(0), 0)
	f.Add(int64(1_796_000_000), int64(120_450_000), 3600)
	f.Add(int64(-1), int64(999_999_999), -34217)
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int) {
		if offset < -18*3600 || offset > 18*3600 || sec < -62135596800 || sec > 253402300799 {
			return // years 1–9999, the zones that exist
		}
		at := time.Unix(sec, nsec).In(time.FixedZone("", offset))
		for range 2 { // formatting the stamp, then from it
			if got, want := string(appendLogTime(nil, at)), at.Format(time.RFC3339Nano); got != want {
				t.Fatalf("%v: %s, AppendFormat writes %s", at, got, want)
			}
		}
	})
}

// BenchmarkLogTime is the access line's time, appended from the second's stamp
// and by AppendFormat.
func BenchmarkLogTime(b *testing.B) {
	at := time.Now()
	buf := make([]byte, 0, 64)
	b.Run("stamp", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			buf = appendLogTime(buf[:0], at)
		}
	})
	b.Run("AppendFormat", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			buf = at.AppendFormat(buf[:0], time.RFC3339Nano)
		}
	})
}
