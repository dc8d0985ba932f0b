//go:build linux

package backend_test

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time the calling OS thread has used (the caller holds
// it with runtime.LockOSThread): what a loop of checks cost, without the
// process's other goroutines or the machine's other work in it.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_THREAD, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
