package rotation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/secret"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/pages/flows"
)

// run is a bulk rotation under way, as a flow. Keys are rotated one after the
// other, each in its own backend call (a tea.Cmd, so Update never waits), and
// every result is kept: when one fails the ones before stay rotated, their
// secrets are shown and the failure is listed by name; the rest are still
// tried. It ends by handing over to the secret panel, with Finished.
type run struct {
	app.Base
	ctx      *app.Context
	pl       *plan
	next     int       // the key being rotated
	results  []outcome // one per key done, in order
	stopping bool      // esc: finish the key in flight, try no more
	done     bool
	w, h     int
}

type outcome struct {
	key model.Key // as it was before
	rot client.Rotation
	err error
}

// rotated is one key's result, inside app.Done.
type rotated struct {
	r *run
	i int
	o outcome
}

func newRun(ctx *app.Context, pl *plan) *run { return &run{ctx: ctx, pl: pl} }

// Init implements app.Flow: the first key.
func (r *run) Init() tea.Cmd { return r.rotateNext() }

// Precious implements app.Flow: the new secrets are still to be shown, until
// the run hands them to the secret panel — it says so up to the moment it is
// off the stack, so nothing (a shutdown waiting for it) ends the program in
// between.
func (r *run) Precious() string {
	return "A rotation is under way; its new secrets haven't been shown yet."
}

// SetSize implements app.Flow.
func (r *run) SetSize(w, h int) { r.w, r.h = w, h }

// ShortHelp implements app.Flow.
func (r *run) ShortHelp() []key.Binding {
	if r.stopping {
		return nil
	}
	return []key.Binding{keymap.With(r.ctx.Keys.Back, "stop after this key")}
}

func (r *run) rotateNext() tea.Cmd {
	i := r.next
	k := r.pl.keys[i]
	req := client.RotateKeyRequest{Version: k.Version, Grace: r.pl.grace, Expires: r.pl.expires}
	c := r.ctx.Client
	return r.ctx.Call(fmt.Sprintf("Rotating %d of %d", i+1, len(r.pl.keys)), func(ctx context.Context) (tea.Msg, error) {
		rot, err := c.RotateKey(ctx, k.ID, req)
		return rotated{r: r, i: i, o: outcome{key: k, rot: rot, err: err}}, err
	})
}

// Update implements app.Flow.
func (r *run) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, r.ctx.Keys.Back):
			r.stopping = true
		case key.Matches(msg, r.ctx.Keys.Quit):
			// The run takes every key, so q would do nothing; it quits as
			// anywhere else, and the root asks first.
			return func() tea.Msg { return app.Quit{} }
		}
	case app.Done:
		m, ok := msg.Msg.(rotated)
		if !ok || m.r != r || r.done {
			return nil
		}
		r.results = append(r.results, m.o)
		r.next++
		if r.next < len(r.pl.keys) && !r.stopping {
			return r.rotateNext()
		}
		r.done = true
		fin := finish(r.ctx, r.pl, r.results)
		return app.Hand(r, fin, fin.panel)
	}
	return nil
}

// Finished is what a rotation did, the Result of its last flow: the page puts
// the new and old keys in its list and drops their marks.
type Finished struct {
	Rotated  []client.Rotation // without their secrets: the panel holds them
	Failed   bool              // some key failed (changed elsewhere, maybe): read the list again
	FirstNew string            // the first new key, to select

	panel  *flows.Secret
	status tea.Cmd
}

// finish opens the secret panel on every new secret, with the keys that got
// none and why.
func finish(ctx *app.Context, pl *plan, results []outcome) Finished {
	now, loc := ctx.Now(), ctx.Policy.Loc()
	var fin Finished
	var entries []secret.Entry
	failures := append([]secret.Failure(nil), pl.skipped...)
	for i := range results {
		o := &results[i]
		if o.err != nil {
			failures = append(failures, secret.Failure{Name: o.key.Name, Reason: app.Message(o.err)})
			fin.Failed = true
			continue
		}
		if fin.FirstNew == "" {
			fin.FirstNew = o.rot.New.ID
		}
		entries = append(entries, secret.Entry{Name: o.rot.New.Name, KeyID: o.rot.New.ID, Type: o.rot.New.Type, Secret: o.rot.Secret,
			Note: "The " + strings.TrimPrefix(oldKeyFate(o.key, o.rot.Old, now, loc), "the ") + ".\nThe new key is valid through " + ctx.Policy.ValidThrough(o.rot.New.ExpiresAt).Human() + "."})
		o.rot.Secret = model.Secret{} // the panel holds the only copy now
		fin.Rotated = append(fin.Rotated, o.rot)
	}
	for _, k := range pl.keys[len(results):] {
		failures = append(failures, secret.Failure{Name: k.Name, Reason: "Not tried: the rotation was stopped."})
	}

	title := "Key rotated"
	switch tried := len(pl.keys) + len(pl.skipped); {
	case !pl.bulk:
	case len(entries) == 0:
		title = "No keys rotated"
	case len(failures) > 0:
		title = fmt.Sprintf("%d of %d keys rotated", len(entries), tried)
	default:
		title = fmt.Sprintf("%d keys rotated", len(entries))
	}
	fin.panel = flows.NewSecret(ctx, secret.New(ctx, entries...).WithTitle(title).WithFailures(failures))

	switch {
	case !pl.bulk:
		o := results[0]
		fin.status = app.Info("Rotated “" + model.Sanitize(o.key.Name) + "”: " + oldKeyFate(o.key, o.rot.Old, now, loc) + ".")
	case len(failures) == 0:
		fin.status = app.Info(fmt.Sprintf("Rotated %s.", plural(len(entries), "key")))
	default:
		text := fmt.Sprintf("Rotated %d of %d keys; %d not rotated (listed with the reasons).",
			len(entries), len(pl.keys)+len(pl.skipped), len(failures))
		fin.status = app.Problem(text)
	}
	return fin
}

// Status is the status line's summary of the rotation.
func (f Finished) Status() tea.Cmd { return f.status }

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

// View implements app.Flow: each key and where it is.
func (r *run) View() string {
	st := r.ctx.Styles
	keys := r.pl.keys
	var b strings.Builder
	b.WriteString(st.PageTitle.Render(fmt.Sprintf("Rotating %d keys", len(keys))) + "\n")
	if r.pl.grace > 0 {
		b.WriteString(st.Subtle.Render("Old keys keep working for "+graceName(r.pl.grace)+", never past their expiry.") + "\n")
	} else {
		b.WriteString(st.Subtle.Render("Old keys stop at once.") + "\n")
	}
	if r.stopping && r.next < len(keys) {
		b.WriteString(st.Warn.Render("Stopping after “"+model.Sanitize(keys[r.next].Name)+"”: the keys after it won't be tried.") + "\n")
	}
	b.WriteString("\n")
	nameW := 0
	for _, k := range keys {
		nameW = max(nameW, len([]rune(model.Sanitize(k.Name))))
	}
	nameW = min(nameW, max(r.w/2, 12))
	rows := max(r.h-5, 1) // title, grace, stopping, blank and one spare
	first := max(min(r.next-rows/2, len(keys)-rows), 0)
	for i := first; i < len(keys) && i < first+rows; i++ {
		k := keys[i]
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

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
