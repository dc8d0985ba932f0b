//go:build unix

package members

import (
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestRefilterCPU prints the CPU time of one filter keystroke over 10,000
// members (go test -run RefilterCPU -v): on a shared machine a steadier
// figure than wall time. It asserts nothing about time.
func TestRefilterCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("a measurement")
	}
	p := page(t, 10000)
	qs := []string{"a", "ad", "adm", "admi", "admin", ""}
	var runs []time.Duration
	for i := range 30 {
		p.query = qs[i%len(qs)]
		c0 := processCPU()
		p.refilter()
		runs = append(runs, processCPU()-c0)
	}
	slices.Sort(runs)
	t.Logf("refilter over 10,000 members, CPU per keystroke: min %v median %v max %v", runs[0], runs[len(runs)/2], runs[len(runs)-1])
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
