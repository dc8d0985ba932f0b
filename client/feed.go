package client

import (
	"context"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
)

// Notice is one change committed anywhere: it names the row, not its contents.
type Notice = backend.Notice

// NoticeKind says what a Notice is about.
type NoticeKind = store.NoticeKind

// Notice kinds the TUI follows.
const (
	NoticeResync = store.NoticeResync
	NoticeKey    = store.NoticeKey
	NoticeMember = store.NoticeMember
	NoticeEvent  = store.NoticeEvent
	NoticeHook   = store.NoticeWebhook
	// NoticeAllowList: an IP allow list, its links or the default changed.
	NoticeAllowList = store.NoticeAllowList
)

// Changes is a client that tells of changes committed anywhere — this process,
// another process on the same SQLite file, another instance on the same
// PostgreSQL database — so screens can follow them without a reload.
type Changes interface {
	// Subscribe delivers every change from now on until ctx ends, when the
	// channel is closed.
	Subscribe(ctx context.Context) <-chan Notice
}

var _ Changes = (*backend.Session)(nil)
