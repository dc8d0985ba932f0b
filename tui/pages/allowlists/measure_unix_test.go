//go:build unix

package allowlists

import (
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store/sqlite"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestMeasureLinkChoices measures what the link form (l) reads before it
// opens, over a seeded store, beside what it read before (every key): CPU
// time per open, min/median/max of 7. It asserts nothing and runs only when
// asked:
//
//	go run ./cmd/seed -n 1000000 /tmp/apikeys-1m
//	APIKEYS_MEASURE_DB=/tmp/apikeys-1m/apikeys.db go test -run TestMeasureLinkChoices -v ./tui/pages/allowlists/
func TestMeasureLinkChoices(t *testing.T) {
	path := os.Getenv("APIKEYS_MEASURE_DB")
	if path == "" {
		t.Skip("set APIKEYS_MEASURE_DB to a seeded apikeys.db")
	}
	ctx := t.Context()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, err := st.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m model.Member) bool { return m.AccountType == model.PrimaryOwner })
	if i < 0 {
		t.Fatal("no primary owner")
	}
	s, err := backend.New(backend.Config{Store: st}).SessionFor(ctx, ms[i].ID, model.SourceTUI)
	if err != nil {
		t.Fatal(err)
	}
	measure := func(name string, rounds int, fn func() int) {
		var cpu, wall []time.Duration
		n := 0
		for range rounds {
			c0, w0 := cpuNow(), time.Now()
			n = fn()
			cpu, wall = append(cpu, cpuNow()-c0), append(wall, time.Since(w0))
		}
		slices.Sort(cpu)
		slices.Sort(wall)
		t.Logf("%-34s %7d keys  CPU min %v median %v max %v  (wall median %v)", name, n,
			cpu[0].Round(time.Microsecond), cpu[len(cpu)/2].Round(time.Microsecond), cpu[len(cpu)-1].Round(time.Microsecond),
			wall[len(wall)/2].Round(time.Microsecond))
	}
	var c client.Client = s
	measure("now: the newest 500 and the linked", 7, func() int {
		ks, _, err := linkChoices(ctx, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(ks)
	})
	measure("before: ListKeys, every key", 3, func() int {
		ks, err := c.ListKeys(ctx, client.KeyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(ks)
	})
}
