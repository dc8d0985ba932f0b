package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// NoticeKind says what a Notice is about.
type NoticeKind uint8

// Notice kinds. Webhooks have none of their own yet; its kind is reserved so
// subscribers can switch on it from the start.
const (
	// NoticeResync says changes may have been missed (the feed was cut, or a
	// subscriber fell behind): whoever holds copies of stored rows reloads them.
	NoticeResync NoticeKind = iota + 1
	// NoticeCut says the feed is cut: changes made elsewhere are not being
	// delivered until the NoticeResync that ends the cut. Whoever serves from
	// copies stops trusting them until then.
	NoticeCut
	NoticeKey       // a key was inserted or changed; ID is its id
	NoticeMember    // a member or one of its SSH keys changed; ID is the member's id
	NoticeEvent     // an audit event was appended; ID is its id when known
	NoticeAllowList // an IP allow list, its links or the default changed; ID is the list's id when known
	NoticeWebhook   // a webhook changed; ID is its id
)

// String names the kind, for logs and test failures.
func (k NoticeKind) String() string {
	switch k {
	case NoticeResync:
		return "resync"
	case NoticeCut:
		return "cut"
	case NoticeKey:
		return "key"
	case NoticeMember:
		return "member"
	case NoticeEvent:
		return "event"
	case NoticeAllowList:
		return "allow-list"
	case NoticeWebhook:
		return "webhook"
	}
	return "unknown"
}

// Notice is one committed change. It names the row, not its contents: whoever
// cares reads the row again, so a notice can never carry a stale copy (or a
// secret's hash) around.
type Notice struct {
	Kind    NoticeKind
	ID      string
	Version int64 // the row's version after the change when the store knows it, else 0
}

// Feed delivers changes committed to the database by any process.
type Feed interface {
	// Watch calls fn with every batch of notices committed to the database
	// until ctx ends or the store is closed: for a change made through this
	// store handle, right after the commit and before Update returns; for one
	// made by another process or instance, as soon as the implementation
	// learns of it (its documented bound). Delivery is at least once: a notice
	// may come twice. fn may be called from several goroutines at once and must
	// return quickly; it must not call Update.
	Watch(ctx context.Context, fn func([]Notice))
	// Sync returns nil once every change committed before it was called is
	// sure to reach the watchers: handed to them already, or on its way with
	// nothing short of a NoticeCut that could lose it. ErrFeedCut when the
	// feed is cut, or is found cut before that is known. Whoever copies rows
	// calls it after reading them and before trusting the copy: a feed can be
	// cut some time before anyone knows (PostgreSQL: a killed LISTEN
	// connection, until the listener reads that), and a change committed in
	// between is in neither the copy nor a notice. Sync must not be called
	// from a watcher fn, which the listener waits for.
	Sync(ctx context.Context) error
}

// ErrFeedCut is Sync's answer while the feed is cut: a NoticeResync follows
// once it carries changes again.
var ErrFeedCut = errors.New("store: the change feed is cut")

// KeyCheck is what a key check needs of a stored key: no names of members, no
// hint, no audit fields. KeyChecks hands out one KeyCheck per key and reuses it,
// its byte slices and its times included, for the next: whoever keeps a field
// copies it. (Reading a million keys, an allocation per field was most of the
// cost.)
type KeyCheck struct {
	ID         []byte
	Name       []byte
	Type       []byte // a model.KeyType
	Hash       []byte // SHA-256 of the secret, 32 bytes
	ExpiresAt  time.Time
	DeletedAt  *time.Time
	ReplacedBy []byte
	LastUsedAt *time.Time
	Version    int64
}

// KeyUse is one successful use of a key, for TouchKeys.
type KeyUse struct {
	ID   string
	At   time.Time
	Addr string
}

// Watchers is the fan-out half of a Feed for implementations: it holds the
// registered functions and calls them.
type Watchers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func([]Notice)
}

// Add registers fn until ctx ends and reports whether it is the first one
// registered on w (implementations start their watcher then).
func (w *Watchers) Add(ctx context.Context, fn func([]Notice)) (first bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fns == nil {
		w.fns = map[int]func([]Notice){}
		first = true
	}
	id := w.next
	w.next++
	w.fns[id] = fn
	context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.fns, id)
	})
	return first
}

// Publish calls every registered function with ns, in this goroutine.
func (w *Watchers) Publish(ns []Notice) {
	if len(ns) == 0 {
		return
	}
	w.mu.Lock()
	fns := make([]func([]Notice), 0, len(w.fns))
	for _, fn := range w.fns {
		fns = append(fns, fn)
	}
	w.mu.Unlock()
	for _, fn := range fns {
		fn(ns)
	}
}

// RecordingTx wraps a Tx and notes the notice each successful write implies, so
// that an implementation's Update can publish them (and send them to other
// instances) without every write method knowing about the feed.
type RecordingTx struct {
	Tx
	Notices []Notice
}

func (r *RecordingTx) note(kind NoticeKind, id string, version int64) {
	r.Notices = append(r.Notices, Notice{Kind: kind, ID: id, Version: version})
}

// InsertKey notes a key notice at version 1.
func (r *RecordingTx) InsertKey(ctx context.Context, k model.Key) error {
	err := r.Tx.InsertKey(ctx, k)
	if err == nil {
		r.note(NoticeKey, k.ID, 1)
	}
	return err
}

// UpdateKey notes a key notice at the new version.
func (r *RecordingTx) UpdateKey(ctx context.Context, k model.Key) (model.Key, error) {
	out, err := r.Tx.UpdateKey(ctx, k)
	if err == nil {
		r.note(NoticeKey, out.ID, out.Version)
	}
	return out, err
}

// InsertMember notes a member notice at version 1.
func (r *RecordingTx) InsertMember(ctx context.Context, m model.Member) error {
	err := r.Tx.InsertMember(ctx, m)
	if err == nil {
		r.note(NoticeMember, m.ID, 1)
	}
	return err
}

// UpdateMember notes a member notice at the new version.
func (r *RecordingTx) UpdateMember(ctx context.Context, m model.Member) (model.Member, error) {
	out, err := r.Tx.UpdateMember(ctx, m)
	if err == nil {
		r.note(NoticeMember, out.ID, out.Version)
	}
	return out, err
}

// AddSSHKey notes a member notice (SSH keys carry no version).
func (r *RecordingTx) AddSSHKey(ctx context.Context, memberID string, k model.SSHKey) error {
	err := r.Tx.AddSSHKey(ctx, memberID, k)
	if err == nil {
		r.note(NoticeMember, memberID, 0)
	}
	return err
}

// RemoveSSHKey notes a member notice.
func (r *RecordingTx) RemoveSSHKey(ctx context.Context, memberID, fingerprint string) error {
	err := r.Tx.RemoveSSHKey(ctx, memberID, fingerprint)
	if err == nil {
		r.note(NoticeMember, memberID, 0)
	}
	return err
}

// AppendEvent notes an event notice.
func (r *RecordingTx) AppendEvent(ctx context.Context, e model.AuditEvent) error {
	err := r.Tx.AppendEvent(ctx, e)
	if err == nil {
		r.note(NoticeEvent, e.ID, 0)
	}
	return err
}

// AddressDay is the UTC day a key's address row counts a use under (unix days).
func AddressDay(t time.Time) int64 { return t.Unix() / 86400 }

// AddressKeepFrom is the first UTC day kept when the newest use is at: days
// before it are older than model.AddressWindow and pruned.
func AddressKeepFrom(at time.Time) int64 { return AddressDay(at.Add(-model.AddressWindow)) }
