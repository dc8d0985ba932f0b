package store

import "sync"

// Workers are a store's background goroutines (its change watcher). Unlike a
// bare sync.WaitGroup, a worker started while the store closes either starts
// before Close waits, and is waited for, or doesn't start: the key index can
// start a store's watcher from a request that races the store's Close.
type Workers struct {
	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// Go runs f in a new goroutine unless Stop was called; it reports whether f runs.
func (w *Workers) Go(f func()) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return false
	}
	w.wg.Go(f)
	return true
}

// Stop refuses new workers and waits for the running ones to return; the
// caller has told them to stop first.
func (w *Workers) Stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	w.wg.Wait()
}
