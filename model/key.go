package model

import (
	"fmt"
	"time"
)

// Key is an API key's metadata. The secret itself is never part of it: the store
// keeps only Hash (SHA-256) and Hint.
type Key struct {
	ID            string     `json:"id"` // public, not secret: "key_…"
	Name          string     `json:"name"`
	Type          KeyType    `json:"type"`
	Hint          string     `json:"hint"`
	Hash          []byte     `json:"-"`
	CreatedAt     time.Time  `json:"createdAt"`
	CreatedBy     string     `json:"createdBy"`     // member id
	CreatedByName string     `json:"createdByName"` // filled on read
	OwnerID       string     `json:"ownerId"`       // member id: the creator unless transferred (SPEC §12)
	OwnerName     string     `json:"ownerName"`     // filled on read
	ExpiresAt     time.Time  `json:"expiresAt"`
	LastUsedAt    *time.Time `json:"lastUsedAt,omitempty"`
	LastUsedAddr  string     `json:"lastUsedAddr,omitempty"`
	RotatedFrom   string     `json:"rotatedFrom,omitempty"` // id of the key this one replaced
	ReplacedBy    string     `json:"replacedBy,omitempty"`  // id of the key that replaced this one
	DeletedAt     *time.Time `json:"deletedAt,omitempty"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	UpdatedBy     string     `json:"updatedBy"`     // member id of the last change
	UpdatedByName string     `json:"updatedByName"` // filled on read
	Version       int64      `json:"version"`
}

// KeyState is what a key can do now.
type KeyState int

// Key states, in the order a key passes through them.
const (
	KeyActive   KeyState = iota
	KeyReplaced          // rotated, still valid until ExpiresAt (the grace end)
	KeyExpired
	KeyRevoked // deleted
)

func (s KeyState) String() string {
	switch s {
	case KeyActive:
		return "active"
	case KeyReplaced:
		return "replaced"
	case KeyExpired:
		return "expired"
	case KeyRevoked:
		return "revoked"
	}
	return "unknown"
}

// State is the key's state at now. A key stops working at ExpiresAt exactly.
func (k Key) State(now time.Time) KeyState {
	switch {
	case k.DeletedAt != nil:
		return KeyRevoked
	case !now.Before(k.ExpiresAt):
		return KeyExpired
	case k.ReplacedBy != "":
		return KeyReplaced
	}
	return KeyActive
}

// Valid reports whether the key authenticates at now.
func (k Key) Valid(now time.Time) bool {
	s := k.State(now)
	return s == KeyActive || s == KeyReplaced
}

// Member is a person in the workspace.
type Member struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Email       string       `json:"email"`
	AccountType AccountType  `json:"accountType"`
	Status      MemberStatus `json:"status"`
	SSHKeys     []SSHKey     `json:"sshKeys"`
	CreatedAt   time.Time    `json:"createdAt"`
	UpdatedAt   time.Time    `json:"updatedAt"`
	UpdatedBy   string       `json:"updatedBy,omitempty"`
	Version     int64        `json:"version"`
}

// Active reports whether the member may sign in.
func (m Member) Active() bool { return m.Status == StatusActive }

// SSHKey is one of a member's SSH public keys.
type SSHKey struct {
	Fingerprint string    `json:"fingerprint"` // SHA256:… as ssh-keygen -l prints it
	PublicKey   string    `json:"publicKey"`   // the authorized_keys line, normalised
	Comment     string    `json:"comment,omitempty"`
	AddedAt     time.Time `json:"addedAt"`
}

// Workspace is the one workspace a data directory or database holds.
type Workspace struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// ExpiringSoonDays is the "expiring soon" window, in calendar days: a key whose
// last valid day is this close is one to rotate now (the TUI's `!` view), and a
// list counts the days down instead of giving the date.
const ExpiringSoonDays = 14

// ExpiringSoon is the ExpiringSoonDays window as a span from now, the form a key
// filter takes.
const ExpiringSoon = ExpiringSoonDays * 24 * time.Hour

// ExpiresWithin reports whether k is one to rotate soon: active with its last
// valid day no later than the day of now+within, or replaced and still in its
// grace period. Expired and deleted keys are not.
func (p ExpiryPolicy) ExpiresWithin(k Key, now time.Time, within time.Duration) bool {
	switch k.State(now) {
	case KeyReplaced:
		return true
	case KeyActive:
		return !p.ValidThrough(k.ExpiresAt).After(p.horizon(now, within))
	}
	return false
}

// horizon is the last day within reach of now: whole days count as calendar days
// of the workspace zone (14 days from 10 Mar at 23:30 in New York is 24 Mar,
// though DST makes that 335 hours), shorter spans end where the clock does.
func (p ExpiryPolicy) horizon(now time.Time, within time.Duration) Date {
	const day = 24 * time.Hour
	if within%day == 0 {
		return p.Today(now).AddDays(int(within / day))
	}
	return DateOf(now.Add(within), p.loc())
}

// CountDown is the calendar days from today to k's expiration date, and whether
// they are few enough (ExpiringSoonDays) for a list to say "in 12 days" rather
// than the date.
func (p ExpiryPolicy) CountDown(k Key, now time.Time) (days int, soon bool) {
	days = p.DaysLeft(k.ExpiresAt, now)
	return days, days <= ExpiringSoonDays
}

// RecentUse is how recent a key's last use must be for deleting it to warn
// that something probably still depends on it.
const RecentUse = 24 * time.Hour

// UsedRecently reports a use within RecentUse of now.
func (k Key) UsedRecently(now time.Time) bool {
	return k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < RecentUse
}

// Graces are the grace periods rotation offers the old key: now, 1 hour,
// 24 hours, 7 days, 30 days (never past its own expiry).
var Graces = []time.Duration{0, time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}

// GraceShort is a grace as the command line takes it: now, 1h, 24h, 7d, 30d.
func GraceShort(g time.Duration) string {
	switch {
	case g == 0:
		return "now"
	case g%(24*time.Hour) == 0 && g > 24*time.Hour:
		return fmt.Sprintf("%dd", g/(24*time.Hour))
	case g%time.Hour == 0:
		return fmt.Sprintf("%dh", g/time.Hour)
	}
	return g.String()
}

// GraceLabel is a grace in words: "now", "1 hour", "24 hours", "7 days".
func GraceLabel(g time.Duration) string {
	unit := func(n time.Duration, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case g == 0:
		return "now"
	case g%(24*time.Hour) == 0 && g > 24*time.Hour:
		return unit(g/(24*time.Hour), "day")
	case g%time.Hour == 0:
		return unit(g/time.Hour, "hour")
	}
	return g.String()
}

// GraceList is the choices as the command line takes them: "now, 1h, 24h, 7d or 30d".
func GraceList() string {
	s := ""
	for i, g := range Graces {
		switch {
		case i == len(Graces)-1:
			s += " or "
		case i > 0:
			s += ", "
		}
		s += GraceShort(g)
	}
	return s
}

// CheckGrace refuses a grace that is not one of Graces.
func CheckGrace(g time.Duration) error {
	for _, ok := range Graces {
		if g == ok {
			return nil
		}
	}
	return Invalid("grace", "Grace period must be one of %s.", GraceList())
}

// Named is how a prompt names k: its name, sanitised and quoted, then its hint
// — “deploy” (apk_imp_Ab3x…9fQz) — so that keys of the same name are told
// apart wherever one is asked about.
func (k Key) Named() string {
	if k.Hint == "" {
		return "“" + Sanitize(k.Name) + "”"
	}
	return "“" + Sanitize(k.Name) + "” (" + Sanitize(k.Hint) + ")"
}
