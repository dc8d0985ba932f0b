package backend

import "context"

// AppendUsage appends what the usage recorder holds to the store's journal,
// as its loop does every 100 ms, without compacting: for a test whose
// process must die leaving journal rows behind.
func AppendUsage(ctx context.Context, b *Backend) error {
	_, err := b.usage.drain(ctx, b)
	return err
}

// IndexState is the key index's flags, for a test that interleaves a load
// with the feed's notices: whether checks may answer from it, whether the
// feed is cut, whether a full load runs and whether another is owed after it.
func IndexState(b *Backend) (ready, cut, reloading, again bool) {
	x := &b.index
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.ready.Load(), x.cut, x.reloading, x.again
}
