package allowlists

import (
	"context"
	"fmt"
	"strconv"

	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// Checked is what the backend's dry run of a change that may narrow where
// keys work found (SPEC §10), on its way to the confirmation that shows it:
// the form that asked hands it to Confirmation (flows.Spec.Then).
type Checked struct {
	Refused  []client.RefusedKey
	Title    string     // the confirmation's title
	Question string     // "Save the entries of “Office”?"
	Verb     string     // the affirmative button
	Apply    flows.Send // the change itself, made on yes
	Kept     any        // the result on Cancel
}

// DryRun is the Send of a form whose change may narrow where keys work: the
// backend's dry run of that very change (nothing is written), answering c with
// what it would refuse.
func DryRun(run func(ctx context.Context) ([]client.RefusedKey, error), c Checked) flows.Send {
	return flows.Send{Label: "Checking recent uses", Call: func(ctx context.Context) (any, error) {
		rs, err := run(ctx)
		c.Refused = rs
		return c, err
	}}
}

// Confirmation is the Then of a form that may send a DryRun: the confirmation
// of its Checked, which takes the form's place.
func Confirmation(ctx *app.Context) func(any) app.Flow {
	return func(r any) app.Flow {
		c, ok := r.(Checked)
		if !ok {
			return nil
		}
		return confirmFlow(ctx, c)
	}
}

// confirmFlow asks before a narrowing change, saying which keys' recent
// addresses it would refuse. With some, Cancel is the default.
func confirmFlow(ctx *app.Context, c Checked) app.Flow {
	yes := len(c.Refused) == 0
	return flows.NewForm(ctx, flows.Spec{
		Title: c.Title, Intro: refusedIntro(ctx, c.Refused),
		Build: func(*flows.Form) *huh.Form {
			return huh.NewForm(huh.NewGroup(huh.NewConfirm().Title(c.Question).
				Affirmative(c.Verb).Negative("Cancel").Value(&yes).WithButtonAlignment(lipgloss.Left)))
		},
		Submit: func() (flows.Send, error) {
			if !yes {
				return flows.Send{Result: c.Kept}, nil
			}
			return c.Apply, nil
		},
	})
}

// maxRefusedLines is how many refused addresses the confirmation names; the
// rest are counted (`--dry-run` on the CLI lists them all).
const maxRefusedLines = 4

// refusedIntro says what the dry run found, one line per refused address.
func refusedIntro(ctx *app.Context, rs []client.RefusedKey) []string {
	st := ctx.Styles
	if len(rs) == 0 {
		return []string{st.OK.Render("Dry run: no recent use would be refused") +
			st.Subtle.Render(" — no key was used in the last 30 days from an address this change leaves out.")}
	}
	n := 0
	for _, r := range rs {
		n += len(r.Refused)
	}
	out := []string{st.Warn.Render("Dry run: these uses of the last 30 days would be refused:")}
	now, loc := ctx.Now(), ctx.Policy.Loc()
	shown := 0
	for _, r := range rs {
		for _, a := range r.Refused {
			if shown == maxRefusedLines {
				return append(out, st.Subtle.Render(fmt.Sprintf("  … and %d more (the CLI's --dry-run lists them all).", n-shown)))
			}
			shown++
			seen := a.LastSeen
			out = append(out, "  “"+model.Sanitize(r.Key.Name)+"”  "+model.Sanitize(a.Addr)+
				st.Subtle.Render("  "+plural64(a.Uses, "use")+", last seen "+model.Ago(&seen, now, loc)))
		}
	}
	return out
}

func plural64(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.FormatInt(n, 10) + " " + word + "s"
}
