package rotation

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/form"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
	"github.com/apikeys-dev/apikeys/tui/pages/apikeys/expiry"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// Rotatable says why k can't be rotated by the signed-in member, or nil.
func Rotatable(ctx *app.Context, k model.Key) error {
	if err := model.Require(ctx.Me.AccountType, model.ActManageKeys, k.Type); err != nil {
		return err
	}
	if k.ReplacedBy != "" {
		return model.Invalid("key", "%s was already rotated; rotate its replacement (%s) instead.", model.Quote(k.Name), k.ReplacedBy)
	}
	return nil
}

// values are what the rotation form is bound to.
type values struct {
	expiry.Choice
	grace   time.Duration
	confirm bool
}

// plan is a rotation the form confirmed.
type plan struct {
	keys    []model.Key
	skipped []secret.Failure
	bulk    bool
	grace   time.Duration
	expires *model.Date // nil: each key's default
}

// Kept is the Result of a rotation form answered Cancel; Text says what stays.
type Kept struct{ Text string }

// Open pushes, above from, the rotation form for keys: h is the pane's height.
// Keys this member can't rotate are refused at once when alone; in a bulk
// rotation they are left out, named in the form and listed with the results.
func Open(ctx *app.Context, from any, keys []model.Key, w, h int) tea.Cmd {
	var targets []model.Key
	var left []secret.Failure
	for _, k := range keys {
		if err := Rotatable(ctx, k); err != nil {
			if len(keys) == 1 {
				return app.Fail(err)
			}
			left = append(left, secret.Failure{Name: k.Name, Reason: app.Message(err)})
			continue
		}
		targets = append(targets, k)
	}
	if len(targets) == 0 {
		return app.Fail(model.Invalid("", "None of the %d marked keys can be rotated: they were replaced already or you may not manage them.", len(keys)))
	}
	pl := &plan{keys: targets, skipped: left, bulk: len(keys) > 1}

	now, pol, st := ctx.Now(), ctx.Policy, ctx.Styles
	loc := pol.Loc()
	stillWorking := live(targets, now)
	v := &values{grace: defaultGrace, Choice: expiry.Choice{Expiry: expiry.Keep}}
	if len(stillWorking) == 0 {
		v.grace = 0
	}

	var title, keepLabel string
	var intro []string
	if !pl.bulk {
		k := targets[0]
		title = "Rotate " + k.Named()
		intro = append(intro, st.Subtle.Render(k.Type.Label()+" key "+model.Sanitize(k.Hint)+", "+expiry.State(k, now, pol)))
		if k.State(now) == model.KeyExpired {
			intro = append(intro, st.Warn.Render("⚠ Expired "+pol.ExpiryDate(k.ExpiresAt).Human()+": rotating renews it with a new key and secret."))
		}
		d, days := defaultExpiry(k, now, pol)
		keepLabel = fmt.Sprintf("Same lifetime, %d days: valid through %s", days, d.AddDays(-1).Human())
		if today := pol.Today(now); d.DaysSince(today) < days {
			keepLabel = fmt.Sprintf("Its lifetime (%d days) capped at %d: valid through %s", days, d.DaysSince(today), d.AddDays(-1).Human())
		}
	} else {
		title = fmt.Sprintf("Rotate %d marked keys", len(targets))
		names := make([]string, len(targets))
		for i, k := range targets {
			names[i] = model.Sanitize(k.Name)
		}
		intro = append(intro, st.Subtle.Render(ansi.Truncate(strings.Join(names, ", "), max(w, 20), "…")))
		if len(left) > 0 {
			intro = append(intro, st.Warn.Render(fmt.Sprintf("⚠ %s left out: already replaced, or not yours to manage.", plural(len(left), "marked key"))))
		}
		keepLabel = "Each key's own lifetime again"
	}
	room := form.Room(h, intro)
	c, fctx := ctx.Client, ctx
	var row *flows.Row
	if !pl.bulk {
		// One key: the prompt follows it (deleted elsewhere: it closes).
		row = flows.KeyRow(c, &pl.keys[0])
	}
	f := flows.NewForm(ctx, flows.Spec{
		Title: title, Intro: intro, Values: v, Row: row,
		Build: func(f *flows.Form) *huh.Form {
			confirmTitle := "Rotate " + targets[0].Named() + "?"
			if pl.bulk {
				confirmTitle = fmt.Sprintf("Rotate these %d keys?", len(targets))
			}
			confirm := huh.NewConfirm().Title(confirmTitle).
				Affirmative("Rotate").Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)
			refresh := func() { confirm.Description(summary(ctx, pl, v, w, room)) }

			var first []huh.Field
			if len(stillWorking) > 0 {
				opts := graceOptions(stillWorking, now, loc)
				what := "Grace for the old key"
				if pl.bulk {
					what = "Grace for the old keys"
				}
				first = append(first, form.Fit(huh.NewSelect[time.Duration]().Title(what).
					Description("Time to deploy the new secret before the old one stops.").
					Options(opts...).Accessor(form.Watch(&v.grace, refresh)), len(opts), room))
			}
			what := "Expiration of the new key"
			if pl.bulk {
				what = "Expiration of the new keys"
			}
			exp, custom := expiry.Fields(ctx, f, &v.Choice, what, keepLabel, room, refresh)
			first = append(first, exp)
			refresh()
			return huh.NewForm(huh.NewGroup(first...), custom, huh.NewGroup(confirm))
		},
		Refused: func() { v.confirm = false },
		Submit: func() (flows.Send, error) {
			if !v.confirm {
				if pl.bulk {
					return flows.Send{Result: Kept{"Nothing rotated; the keys stay marked."}}, nil
				}
				return flows.Send{Result: Kept{"Kept “" + model.Sanitize(targets[0].Name) + "” as it is."}}, nil
			}
			pl.expires = nil
			if v.Expiry != expiry.Keep {
				d, err := v.Date(ctx)
				if err != nil {
					return flows.Send{}, err
				}
				pl.expires = &d
			}
			pl.grace = v.grace
			if pl.bulk {
				// The run replaces the form; a failure no longer goes
				// back to it, it is listed with the results.
				return flows.Send{Result: Started{}}, nil
			}
			k := pl.keys[0]
			req := client.RotateKeyRequest{Version: k.Version, Grace: pl.grace, Expires: pl.expires}
			return flows.Send{Label: "Rotating “" + model.Sanitize(k.Name) + "”", Call: func(ctx context.Context) (any, error) {
				rot, err := c.RotateKey(ctx, k.ID, req)
				if err != nil {
					return nil, err
				}
				return finish(fctx, pl, []outcome{{key: k, rot: rot}}), nil
			}}, nil
		},
		Then: func(result any) app.Flow {
			switch r := result.(type) {
			case Started:
				return newRun(ctx, pl)
			case Finished:
				return r.panel
			}
			return nil
		},
	})
	return app.Push(from, f)
}

// Started is the Result of a bulk rotation form once confirmed: the run takes
// its place, and ends with Finished.
type Started struct{}

// summary is the confirmation's text: for one key, until when the old one
// works and through when the new one is valid; for several, a line each.
func summary(ctx *app.Context, pl *plan, v *values, w, room int) string {
	keys := pl.keys
	now, pol := ctx.Now(), ctx.Policy
	loc := pol.Loc()
	var chosen *model.Date
	if v.Expiry != expiry.Keep {
		d, err := v.Date(ctx)
		if err != nil {
			return "Choose a valid expiration date for the new key."
		}
		chosen = &d
	}
	newThrough := func(k model.Key) string {
		d := chosen
		if d == nil {
			def, _ := defaultExpiry(k, now, pol)
			d = &def
		}
		return d.AddDays(-1).Human()
	}
	oldStops := func(k model.Key, short bool) string {
		if k.State(now) != model.KeyActive {
			return "expired " + pol.ExpiryDate(k.ExpiresAt).Human()
		}
		if v.grace == 0 {
			return "now"
		}
		end, capped := graceEnd(k, now, v.grace)
		if short {
			s := end.In(loc).Format("2 Jan 15:04")
			if capped {
				s += " (expiry)"
			}
			return s
		}
		if capped {
			return "when it expires, " + model.When(end, loc)
		}
		return model.When(end, loc)
	}
	// Stopping now breaks whatever still uses a key: say so, as delete does.
	used := 0
	for _, k := range keys {
		if v.grace == 0 && k.State(now) == model.KeyActive && k.UsedRecently(now) {
			used++
		}
	}
	if len(keys) == 1 && !pl.bulk {
		k := keys[0]
		var old string
		switch stops := oldStops(k, false); {
		case k.State(now) != model.KeyActive:
			old = "The old key " + stops + " and stays expired."
		case stops == "now":
			old = "The old key stops working at once."
		default:
			old = "The old key keeps working until " + stops + ", then stops."
		}
		text := old + "\nThe new key is valid through " + newThrough(k) + ".\nIts secret is shown once, right after."
		if used > 0 {
			text = expiry.UsedRecently(k, now, pol) + "\n" + text
		}
		return text
	}

	// A table: name, when the old key stops, through when the new one is
	// valid; columns as wide as their longest value, the names taking the
	// rest, and shorter headings on a narrow pane.
	width := max(min(w, 72)-4, 30) // the form's width, less its bar and padding
	// The confirmation is its title, the headings, a row per key, the last
	// line (two on a narrow pane), a blank and the buttons; past that the
	// rows are cut.
	shown := keys
	extra := 0
	if used > 0 {
		extra = 1 // the warning
	}
	if rows := max(room-6-extra, 2); len(keys) > rows {
		shown = keys[:rows-1]
	}
	stops, news := make([]string, len(shown)), make([]string, len(shown))
	longest, stopW, newW := 4, 0, 0
	for i, k := range shown {
		stops[i], news[i] = oldStops(k, true), newThrough(k)
		stopW, newW = max(stopW, ansi.StringWidth(stops[i])), max(newW, ansi.StringWidth(news[i]))
		longest = max(longest, ansi.StringWidth(model.Sanitize(k.Name)))
	}
	zone := now.In(loc).Format("MST")
	hOld, hNew := "Old key stops ("+zone+")", "New key valid through"
	tail := "Each new secret is shown once, next."
	if width-max(stopW, len(hOld))-max(newW, len(hNew))-4 < 14 {
		// Narrow: the names keep the room, the zone goes to the last line.
		hOld, hNew = "Old stops", "Valid through"
		tail = "Times are " + zone + ". " + tail
	}
	stopW, newW = max(stopW, ansi.StringWidth(hOld)), max(newW, ansi.StringWidth(hNew))
	nameW := min(max(width-stopW-newW-4, 6), longest, 40)
	row := func(a, b, c string) string {
		return fit(a, nameW) + "  " + fit(b, stopW) + "  " + c
	}
	lines := []string{row("Key", hOld, hNew)}
	for i, k := range shown {
		lines = append(lines, row(model.Sanitize(k.Name), stops[i], news[i]))
	}
	if len(shown) < len(keys) {
		lines = append(lines, fmt.Sprintf("… and %d more", len(keys)-len(shown)))
	}
	if used > 0 {
		lines = append([]string{fmt.Sprintf("⚠ %s used within %s stop at once: whatever uses them will start failing.",
			plural(used, "key"), model.Span(model.RecentUse))}, lines...)
	}
	return strings.Join(append(lines, tail), "\n")
}

// fit cuts s to w cells with "…" and pads it to w.
func fit(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}
