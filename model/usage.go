package model

import (
	"slices"
	"time"
)

// Usage (SPEC §12): each key counts, per calendar day in the workspace zone, its
// successful uses and its refusals by reason.
const (
	UsageKeptDays  = 90 // days of counts kept; older days are pruned
	UsageTotalDays = 30 // the window of "uses (30d)" in the list and the report
)

// UsageDay is one key's checks on one day in the workspace zone.
type UsageDay struct {
	Day     string           `json:"day"` // YYYY-MM-DD
	Uses    int64            `json:"uses"`
	Refused map[string]int64 `json:"refused,omitempty"` // by refusal reason (expired, revoked, wrong_type, ip_not_allowed)
}

// RefusedTotal is the day's refusals of every reason.
func (d UsageDay) RefusedTotal() int64 {
	var n int64
	for _, c := range d.Refused {
		n += c
	}
	return n
}

// UsageTotal is one key's checks over a window of days.
type UsageTotal struct {
	Uses    int64 `json:"uses"`
	Refused int64 `json:"refused"`
}

// UsageFrom is the first day of a window of n days ending with now's day.
func UsageFrom(now time.Time, loc *time.Location, n int) string {
	if loc == nil {
		loc = time.UTC
	}
	return DateOf(now, loc).AddDays(1 - n).String()
}

// FillUsageDays is days (ascending, any missing) as n consecutive days ending
// with now's day, missing ones zero: a sparkline's input.
func FillUsageDays(days []UsageDay, now time.Time, loc *time.Location, n int) []UsageDay {
	if loc == nil {
		loc = time.UTC
	}
	by := make(map[string]UsageDay, len(days))
	for _, d := range days {
		by[d.Day] = d
	}
	end := DateOf(now, loc)
	out := make([]UsageDay, 0, n)
	for i := n - 1; i >= 0; i-- {
		day := end.AddDays(-i).String()
		d, ok := by[day]
		if !ok {
			d = UsageDay{Day: day}
		}
		out = append(out, d)
	}
	return out
}

// Hygiene buckets (SPEC §12): what about a live key needs attention.
type HygieneBucket string

const (
	BucketNeverUsed        HygieneBucket = "never-used"        // created more than NeverUsedAfter ago, never used
	BucketIdle             HygieneBucket = "idle"              // last used IdleDays or more ago
	BucketOwnerDeactivated HygieneBucket = "owner-deactivated" // its owner is deactivated
	BucketExpiring         HygieneBucket = "expiring"          // active, last valid day within ExpiringSoonDays
	BucketNoAllowList      HygieneBucket = "no-allow-list"     // usable from anywhere: no list of its own, no default
	BucketReplacedInUse    HygieneBucket = "replaced-in-use"   // replaced, in its grace, and used since (UsedSinceReplaced)
)

// HygieneBuckets lists the buckets in the order the hygiene view shows them.
var HygieneBuckets = []HygieneBucket{BucketNeverUsed, BucketIdle, BucketOwnerDeactivated,
	BucketExpiring, BucketNoAllowList, BucketReplacedInUse}

// Label is the bucket as a heading.
func (b HygieneBucket) Label() string {
	switch b {
	case BucketNeverUsed:
		return "Never used"
	case BucketIdle:
		return "Idle"
	case BucketOwnerDeactivated:
		return "Owner deactivated"
	case BucketExpiring:
		return "Expiring within 14 days"
	case BucketNoAllowList:
		return "No allow list"
	case BucketReplacedInUse:
		return "Replaced, still in use"
	}
	return string(b)
}

// Hygiene defaults.
const (
	NeverUsedAfter  = 7 * 24 * time.Hour // a key younger than this isn't "never used" yet
	DefaultIdleDays = 90
)

// HygieneFacts is what, beyond the key itself, decides its buckets.
type HygieneFacts struct {
	Now      time.Time
	Policy   ExpiryPolicy // the workspace zone, for "expiring within"
	IdleDays int          // 0: DefaultIdleDays
	// ExpiringWithin is the "expiring" window; 0: ExpiringSoon (14 days).
	ExpiringWithin time.Duration
	OwnerActive    bool // false: the owner is a deactivated member
	OwnAllowLists  int  // lists linked to the key itself
	DefaultList    bool // the workspace has a default allow list
	// ReplacedAt is when a replaced key was replaced (its replacement's
	// creation); zero: unknown, then any use counts as "since".
	ReplacedAt time.Time
	// UsesSinceReplaced is a replaced key's successful uses counted on or
	// after the workspace day of ReplacedAt (ReplacedDay). A key's last use is
	// written at most once a minute, so a use just after the rotation may
	// leave it before ReplacedAt: the counts, written for every check, see it.
	UsesSinceReplaced int64
}

// ReplacedDay is the workspace day (YYYY-MM-DD) from which a key replaced at
// replacedAt counts its uses "since it was replaced" (HygieneFacts).
func ReplacedDay(replacedAt time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return DateOf(replacedAt, loc).String()
}

// Hygiene puts a key in the buckets of SPEC §12, in HygieneBuckets order; a
// key that no longer works (expired, deleted) is in none. The one source of
// these rules: the TUI's hygiene view, `keys list` filters and the report all
// call it.
func Hygiene(k Key, f HygieneFacts) []HygieneBucket {
	st := k.State(f.Now)
	if st != KeyActive && st != KeyReplaced {
		return nil
	}
	idle := f.IdleDays
	if idle <= 0 {
		idle = DefaultIdleDays
	}
	within := f.ExpiringWithin
	if within <= 0 {
		within = ExpiringSoon
	}
	var out []HygieneBucket
	if k.LastUsedAt == nil && f.Now.Sub(k.CreatedAt) > NeverUsedAfter {
		out = append(out, BucketNeverUsed)
	}
	if k.LastUsedAt != nil && f.Now.Sub(*k.LastUsedAt) >= time.Duration(idle)*24*time.Hour {
		out = append(out, BucketIdle)
	}
	if !f.OwnerActive {
		out = append(out, BucketOwnerDeactivated)
	}
	if st == KeyActive && f.Policy.ExpiresWithin(k, f.Now, within) {
		out = append(out, BucketExpiring)
	}
	if f.OwnAllowLists == 0 && !f.DefaultList {
		out = append(out, BucketNoAllowList)
	}
	if st == KeyReplaced && UsedSinceReplaced(k, f) {
		out = append(out, BucketReplacedInUse)
	}
	return out
}

// UsedSinceReplaced reports whether a replaced key was used since it was
// replaced: its last use is at or after f.ReplacedAt, or uses were counted on
// or after that day. Counts are per day, so a key used earlier on the day it
// was replaced counts as still in use until the day ends: the safe side, as
// retiring a key in use breaks its callers.
func UsedSinceReplaced(k Key, f HygieneFacts) bool {
	if k.LastUsedAt != nil && !k.LastUsedAt.Before(f.ReplacedAt) {
		return true
	}
	return f.UsesSinceReplaced > 0
}

// InBucket reports whether Hygiene puts k in b.
func InBucket(k Key, f HygieneFacts, b HygieneBucket) bool {
	return slices.Contains(Hygiene(k, f), b)
}

// CanRetire says whether k can be retired now ("retire now", SPEC §12: its
// grace ends at once): only a replaced key still in its grace can. The one
// source for the backend, the TUI and `keys retire`.
func CanRetire(k Key, now time.Time) error {
	if k.State(now) != KeyReplaced {
		return Invalid("key", "Key “%s” is not a replaced key in its grace period: only those can be retired.", Sanitize(k.Name))
	}
	return nil
}

// ApiKeyOwnerChanged: a key's owner changed (SPEC §12).
const EventApiKeyOwnerChanged EventType = "ApiKeyOwnerChanged"

// ApiKeyOwnerChangedPayload is the payload of ApiKeyOwnerChanged.
type ApiKeyOwnerChangedPayload struct {
	KeyRef
	PreviousOwner UserRef `json:"previousOwner"`
	NewOwner      UserRef `json:"newOwner"`
}

// EventType is ApiKeyOwnerChanged.
func (ApiKeyOwnerChangedPayload) EventType() EventType { return EventApiKeyOwnerChanged }

// CanOwnKey reports whether a member may own a key: active, and able to
// manage keys of its type (the permission table, one source).
func CanOwnKey(m Member, t KeyType) error {
	if !m.Active() {
		return Invalid("owner", "%s is deactivated and can't own a key.", Quote(m.Name))
	}
	if !Can(m.AccountType, ActManageKeys, t) {
		return Invalid("owner", "%s can't own %s API keys: they need to be %s.", Quote(m.Name), t.Label(), needed(ActManageKeys, t))
	}
	return nil
}
