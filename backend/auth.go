package backend

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/netip"
	"time"

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
	client := model.ClientAddr(addr) // read once, for the lists and the last use
	now := b.Now()                   // once: a clock read costs ~100 ns on this kind of VM
	k, reason, hit, err := b.check(ctx, now, presented, want, client)
	b.checked(reason, err)
	if err != nil {
		return model.Key{}, err
	}
	b.usage.count(b, now, k.ID, reason, hit)
	switch reason {
	case ReasonIPNotAllowed:
		return model.Key{}, model.IPNotAllowed(addr)
	case "":
		b.usage.record(b, now, k, addr, client, hit)
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
	client := model.ClientAddr(addr) // read once, for the lists and the last use
	now := b.Now()                   // once: a clock read costs ~100 ns on this kind of VM
	k, reason, hit, err := b.check(ctx, now, presented, want, client)
	b.checked(reason, err)
	if err != nil {
		return VerifyResult{}, err
	}
	b.usage.count(b, now, k.ID, reason, hit)
	if reason != "" {
		return VerifyResult{Reason: reason}, nil
	}
	b.usage.record(b, now, k, addr, client, hit)
	return VerifyResult{Valid: true, Key: k}, nil
}

// check finds the key behind a presented secret and says why it can't be used, if
// it can't. Once the key index is loaded this is parse, checksum, SHA-256 and one
// map look-up, then the allow lists' one look-up and prefix match: no store
// read on the request path. addr is the client address as model.ClientAddr
// read it; now is the moment of the check (Backend.Now), which its use is
// recorded at too.
func (b *Backend) check(ctx context.Context, now time.Time, presented string, want model.KeyType, addr netip.Addr) (model.Key, string, slotHit, error) {
	secret, _, err := model.ParseSecret(presented)
	if err != nil {
		return model.Key{}, ReasonMalformed, slotHit{}, nil
	}
	hash := secret.Hash()
	k, ranges, hit, found, ok := b.index.lookup(b, hash)
	switch {
	case ok && !found:
		return model.Key{}, ReasonUnknown, slotHit{}, nil
	case !ok:
		k, err = b.store.KeyByHash(ctx, hash)
		if errors.Is(err, model.ErrNotFound) {
			return model.Key{}, ReasonUnknown, slotHit{}, nil
		}
		if err != nil {
			return model.Key{}, "", slotHit{}, err
		}
	}
	// The index found it by hash already; the constant-time compare keeps the
	// decision itself free of timing differences.
	if subtle.ConstantTimeCompare(k.Hash, hash) != 1 {
		return model.Key{}, ReasonUnknown, slotHit{}, nil
	}
	switch k.State(now) {
	case model.KeyRevoked:
		return k, ReasonRevoked, hit, nil
	case model.KeyExpired:
		return k, ReasonExpired, hit, nil
	}
	if k.Type != want {
		return k, ReasonWrongType, hit, nil
	}
	if ok, err := b.allowedFrom(ctx, k.ID, ranges, addr); err != nil || !ok {
		return k, ReasonIPNotAllowed, hit, err
	}
	return k, "", hit, nil
}

// normalAddr is a client address as the allow lists read it (client, read by
// model.ClientAddr: an IPv4-mapped IPv6 address is the IPv4 one), so one
// client is one address row; what isn't an address stays as given (addr).
func normalAddr(addr string, client netip.Addr) string {
	if client.IsValid() {
		return client.String()
	}
	return addr
}
