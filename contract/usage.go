package contract

import (
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// UsageDay is one day of `keys usage --json`: a key's successful uses and
// refusals by reason on a day (YYYY-MM-DD) of the workspace zone.
type UsageDay struct {
	Day     string           `json:"day"`
	Uses    int64            `json:"uses"`
	Refused map[string]int64 `json:"refused"` // by reason; {} for none
}

// UsageDaysOf is each day as UsageDay; never null.
func UsageDaysOf(ds []model.UsageDay) []UsageDay {
	return each(ds, func(d model.UsageDay) UsageDay {
		r := d.Refused
		if r == nil {
			r = map[string]int64{}
		}
		return UsageDay{Day: d.Day, Uses: d.Uses, Refused: r}
	})
}

// ReportRow is one live key of the credential report (`keys report`, SPEC
// §12): hints only, never a secret.
type ReportRow struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Type         string     `json:"type"`
	Hint         string     `json:"hint"`
	Owner        MemberRef  `json:"owner"`
	OwnerEmail   string     `json:"ownerEmail"`
	CreatedAt    time.Time  `json:"createdAt"`
	ExpiresAt    time.Time  `json:"expiresAt"`
	LastUsedAt   *time.Time `json:"lastUsedAt"`
	LastUsedAddr *string    `json:"lastUsedAddr"`
	Uses30d      int64      `json:"uses30d"`
	Refused30d   int64      `json:"refused30d"`
	AllowLists   []string   `json:"allowLists"` // names of the key's own lists; [] for none
	State        string     `json:"state"`
	Buckets      []string   `json:"buckets"` // hygiene buckets (model.HygieneBuckets); [] for none
}

// ReportRowOf is one key's report row.
func ReportRowOf(k model.Key, ownerEmail string, usage model.UsageTotal, lists []string, state string, buckets []model.HygieneBucket) ReportRow {
	if lists == nil {
		lists = []string{}
	}
	bs := make([]string, 0, len(buckets))
	for _, b := range buckets {
		bs = append(bs, string(b))
	}
	return ReportRow{ID: k.ID, Name: k.Name, Type: string(k.Type), Hint: k.Hint,
		Owner: MemberRef{ID: k.OwnerID, Name: k.OwnerName}, OwnerEmail: ownerEmail,
		CreatedAt: k.CreatedAt.UTC(), ExpiresAt: k.ExpiresAt.UTC(),
		LastUsedAt: UTCPtr(k.LastUsedAt), LastUsedAddr: strPtr(k.LastUsedAddr),
		Uses30d: usage.Uses, Refused30d: usage.Refused, AllowLists: lists, State: state, Buckets: bs}
}
