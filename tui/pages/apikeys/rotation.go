package apikeys

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
)

// rotation is a rotation under way. Keys are rotated one after the other, each
// in its own backend call (a tea.Cmd, so Update never waits), and every result
// is kept: when one fails the ones before stay rotated, their secrets are shown
// and the failure is listed by name; the rest are still tried.
type rotation struct {
	id       int // tells this run's results from a stale one's
	bulk     bool
	keys     []model.Key
	grace    time.Duration
	expires  *model.Date // nil: each key's default
	next     int         // the key being rotated
	results  []outcome   // one per key done, in order
	skipped  []secret.Failure
	stopping bool // esc: finish the key in flight, try no more
}

type outcome struct {
	key model.Key // as it was before
	rot client.Rotation
	err error
}

// rotated is one key's result, inside app.Done.
type rotated struct {
	run, i int
	rot    client.Rotation
}

// startRotation rotates p.rotKeys with the form's choices.
func (p *Page) startRotation(grace time.Duration, expires *model.Date) tea.Cmd {
	p.runSeq++
	p.run = &rotation{id: p.runSeq, bulk: p.rotBulk, keys: p.rotKeys, grace: grace, expires: expires, skipped: p.rotLeft}
	p.rotKeys, p.rotLeft = nil, nil
	if p.run.bulk {
		// The progress view replaces the form; a failure no longer goes back
		// to it, it is listed with the results.
		p.form = nil
		p.mode = rotatingMode
	} else {
		p.form.Sending()
	}
	return p.rotateNext()
}

func (p *Page) rotateNext() tea.Cmd {
	r := p.run
	i := r.next
	k := r.keys[i]
	label := "Rotating “" + model.Sanitize(k.Name) + "”"
	if r.bulk {
		label = fmt.Sprintf("Rotating %d of %d", i+1, len(r.keys))
	}
	req := client.RotateKeyRequest{Version: k.Version, Grace: r.grace, Expires: r.expires}
	c, id := p.ctx.Client, r.id
	return p.ctx.Call(label, func(ctx context.Context) (tea.Msg, error) {
		rot, err := c.RotateKey(ctx, k.ID, req)
		return rotated{run: id, i: i, rot: rot}, err
	})
}

// rotatedOne takes one key's result and starts the next key or finishes.
func (p *Page) rotatedOne(m rotated, err error) tea.Cmd {
	r := p.run
	if r == nil || m.run != r.id {
		return nil // the program moved on; a stale result has nothing to show
	}
	k := r.keys[m.i]
	r.results = append(r.results, outcome{key: k, rot: m.rot, err: err})
	if err == nil {
		sel, _ := p.Selected()
		p.list.put(m.rot.Old)
		p.list.put(m.rot.New)
		delete(p.marks, k.ID)
		p.refilter(sel.ID)
	} else if !r.bulk {
		// One key: back to the form with what was chosen; the status line
		// says why (app.Done carries the error).
		p.run = nil
		p.vals.confirm = false
		return p.rebuild()
	}
	r.next++
	if r.next < len(r.keys) && !r.stopping {
		return p.rotateNext()
	}
	return p.finishRotation()
}

// stopRotation lets the key in flight finish and tries no more.
func (p *Page) stopRotation() tea.Cmd {
	if p.run == nil || p.run.stopping {
		return nil
	}
	p.run.stopping = true
	return nil
}

// finishRotation opens the secret panel on every new secret, with the keys that
// got none and why.
func (p *Page) finishRotation() tea.Cmd {
	r := p.run
	p.run = nil
	now, loc := p.ctx.Now(), p.ctx.Policy.Loc()
	var entries []secret.Entry
	failures := append([]secret.Failure(nil), r.skipped...)
	var firstNew string
	for i := range r.results {
		o := &r.results[i]
		if o.err != nil {
			failures = append(failures, secret.Failure{Name: o.key.Name, Reason: app.Message(o.err)})
			continue
		}
		if firstNew == "" {
			firstNew = o.rot.New.ID
		}
		entries = append(entries, secret.Entry{Name: o.rot.New.Name, Type: o.rot.New.Type, Secret: o.rot.Secret,
			Note: "The " + strings.TrimPrefix(oldKeyFate(o.key, o.rot.Old, now, loc), "the ") + ".\nThe new key is valid through " + p.ctx.Policy.ValidThrough(o.rot.New.ExpiresAt).Human() + "."})
		o.rot.Secret = model.Secret{} // the panel holds the only copy now
	}
	for _, k := range r.keys[len(r.results):] {
		failures = append(failures, secret.Failure{Name: k.Name, Reason: "Not tried: the rotation was stopped."})
	}
	p.form = nil
	if firstNew != "" {
		p.refilter(firstNew)
	}

	title := "Key rotated"
	switch tried := len(r.keys) + len(r.skipped); {
	case !r.bulk:
	case len(entries) == 0:
		title = "No keys rotated"
	case len(failures) > 0:
		title = fmt.Sprintf("%d of %d keys rotated", len(entries), tried)
	default:
		title = fmt.Sprintf("%d keys rotated", len(entries))
	}
	p.secret = secret.New(p.ctx, entries...).WithTitle(title).WithFailures(failures)
	p.secret.SetSize(p.w, p.h)
	p.mode = secretMode

	var cmds []tea.Cmd
	switch {
	case !r.bulk:
		o := r.results[0]
		cmds = append(cmds, app.Info("Rotated “"+model.Sanitize(o.key.Name)+"”: "+oldKeyFate(o.key, o.rot.Old, now, loc)+"."))
	case len(failures) == 0:
		cmds = append(cmds, app.Info(fmt.Sprintf("Rotated %s.", plural(len(entries), "key"))))
	default:
		cmds = append(cmds, func() tea.Msg {
			return app.Status{Text: fmt.Sprintf("Rotated %d of %d keys; %d not rotated (listed with the reasons).",
				len(entries), len(r.keys)+len(r.skipped), len(failures)), Error: true}
		})
	}
	if len(failures) > len(r.skipped) {
		// A key changed by someone else fails with a conflict; fresh data lets
		// the admin retry the ones still marked. Loading first: its start
		// would clear the summary from the status line.
		cmds = append([]tea.Cmd{p.load()}, cmds...)
	}
	return tea.Sequence(cmds...)
}

// oldKeyFate says what became of the old key, as the end of a sentence.
func oldKeyFate(before, after model.Key, now time.Time, loc *time.Location) string {
	switch {
	case before.State(now) != model.KeyActive:
		return "the old key had expired"
	case !after.ExpiresAt.After(now):
		return "the old key stopped working"
	}
	return "the old key works until " + model.When(after.ExpiresAt, loc)
}

// rotationView is the progress of a bulk rotation: each key and where it is.
func (p *Page) rotationView() string {
	st := p.ctx.Styles
	r := p.run
	var b strings.Builder
	b.WriteString(st.PageTitle.Render(fmt.Sprintf("Rotating %d keys", len(r.keys))) + "\n")
	if r.grace > 0 {
		b.WriteString(st.Subtle.Render("Old keys keep working for "+graceName(r.grace)+", never past their expiry.") + "\n")
	} else {
		b.WriteString(st.Subtle.Render("Old keys stop at once.") + "\n")
	}
	if r.stopping && r.next < len(r.keys) {
		b.WriteString(st.Warn.Render("Stopping after “"+model.Sanitize(r.keys[r.next].Name)+"”: the keys after it won't be tried.") + "\n")
	}
	b.WriteString("\n")
	nameW := 0
	for _, k := range r.keys {
		nameW = max(nameW, len([]rune(model.Sanitize(k.Name))))
	}
	nameW = min(nameW, max(p.w/2, 12))
	rows := max(p.h-5, 1) // title, grace, stopping, blank and one spare
	first := max(min(r.next-rows/2, len(r.keys)-rows), 0)
	for i := first; i < len(r.keys) && i < first+rows; i++ {
		k := r.keys[i]
		name := fit(model.Sanitize(k.Name), nameW)
		switch {
		case i < len(r.results) && r.results[i].err != nil:
			b.WriteString(st.Error.Render("✗ "+name+"  failed: ") + st.Text.Render(app.Message(r.results[i].err)))
		case i < len(r.results):
			b.WriteString(st.OK.Render("✓ " + name + "  rotated"))
		case i == r.next:
			b.WriteString(st.Accent.Render("… " + name + "  rotating"))
		case r.stopping:
			b.WriteString(st.Subtle.Render("  " + name + "  won't be tried"))
		default:
			b.WriteString(st.Subtle.Render("  " + name + "  waiting"))
		}
		b.WriteString("\n")
	}
	return b.String()
}
