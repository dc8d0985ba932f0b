package model

import "time"

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
