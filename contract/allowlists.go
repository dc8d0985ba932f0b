package contract

import (
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// AllowList is an IP allow list as `allowlists list --json` prints it.
type AllowList struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Entries     []string  `json:"entries"`
	Default     bool      `json:"default"`
	KeyIDs      []string  `json:"keyIds"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Version     int64     `json:"version"`
}

// AllowListOf is the contract form of l, linked to keys.
func AllowListOf(l model.AllowList, keyIDs []string) AllowList {
	if keyIDs == nil {
		keyIDs = []string{}
	}
	return AllowList{ID: l.ID, Name: l.Name, Description: l.Description, Entries: model.EntryStrings(l.Entries),
		Default: l.Default, KeyIDs: keyIDs, CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC(), Version: l.Version}
}

// KeyAddress is one address a key was used from over the last 30 days, as
// `keys addresses --json` prints it.
type KeyAddress struct {
	Address   string    `json:"address"`
	Uses      int64     `json:"uses"` // uses recorded, at most one a minute
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
}

// KeyAddressesOf is never null: [] for none.
func KeyAddressesOf(as []model.KeyAddress) []KeyAddress {
	return each(as, func(a model.KeyAddress) KeyAddress {
		return KeyAddress{Address: a.Addr, Uses: a.Uses, FirstSeen: a.FirstSeen.UTC(), LastSeen: a.LastSeen.UTC()}
	})
}

// RefusedKey is what `--dry-run` prints per key: the addresses of the last 30
// days the change would refuse.
type RefusedKey struct {
	Key     KeyRef       `json:"key"`
	Refused []KeyAddress `json:"refused"`
}

// KeyRef names a key.
type KeyRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
