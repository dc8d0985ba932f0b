// Package expiry is how the API Keys page and the rotation flows speak of a
// key's expiry: the Expires column, the details lines, and the Expiration
// choice of the create, edit and rotate forms.
package expiry

import (
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/components/table"
)

// Column is what the Expires column says about k at now: "valid through 30 Jun
// 2027", "in 12 days", "in 5h", "Expired" or "replaced, expires in 23h", and how
// it reads (the words carry the state; the tone only repeats it).
func Column(k model.Key, now time.Time, p model.ExpiryPolicy) (string, table.Tone) {
	switch k.State(now) {
	case model.KeyRevoked:
		return "Revoked", table.Bad
	case model.KeyExpired:
		if k.ReplacedBy != "" {
			// Rotated: it stopped because it was replaced (with grace
			// "now", or its grace is over), not because it ran out.
			return "Replaced", table.Dim
		}
		return "Expired", table.Bad
	case model.KeyReplaced:
		return "replaced, expires in " + model.Span(k.ExpiresAt.Sub(now)), table.Warn
	}
	left := k.ExpiresAt.Sub(now)
	if left < 24*time.Hour {
		return "in " + model.Span(left), table.Warn
	}
	if days, soon := p.CountDown(k, now); soon {
		return "in " + model.Days(days), table.Warn
	}
	return model.ValidUntil(k.ExpiresAt, p.Loc()), table.Normal
}

// Short is Column's text where the column is narrow: "through 30 Jun 2027"
// for "valid through 30 Jun 2027", "replaced, in 23h" for "replaced, expires
// in 23h"; the rest is short already.
func Short(s string) string {
	if r, ok := strings.CutPrefix(s, "valid "); ok {
		return r
	}
	if r, ok := strings.CutPrefix(s, "replaced, expires "); ok {
		return "replaced, " + r
	}
	return s
}

// Long is the details line for the expiration: the last valid day and
// the instant the key stops working, or only the instant where it falls inside
// a day (model.ValidUntilLong).
func Long(k model.Key, p model.ExpiryPolicy) string {
	return model.ValidUntilLong(k.ExpiresAt, p.Loc())
}

// State is the details line for the state, in words.
func State(k model.Key, now time.Time, p model.ExpiryPolicy) string {
	short, _ := Column(k, now, p)
	switch k.State(now) {
	case model.KeyActive:
		if strings.HasPrefix(short, "in ") {
			return "Active, expires " + short
		}
		return "Active"
	case model.KeyReplaced:
		return "Replaced: keeps working for its grace period, " + strings.TrimPrefix(short, "replaced, ")
	case model.KeyExpired:
		if k.ReplacedBy != "" {
			return "Replaced by " + k.ReplacedBy + ": stopped working " + model.When(k.ExpiresAt, p.Loc())
		}
		return "Expired: rotate it to issue a new secret"
	case model.KeyRevoked:
		return "Deleted: no longer works"
	}
	return k.State(now).String()
}
