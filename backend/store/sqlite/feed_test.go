package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/backend/store/storetest"
)

// Two handles on one file are what two processes hold: separate pools, and the
// second learns of the first's commits only through the file.
func TestFeed(t *testing.T) {
	storetest.RunFeed(t, storetest.FeedHarness{
		Open: func(t *testing.T) (store.Store, store.Store) {
			path := filepath.Join(t.TempDir(), "apikeys.db")
			return open(t, path), open(t, path)
		},
	})
}
