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
