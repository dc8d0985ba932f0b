package backend

import "context"

// AppendUsage appends what the usage recorder holds to the store's journal,
// as its loop does every 100 ms, without compacting: for a test whose
// process must die leaving journal rows behind.
func AppendUsage(ctx context.Context, b *Backend) error {
	_, err := b.usage.drain(ctx, b)
	return err
}
