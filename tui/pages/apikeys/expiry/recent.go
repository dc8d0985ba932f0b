package expiry

import (
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// UsedRecently is the warning a prompt that stops k gives when k was used
// within model.RecentUse, or "".
func UsedRecently(k model.Key, now time.Time, p model.ExpiryPolicy) string {
	if !k.UsedRecently(now) {
		return ""
	}
	return "⚠ Used " + model.Ago(k.LastUsedAt, now, p.Loc()) + ": whatever uses it will start failing."
}
