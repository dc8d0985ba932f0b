package app

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// Key hygiene (SPEC §12): what the hygiene view, key details and deactivating
// a member who owns keys ask of the client. Hygiene is the part of the client
// they need; Context.Hygiene finds it.

// UsageDay is one day (in the workspace zone) of a key's use: successful uses
// and refusals by reason.
type UsageDay struct {
	Day     model.Date
	Uses    int
	Refused map[string]int
}

// Bucket is one of the hygiene view's findings about a key.
type Bucket int

// The buckets, in the order the view shows them.
const (
	NeverUsed Bucket = iota
	Idle
	OwnerDeactivated
	ExpiringSoon
	NoAllowList
	ReplacedInUse
	bucketCount
)

// Buckets are all the buckets, in order.
var Buckets = func() []Bucket {
	out := make([]Bucket, bucketCount)
	for i := range out {
		out[i] = Bucket(i)
	}
	return out
}()

// Finding is a key and the buckets it is in.
type Finding struct {
	Key     model.Key
	Buckets []Bucket
	// LatestUse is the key's latest use (a replaced key still called during
	// its grace shows it); nil never.
	LatestUse  *time.Time
	LatestFrom string
	// Owner is the key's owner's name; OwnerActive false once deactivated.
	Owner       string
	OwnerActive bool
}

// In reports whether f is in bucket b.
func (f Finding) In(b Bucket) bool {
	for _, x := range f.Buckets {
		if x == b {
			return true
		}
	}
	return false
}

// Hygiene is the client's key-hygiene calls.
type Hygiene interface {
	// KeyUsage is a key's last days of use, oldest first, one a day.
	KeyUsage(ctx context.Context, id string, days int) ([]UsageDay, error)
	// Hygiene is every live key in at least one bucket, keys idle for
	// idleDays counting as idle.
	Hygiene(ctx context.Context, idleDays int) ([]Finding, error)
	// RetireNow ends a replaced key's grace at once.
	RetireNow(ctx context.Context, id string, version int64) (model.Key, error)
	// OwnedKeys are a member's live keys.
	OwnedKeys(ctx context.Context, member string) ([]model.Key, error)
	// DeactivateTransferring deactivates a member and gives their live keys
	// to another, in one step.
	DeactivateTransferring(ctx context.Context, member string, version int64, to string) (model.Member, error)
}

// Hygiene is the client's key-hygiene calls, when it has them.
func (c *Context) Hygiene() (Hygiene, bool) {
	h, ok := c.Client.(Hygiene)
	return h, ok
}
