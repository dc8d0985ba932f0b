package backend

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Reasons a presented key is refused, as POST /api/v1/keys/verify names them.
const (
	ReasonMalformed = "malformed"
	ReasonUnknown   = "unknown"
	ReasonExpired   = "expired"
	ReasonRevoked   = "revoked"
	ReasonWrongType = "wrong_type"
	// ReasonIPNotAllowed: the key's IP allow lists don't include the address.
	ReasonIPNotAllowed = model.ReasonIPNotAllowed
)

// Authenticate checks a presented secret for an API of key type want: format and
// checksum first (no store look-up for a malformed key), then the hash (compared in
// constant time), then revocation, expiry and type. It returns the key, or a
// KindUnauthenticated error (no, malformed, unknown, revoked, expired key) or a
// KindForbidden error (a key of another type). A success records last use, at most
// once a minute per key, off the request path.
func (b *Backend) Authenticate(ctx context.Context, presented string, want model.KeyType, addr string) (model.Key, error) {
	k, reason, err := b.check(ctx, presented, want, addr)
	b.checked(reason, err)
	if err != nil {
		return model.Key{}, err
	}
	switch reason {
	case ReasonIPNotAllowed:
		return model.Key{}, model.IPNotAllowed(addr)
	case "":
		b.usage.record(b, k, addr)
		return k, nil
	case ReasonWrongType:
		return model.Key{}, model.Forbidden("This is %s key; this API needs %s key.", article(k.Type), article(want))
	case ReasonMalformed:
		if presented == "" {
			return model.Key{}, model.Unauthenticated("An API key is required: send Authorization: Bearer <key>.")
		}
		return model.Key{}, model.Unauthenticated("The API key is malformed.")
	case ReasonUnknown:
		return model.Key{}, model.Unauthenticated("The API key is not known.")
	case ReasonRevoked:
		return model.Key{}, model.Unauthenticated("The API key was deleted.")
	default:
		return model.Key{}, model.Unauthenticated("The API key has expired.")
	}
}

func article(t model.KeyType) string {
	if t == model.KeyAuditLogs || t == model.KeyImport || t == model.KeyExport {
		return "an " + t.Label()
	}
	return "a " + t.Label()
}

// Verify answers whether a presented key is valid for a type, for other services.
// Refusals are reasons, not errors; err is for a failing store only.
func (b *Backend) Verify(ctx context.Context, presented string, want model.KeyType, addr string) (VerifyResult, error) {
	k, reason, err := b.check(ctx, presented, want, addr)
	b.checked(reason, err)
	if err != nil {
		return VerifyResult{}, err
	}
	if reason != "" {
		return VerifyResult{Reason: reason}, nil
	}
	b.usage.record(b, k, addr)
	return VerifyResult{Valid: true, Key: k}, nil
}

// check finds the key behind a presented secret and says why it can't be used, if
// it can't. Once the key index is loaded this is parse, checksum, SHA-256 and one
// map look-up, then the allow lists' one look-up and prefix match: no store
// read on the request path.
func (b *Backend) check(ctx context.Context, presented string, want model.KeyType, addr string) (model.Key, string, error) {
	secret, _, err := model.ParseSecret(presented)
	if err != nil {
		return model.Key{}, ReasonMalformed, nil
	}
	hash := secret.Hash()
	k, ranges, found, ok := b.index.lookup(b, hash)
	switch {
	case ok && !found:
		return model.Key{}, ReasonUnknown, nil
	case !ok:
		k, err = b.store.KeyByHash(ctx, hash)
		if errors.Is(err, model.ErrNotFound) {
			return model.Key{}, ReasonUnknown, nil
		}
		if err != nil {
			return model.Key{}, "", err
		}
	}
	// The index found it by hash already; the constant-time compare keeps the
	// decision itself free of timing differences.
	if subtle.ConstantTimeCompare(k.Hash, hash) != 1 {
		return model.Key{}, ReasonUnknown, nil
	}
	switch k.State(b.Now()) {
	case model.KeyRevoked:
		return k, ReasonRevoked, nil
	case model.KeyExpired:
		return k, ReasonExpired, nil
	}
	if k.Type != want {
		return k, ReasonWrongType, nil
	}
	if ok, err := b.allowedFrom(ctx, k.ID, ranges, addr); err != nil || !ok {
		return k, ReasonIPNotAllowed, err
	}
	return k, "", nil
}

// Last uses are written in batches: everything recorded within usageInterval (or
// the first usageBatch uses, whichever fills first) goes to the store in one
// transaction. A process killed with -9 loses at most the uses of the last
// usageInterval, 100 ms (plus the batch being committed); such a key keeps its
// older last use. With 100,000 keys each in use, a real `serve` spent a third of
// its CPU on these writes, an eighth on commits alone at one per 20 ms: 100 ms
// makes a fifth of the commits for the same rows.
const (
	usageInterval = 100 * time.Millisecond
	usageBatch    = 1000
)

// usageRecorder batches last-use writes so that a request never waits for one, and
// a key used a thousand times a minute is written once. It records each distinct
// (key, client address) at most once a minute, so a key's second address reaches
// the store's addresses (SPEC §10) although its last use was written a moment ago.
type usageRecorder struct {
	mu      sync.Mutex
	pending map[keyAddr]time.Time
	written map[keyAddr]time.Time // last write per key and address by this process
	running bool
	full    chan struct{} // a batch is full: write it now
	writeMu sync.Mutex    // one drain at a time, so Flush sees earlier drains finish
}

// keyAddr is one key used from one client address (normalAddr).
type keyAddr struct{ id, addr string }

// usageWrittenMax bounds the recorder's memory of what it wrote: past it, it
// forgets, and the store's own once-a-minute rule for last use still holds (an
// address counts once more).
const usageWrittenMax = 100_000

func (u *usageRecorder) record(b *Backend, k model.Key, addr string) {
	now := b.Now()
	ka := keyAddr{k.ID, normalAddr(addr)}
	u.mu.Lock()
	defer u.mu.Unlock()
	if last, ok := u.written[ka]; ok && now.Sub(last) < time.Minute {
		return
	}
	// The key's last use as the index holds it may be this very minute's, from
	// another address, or from another process: then only the address is news.
	if !(k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < time.Minute) {
		b.index.used(k.ID, now)
	}
	if u.pending == nil {
		u.pending, u.written = map[keyAddr]time.Time{}, map[keyAddr]time.Time{}
		u.full = make(chan struct{}, 1)
	}
	if len(u.written) >= usageWrittenMax {
		clear(u.written)
	}
	u.written[ka] = now
	u.pending[ka] = now
	if len(u.pending) >= usageBatch {
		select {
		case u.full <- struct{}{}:
		default:
		}
	}
	if !u.running {
		u.running = true
		go u.loop(b)
	}
}

func (u *usageRecorder) loop(b *Backend) {
	t := time.NewTimer(usageInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-u.full:
		}
		u.mu.Lock()
		if len(u.pending) == 0 {
			u.running = false
			u.mu.Unlock()
			return
		}
		u.mu.Unlock()
		_ = u.drain(context.Background(), b) // logged there
		t.Reset(usageInterval)
	}
}

func (u *usageRecorder) drain(ctx context.Context, b *Backend) error {
	u.writeMu.Lock()
	defer u.writeMu.Unlock()
	u.mu.Lock()
	batch := u.pending
	u.pending = map[keyAddr]time.Time{}
	u.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	uses := make([]store.KeyUse, 0, len(batch))
	for ka, at := range batch {
		uses = append(uses, store.KeyUse{ID: ka.id, At: at, Addr: ka.addr})
	}
	// Oldest first: of a key's uses within one minute, the first sets its
	// last use (the store's once-a-minute rule), as one by one would.
	slices.SortFunc(uses, func(a, b store.KeyUse) int { return a.At.Compare(b.At) })
	if err := b.store.TouchKeys(ctx, uses); err != nil {
		b.log.Warn("record key uses", "keys", len(uses), "err", err)
		return err
	}
	return nil
}

// normalAddr is a client address as the allow lists read it (an IPv4-mapped
// IPv6 address is the IPv4 one), so one client is one address row; what isn't
// an address stays as given.
func normalAddr(addr string) string {
	if a := model.ClientAddr(addr); a.IsValid() {
		return a.String()
	}
	return addr
}

// Flush writes recorded key uses now, for shutdown and tests.
func (b *Backend) Flush(ctx context.Context) error { return b.usage.drain(ctx, b) }
