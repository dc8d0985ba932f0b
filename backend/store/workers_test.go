package store

import "testing"

// A worker started while Stop runs is either waited for by Stop or never runs.
// (With a bare WaitGroup, -race reports Add racing Wait here.)
func TestWorkersStartRacingStop(t *testing.T) {
	for range 500 {
		var w Workers
		done := false
		started := make(chan bool, 1)
		go func() { started <- w.Go(func() { done = true }) }()
		w.Stop()
		if <-started && !done {
			t.Fatal("Stop returned before a worker it had let start")
		}
	}
	var w Workers
	w.Stop()
	if w.Go(func() { t.Error("a worker ran after Stop") }) {
		t.Error("Go after Stop reported the worker as started")
	}
}
