// Package store defines how the backend persists workspaces, members, keys and audit
// events. Implementations live in sqlite/ and postgres/; storetest/ holds the
// conformance suite every implementation must pass unchanged.
package store

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// Reader is the read side, available inside and outside a transaction. Not-found
// results are model errors of KindNotFound.
type Reader interface {
	// KeyAddresses lists the client addresses a key was used from on the UTC
	// days from since's on, most recently seen first (then by address); with
	// keyID "" every key's, by key id then likewise.
	KeyAddresses(ctx context.Context, keyID string, since time.Time) ([]model.KeyAddress, error)
	// Workspace returns the workspace, or KindNotFound if none was created yet.
	Workspace(ctx context.Context) (model.Workspace, error)
	// PageTokenKey returns the workspace's key for signing audit page tokens:
	// at least 32 random bytes, made with the workspace and kept in its row, the
	// same for every instance on one database. KindNotFound before the workspace.
	PageTokenKey(ctx context.Context) ([]byte, error)

	// Key returns a key by public id, tombstones included, with CreatedByName and
	// UpdatedByName filled in.
	Key(ctx context.Context, id string) (model.Key, error)
	// KeyByHash returns the key whose secret hashes to hash, tombstones included.
	KeyByHash(ctx context.Context, hash []byte) (model.Key, error)
	// Keys lists keys newest first (CreatedAt, then ID, descending).
	Keys(ctx context.Context, q KeyQuery) ([]model.Key, error)

	// Member returns a member by id, with SSH keys.
	Member(ctx context.Context, id string) (model.Member, error)
	// MemberByEmail matches case-insensitively.
	MemberByEmail(ctx context.Context, email string) (model.Member, error)
	// MemberBySSHKey finds the member holding a key with this SHA256 fingerprint.
	MemberBySSHKey(ctx context.Context, fingerprint string) (model.Member, error)
	// Members lists members by name, then id, with SSH keys.
	Members(ctx context.Context) ([]model.Member, error)
	// CountActiveOwners counts active primary owners.
	CountActiveOwners(ctx context.Context) (int, error)

	// Events lists audit events newest first by IngestionTimestamp, ties broken by
	// ID descending, after the cursor if one is given.
	Events(ctx context.Context, q EventQuery) ([]model.AuditEvent, error)
}

// KeyQuery filters Keys.
type KeyQuery struct {
	IncludeDeleted bool
}

// KeyCursor is a position in the key list: the last key of the previous page.
type KeyCursor struct {
	CreatedAt time.Time
	ID        string
}

// CursorOf is the position just after k.
func CursorOf(k model.Key) *KeyCursor { return &KeyCursor{CreatedAt: k.CreatedAt, ID: k.ID} }

// EventQuery filters Events. Zero From/To mean unbounded; Limit 0 means no limit.
type EventQuery struct {
	From, To time.Time         // From ≤ IngestionTimestamp < To
	Types    []model.EventType // empty: all
	Actor    string            // only events by the actor of this id (Actor.ID); "" anyone
	Key      string            // only events about the key of this id (AuditEvent.KeyIDs); "" any
	After    *Cursor           // only events strictly after this one in list order
	Limit    int
}

// Cursor is a position in the event order: the last event of the previous page.
type Cursor struct {
	Ingestion time.Time
	ID        string
}

// Tx is one transaction: everything done through it commits or rolls back together.
type Tx interface {
	Reader
	WebhookTx
	AllowListTx

	// CreateWorkspace stores the workspace with a new random PageTokenKey;
	// KindConflict if one exists.
	CreateWorkspace(ctx context.Context, w model.Workspace) error

	// InsertKey stores a new key at Version 1. Hash must be unique.
	InsertKey(ctx context.Context, k model.Key) error
	// UpdateKey writes every mutable field of k (name, expiry, replaced-by,
	// deleted-at, updated-at/by) if the stored version equals k.Version, and returns
	// the key at its new version. A different stored version is KindConflict.
	UpdateKey(ctx context.Context, k model.Key) (model.Key, error)

	// InsertMember stores a new member at Version 1 with its SSH keys. An email or
	// SSH fingerprint already in use is KindConflict.
	InsertMember(ctx context.Context, m model.Member) error
	// UpdateMember writes name, account type, status and updated-at/by under the
	// same version rule as UpdateKey. SSH keys are not touched.
	UpdateMember(ctx context.Context, m model.Member) (model.Member, error)
	// AddSSHKey attaches a key to a member; a fingerprint in use is KindConflict.
	AddSSHKey(ctx context.Context, memberID string, k model.SSHKey) error
	// RemoveSSHKey detaches a key; KindNotFound if the member has no such key.
	RemoveSSHKey(ctx context.Context, memberID, fingerprint string) error

	// AppendEvent stores an audit event. The store sets IngestionTimestamp to the
	// time of the write if it is zero.
	AppendEvent(ctx context.Context, e model.AuditEvent) error
}

// Store is a database.
type Store interface {
	Reader
	WebhookReader
	WebhookStore
	AllowListReader

	// Update runs fn in a read-write transaction and commits if fn returns nil.
	// Implementations serialise writers or retry on serialisation failures.
	Update(ctx context.Context, fn func(Tx) error) error

	// TouchKey records a successful use of a key unless one was recorded less than
	// a minute before at; it is not versioned and writes no audit event.
	TouchKey(ctx context.Context, id string, at time.Time, addr string) error
	// TouchKeys is TouchKey for many uses in one transaction; a use of a key that
	// no longer exists is skipped, not an error.
	//
	// The same transaction records each use's client address (SPEC §10) in the
	// key's addresses for the use's UTC day, every use counted, and prunes the
	// days older than model.AddressWindow; a use with no address records none.
	TouchKeys(ctx context.Context, uses []KeyUse) error

	UsageStore

	// EachKey calls fn with each key (tombstones too if q.IncludeDeleted) in the
	// order Keys lists them, reading KeyPage keys at a time, each page in a read
	// of its own: memory stays flat however many keys there are (`keys list
	// --json` on a million). A key is passed at most once, as its page found it;
	// one created during the walk is newer than where the walk is and not
	// passed. The key fn gets is its own; an error from fn ends the walk.
	EachKey(ctx context.Context, q KeyQuery, fn func(*model.Key) error) error
	// KeysAfter reads at most limit keys in the order Keys lists them, from
	// the newest (after nil) or from just after the key at after: a list read
	// a page at a time by keyset, each page one read, around any cache (the
	// TUI's first screen, then the rest of a million keys in chunks).
	KeysAfter(ctx context.Context, q KeyQuery, after *KeyCursor, limit int) ([]model.Key, error)
	// CountKeys counts the keys Keys would list.
	// KeysExpiringIn lists the keys not deleted with from < ExpiresAt < to,
	// in no particular order, from an index on expires_at: the expiry
	// banner's candidates, without reading a million keys.
	KeysExpiringIn(ctx context.Context, from, to time.Time) ([]model.Key, error)
	CountKeys(ctx context.Context, q KeyQuery) (int, error)

	// KeyChecks calls fn with every key, tombstones included, in no particular
	// order, reading only what a key check needs; it stops at fn's first error
	// and returns it. kc is reused between calls: fn copies what it keeps.
	KeyChecks(ctx context.Context, fn func(kc *KeyCheck) error) error

	Feed

	Close() error
}

// KeyPage is how many keys EachKey reads at a time.
const KeyPage = 1000

// UsageCount is how many checks of one key on one day (YYYY-MM-DD in the
// workspace zone) had one result: Reason "" a successful use, else the refusal
// reason.
type UsageCount struct {
	KeyID, Day, Reason string
	N                  int64
}

// UsageBatch is one batch of the usage recorder: the last uses, as TouchKeys
// takes them, and the counts to add.
type UsageBatch struct {
	Uses   []KeyUse
	Counts []UsageCount
	// KeepFrom prunes the counts of days before it (YYYY-MM-DD); "" prunes none.
	KeepFrom string
}

// UsageStore keeps the per-key, per-day counts of SPEC §12.
type UsageStore interface {
	// RecordUsage is TouchKeys(b.Uses) and, in the same transaction, adds each
	// count to its key's day and result (a count of a key that no longer
	// exists is skipped), then prunes the days before b.KeepFrom.
	RecordUsage(ctx context.Context, b UsageBatch) error
	// AppendUsage appends b to the usage journal (journal.go) as one row, one
	// sequential insert: nothing of it is read back until a CompactUsage, by
	// this process or any other on the same store, folds it in.
	AppendUsage(ctx context.Context, b UsageBatch) error
	// CompactUsage folds the journal's rows, oldest first, into the keys' last
	// uses (a key's latest use unless its own is newer), addresses and counts,
	// as RecordUsage would (gone keys skipped, old days pruned), and deletes
	// exactly the rows it folded in the same transaction, UsageJournalRows at
	// a time until the journal is empty: a row is folded once, whoever
	// compacts and whenever its writer died. It returns the rows folded.
	// pace (nil: none) is paused between small units of the work, so that a
	// fold in the background takes a bounded share of a core.
	CompactUsage(ctx context.Context, pace Pacer) (int, error)
	// KeyUsage lists one key's counts from day from on, by day then reason.
	KeyUsage(ctx context.Context, keyID, from string) ([]UsageCount, error)
	// UsageTotals sums every key's counts from day from on, per key and reason
	// (Day ""), by key id then reason: one query for a whole list.
	UsageTotals(ctx context.Context, from string) ([]UsageCount, error)
}
