package expiry

import (
	"fmt"
	"time"

	"github.com/charmbracelet/huh"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/form"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// Expiration choices: presets are relative forms ExpiryPolicy.Parse reads.
// Keep is the form's own default: the date unchanged (edit), or the old key's
// lifetime again (rotate, where the backend works it out per key).
const (
	Keep   = "keep"
	Custom = "custom"
)

var presets = []struct{ in, label string }{
	{"+7d", "7 days"}, {"+30d", "30 days"}, {"+60d", "60 days"}, {"+90d", "90 days"}, {"+1y", "1 year"},
}

// Choice is what the Expiration fields are bound to: a preset, Keep or
// Custom, and the custom date as typed.
type Choice struct {
	Expiry string
	Custom string
}

// checkDate reads a custom expiration date and says what it means.
func checkDate(p model.ExpiryPolicy, now time.Time) func(string) (string, error) {
	return func(s string) (string, error) {
		d, err := p.Parse(s, now)
		if err != nil {
			return "", err
		}
		return "valid through " + d.AddDays(-1).Human() + ", stops at the start of " + d.Human(), nil
	}
}

// options are the presets with the last valid day each gives, so the admin
// sees "valid through …" while choosing. Presets beyond the workspace's maximum
// lifetime are left out.
func options(p model.ExpiryPolicy, now time.Time, keep string) []huh.Option[string] {
	var opts []huh.Option[string]
	if keep != "" {
		opts = append(opts, huh.NewOption(keep, Keep))
	}
	for _, ps := range presets {
		d, err := p.Parse(ps.in, now)
		if err != nil {
			continue
		}
		opts = append(opts, huh.NewOption(fmt.Sprintf("%-8s valid through %s", ps.label, d.AddDays(-1).Human()), ps.in))
	}
	return append(opts, huh.NewOption("Custom date…", Custom))
}

// Fields are the Expiration select and, on a page of its own, the custom
// date shown only when "Custom date…" is picked. keep labels the form's default
// option ("" for none); changed, when set, runs after every change of either.
// The date is f's field "expires", where the backend's refusals of it show.
func Fields(ctx *app.Context, f *flows.Form, v *Choice, title, keep string, room int, changed func()) (huh.Field, *huh.Group) {
	now, pol := ctx.Now(), ctx.Policy
	opts := options(pol, now, keep)
	sel := form.Fit(huh.NewSelect[string]().Title(title).Options(opts...).Accessor(form.Watch(&v.Expiry, changed)), len(opts), room)
	custom := f.Checked("expires", "Expiration date",
		"YYYY-MM-DD, or +30d, +4w, +3m, +1y. The key works until the start of that day.",
		&v.Custom, checkDate(pol, now))
	custom.OnChange = changed
	custom.Input.Placeholder("YYYY-MM-DD or +30d")
	group := huh.NewGroup(custom.Input).WithHideFunc(func() bool { return v.Expiry != Custom })
	return sel, group
}

// Date is the date the choice names.
func (v Choice) Date(ctx *app.Context) (model.Date, error) {
	in := v.Expiry
	if in == Custom {
		in = v.Custom
	}
	return ctx.Policy.Parse(in, ctx.Now())
}
