package backend

import (
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/postgres"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
)

// TestMeasureKeyIndex reports how long the key index takes to load from a
// seeded database and how much memory it holds per key. It measures, it
// asserts nothing, and it runs only when asked:
//
//	go run ./cmd/seed -n 1000000 /tmp/apikeys-1m
//	APIKEYS_MEASURE_DB=/tmp/apikeys-1m/apikeys.db go test -run TestMeasureKeyIndex -v ./backend/
//
// or, on PostgreSQL, seeded with `seed -postgres URL`:
//
//	APIKEYS_MEASURE_POSTGRES=postgres://… go test -run TestMeasureKeyIndex -v ./backend/
func TestMeasureKeyIndex(t *testing.T) {
	var st store.Store
	var err error
	switch path, url := os.Getenv("APIKEYS_MEASURE_DB"), os.Getenv("APIKEYS_MEASURE_POSTGRES"); {
	case path != "":
		st, err = sqlite.Open(t.Context(), path)
	case url != "":
		st, err = postgres.Open(t.Context(), url)
	default:
		t.Skip("set APIKEYS_MEASURE_DB to a seeded apikeys.db (or APIKEYS_MEASURE_POSTGRES to a seeded database) to measure the key index")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for round := 1; round <= measureRounds(); round++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b := New(Config{Store: st})
		start, cpu0 := time.Now(), cpuTime()
		if err := b.PrepareChecks(t.Context()); err != nil {
			t.Fatal(err)
		}
		took, cpu := time.Since(start), cpuTime()-cpu0
		runtime.GC()
		runtime.ReadMemStats(&after)
		n := b.index.table.len()
		t.Logf("round %d: %d keys loaded in %v (CPU %v, %.2f µs/key); index holds %.0f bytes/key",
			round, n, took.Round(time.Millisecond), cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(max(n, 1)),
			float64(after.HeapAlloc-before.HeapAlloc)/float64(max(n, 1)))
		runtime.KeepAlive(b)
	}
}

// cpuTime is the CPU time this process has used: on a shared machine the wall
// time of a load says more about the neighbours than about the load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func measureRounds() int {
	if n, err := strconv.Atoi(os.Getenv("APIKEYS_MEASURE_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}
