package apikeys

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/form"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
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

// rotateKey opens the rotation form for the selected key or, when keys are
// marked, for every marked key.
func (p *Page) rotateMarked() tea.Cmd {
	if len(p.marks) > 0 {
		return p.openRotate(p.markedKeys())
	}
	k, ok := p.Selected()
	if !ok {
		return nil
	}
	return p.openRotate([]model.Key{k})
}

// openRotate opens the rotation form for keys. Keys this member can't rotate
// are refused at once when alone; in a bulk rotation they are left out, named
// in the form and listed with the results.
func (p *Page) openRotate(keys []model.Key) tea.Cmd {
	var targets []model.Key
	var left []secret.Failure
	for _, k := range keys {
		if err := p.rotatable(k); err != nil {
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
	p.rotKeys, p.rotLeft, p.rotBulk = targets, left, len(keys) > 1

	now, pol, st := p.ctx.Now(), p.ctx.Policy, p.ctx.Styles
	loc := pol.Loc()
	stillWorking := live(targets, now)
	p.vals = values{grace: defaultGrace, expiry: keepExpiry}
	if len(stillWorking) == 0 {
		p.vals.grace = 0
	}
	v := &p.vals

	var title, keepLabel string
	var intro []string
	if !p.rotBulk {
		k := targets[0]
		title = "Rotate “" + model.Sanitize(k.Name) + "”"
		intro = append(intro, st.Subtle.Render(k.Type.Label()+" key "+model.Sanitize(k.Hint)+", "+stateLong(k, now, pol)))
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
		intro = append(intro, st.Subtle.Render(ansi.Truncate(strings.Join(names, ", "), max(p.w, 20), "…")))
		if len(left) > 0 {
			intro = append(intro, st.Warn.Render(fmt.Sprintf("⚠ %s left out: already replaced, or not yours to manage.", plural(len(left), "marked key"))))
		}
		keepLabel = "Each key's own lifetime again"
	}
	room := form.Room(p.h, intro)

	p.openForm(rotateForm, targets[0], form.New(p.ctx, title, intro, func() *huh.Form {
		confirmTitle := "Rotate “" + model.Sanitize(targets[0].Name) + "”?"
		if p.rotBulk {
			confirmTitle = fmt.Sprintf("Rotate these %d keys?", len(targets))
		}
		confirm := huh.NewConfirm().Title(confirmTitle).
			Affirmative("Rotate").Negative("Cancel").Value(&v.confirm).WithButtonAlignment(lipgloss.Left)
		refresh := func() { confirm.Description(p.rotateSummary(targets, v, room)) }

		var first []huh.Field
		if len(stillWorking) > 0 {
			opts := graceOptions(stillWorking, now, loc)
			what := "Grace for the old key"
			if p.rotBulk {
				what = "Grace for the old keys"
			}
			first = append(first, form.Fit(huh.NewSelect[time.Duration]().Title(what).
				Description("Time to deploy the new secret before the old one stops.").
				Options(opts...).Accessor(form.Watch(&v.grace, refresh)), len(opts), room))
		}
		what := "Expiration of the new key"
		if p.rotBulk {
			what = "Expiration of the new keys"
		}
		exp, custom := p.expiryFields(v, what, keepLabel, room, refresh)
		first = append(first, exp)
		refresh()
		return huh.NewForm(huh.NewGroup(first...), custom, huh.NewGroup(confirm))
	}))
	return p.form.Init()
}

// rotateSummary is the confirmation's text: for one key, until when the old
// one works and through when the new one is valid; for several, a line each.
func (p *Page) rotateSummary(keys []model.Key, v *values, room int) string {
	now, pol := p.ctx.Now(), p.ctx.Policy
	loc := pol.Loc()
	var chosen *model.Date
	if v.expiry != keepExpiry {
		d, err := p.expiryDate(v)
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
	if len(keys) == 1 && !p.rotBulk {
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
		return old + "\nThe new key is valid through " + newThrough(k) + ".\nIts secret is shown once, right after."
	}

	// A table: name, when the old key stops, through when the new one is
	// valid; columns as wide as their longest value, the names taking the
	// rest, and shorter headings on a narrow pane.
	width := max(min(p.w, 72)-4, 30) // the form's width, less its bar and padding
	// The confirmation is its title, the headings, a row per key, the last
	// line (two on a narrow pane), a blank and the buttons; past that the
	// rows are cut.
	shown := keys
	if rows := max(room-6, 2); len(keys) > rows {
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
	return strings.Join(append(lines, tail), "\n")
}

// fit cuts s to w cells with "…" and pads it to w.
func fit(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}
