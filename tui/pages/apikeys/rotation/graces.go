// Package rotation is rotating API keys, one or many: the form (grace for the
// old keys, expiration of the new ones, a confirmation saying what happens to
// each), the run that rotates marked keys one at a time, and the secret panel
// it ends on.
package rotation

import (
	"fmt"
	"time"

	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/model"
)

// defaultGrace is the grace the form starts on: a day is enough to roll a new
// secret out through most deploy pipelines.
const defaultGrace = 24 * time.Hour

// graceName is a grace as the rotate form offers it: "Now", "1 hour", "7 days".
func graceName(g time.Duration) string {
	if g == 0 {
		return "Now"
	}
	return model.GraceLabel(g)
}

// graceEnd is when the old key k stops if rotated at now with grace g, as the
// backend sets it: never later than k's own expiry. capped reports that its
// expiry cut the grace short.
func graceEnd(k model.Key, now time.Time, g time.Duration) (end time.Time, capped bool) {
	end = now.Add(g)
	if k.ExpiresAt.Before(end) {
		return k.ExpiresAt, true
	}
	return end, false
}

// defaultExpiry is the backend's default expiration date for k's replacement
// (model.ExpiryPolicy.RotationExpiry), and days is k's lifetime.
func defaultExpiry(k model.Key, now time.Time, p model.ExpiryPolicy) (d model.Date, days int) {
	return p.RotationExpiry(k, now), p.Lifetime(k)
}

// live are the keys that still work: only they have a grace period to choose.
func live(keys []model.Key, now time.Time) []model.Key {
	var out []model.Key
	for _, k := range keys {
		if k.State(now) == model.KeyActive {
			out = append(out, k)
		}
	}
	return out
}

// graceOptions say, for each grace, until when the old key works, and when its
// own expiry comes first.
func graceOptions(keys []model.Key, now time.Time, loc *time.Location) []huh.Option[time.Duration] {
	var opts []huh.Option[time.Duration]
	for _, g := range model.Graces {
		text := fmt.Sprintf("%-8s ", graceName(g))
		switch {
		case g == 0 && len(keys) == 1:
			text += "the old key stops at once"
		case g == 0:
			text += "the old keys stop at once"
		case len(keys) == 1:
			end, capped := graceEnd(keys[0], now, g)
			text += "until " + model.When(end, loc)
			if capped {
				text += " (capped at its expiry)"
			}
		default:
			text += "until " + model.When(now.Add(g), loc)
			n := 0
			for _, k := range keys {
				if _, capped := graceEnd(k, now, g); capped {
					n++
				}
			}
			if n > 0 {
				text += fmt.Sprintf(" (%d capped at expiry)", n)
			}
		}
		opts = append(opts, huh.NewOption(text, g))
	}
	return opts
}
