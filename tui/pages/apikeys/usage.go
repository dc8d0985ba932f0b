package apikeys

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/components/detail"
	"github.com/apikeys-dev/apikeys/tui/components/sparkline"
	"github.com/apikeys-dev/apikeys/tui/components/table"
)

// usageDays is how many days the details' sparkline shows (SPEC §12).
const usageDays = model.UsageTotalDays

// usageRead is a key's last usageDays days, read for its details.
type usageRead struct {
	id   string
	days []model.UsageDay
}

// loadUsage reads k's use for the details, quietly; nothing when the client
// can't say.
func (p *Page) loadUsage(id string) tea.Cmd {
	h, ok := p.ctx.Hygiene()
	if !ok {
		return nil
	}
	return p.ctx.Quiet("Reading the use of "+id, func(ctx context.Context) (tea.Msg, error) {
		days, err := h.KeyUsage(ctx, id, usageDays)
		return usageRead{id, days}, err
	})
}

// usageLabel is the longest label the usage fields add, for the width of the
// sparkline.
const usageLabel = "Last 30 days"

// usageFields are k's sparkline (a second line marks the days with refusals)
// and totals, once read.
func (p *Page) usageFields(k model.Key) []detail.Field {
	u, ok := p.usage[k.ID]
	if !ok {
		return nil
	}
	st := p.ctx.Styles
	days := make([]sparkline.Day, len(u.days))
	refused := map[string]int{}
	for i, d := range u.days {
		days[i].Uses = int(d.Uses)
		for r, n := range d.Refused {
			days[i].Refusals += int(n)
			refused[r] += int(n)
		}
	}
	total := sparkline.Totals(days)
	count := fmt.Sprintf("  %s", plural(total.Uses, "use"))
	// The bars get what the label and the count leave, up to a cell a day.
	room := p.keys.W - ansi.StringWidth(usageLabel) - 2 - ansi.StringWidth(count)
	cells := sparkline.Cells(days, min(max(room, 5), len(days)))
	bars, marks := sparkline.Bars(cells), sparkline.Marks(cells)
	out := []detail.Field{{Label: usageLabel, Value: bars + count, Styled: func(s string) string {
		b, rest := splitAt(s, len([]rune(bars)))
		return st.Accent.Render(b) + st.Value.Render(rest)
	}}}
	if marks != "" {
		legend := "  " + string(sparkline.Refused) + " refusals"
		pad := strings.Repeat(" ", len(cells)-len([]rune(marks)))
		out = append(out, detail.Field{Value: marks + pad + legend, Styled: func(s string) string {
			m, rest := splitAt(s, len(cells))
			return st.Error.Render(m) + st.Subtle.Render(rest)
		}})
	}
	v := "none"
	if total.Refusals > 0 {
		reasons := slices.Sorted(maps.Keys(refused))
		slices.SortStableFunc(reasons, func(a, b string) int { return refused[b] - refused[a] })
		parts := make([]string, len(reasons))
		for i, r := range reasons {
			parts[i] = fmt.Sprintf("%d %s", refused[r], strings.ReplaceAll(r, "_", " "))
		}
		v = fmt.Sprintf("%d (%s)", total.Refusals, strings.Join(parts, ", "))
	}
	return append(out, detail.Field{Label: "Refused", Value: v})
}

// splitAt splits s after n runes.
func splitAt(s string, n int) (string, string) {
	r := []rune(s)
	n = min(n, len(r))
	return string(r[:n]), string(r[n:])
}

// usesTitle heads the list's column of every key's uses in the last 30 days.
const usesTitle = "Uses (30d)"

// usesRead is every key's last 30 days, for the list's column.
type usesRead map[string]model.UsageTotal

const usesLabel = "Reading the keys' uses"

// loadUses reads every key's 30-day uses, in one call, when their column
// shows (from 120 columns on) and they weren't read since the page was
// signed in or reloaded; nothing at a narrower size, or when the member may
// not see usage or the client can't say. A read that fails leaves the column
// blank until ctrl+r.
func (p *Page) loadUses() tea.Cmd {
	if p.usesAsked || !p.ctx.Can(model.ActViewUsage, "") || !slices.Contains(p.keys.Table.Shown(), usesTitle) {
		return nil
	}
	h, ok := p.ctx.Hygiene()
	if !ok {
		return nil
	}
	p.usesAsked = true
	return p.ctx.Quiet(usesLabel, func(ctx context.Context) (tea.Msg, error) {
		m, err := h.UsageTotals(ctx, model.UsageTotalDays)
		return usesRead(m), err
	})
}

// usesCell is a key's uses in the last 30 days; blank until read.
func usesCell(uses map[string]model.UsageTotal, id string) (string, table.Tone) {
	if uses == nil {
		return "", table.Dim
	}
	n := uses[id].Uses
	if n == 0 {
		return "0", table.Dim
	}
	return thousands(int(n)), table.Normal
}

// usageUpdate takes a usage read; it reports whether msg was one.
func (p *Page) usageUpdate(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case app.SignedIn:
		p.usesAsked = false
	case app.Done:
		if msg.Label == usesLabel {
			if m, ok := msg.Msg.(usesRead); ok && msg.Err == nil {
				p.list.uses = m
			}
			return nil, true
		}
		u, ok := msg.Msg.(usageRead)
		if !ok {
			return nil, false
		}
		if msg.Err == nil {
			p.usage[u.id] = u
			if p.shown != nil && p.shown.Row().(model.Key).ID == u.id {
				p.shown.Set(p.shown.Row())
			}
		}
		return nil, true
	case app.Changed:
		// A key's use comes with its last use: read it again for the
		// details on screen.
		if p.shown != nil {
			if id := p.shown.Row().(model.Key).ID; msg.About(client.NoticeKey, id) {
				return p.loadUsage(id), false
			}
		}
	case app.Reload:
		p.usesAsked = false // read again, with the list
		if p.shown != nil {
			return p.loadUsage(p.shown.Row().(model.Key).ID), false
		}
	}
	return nil, false
}

// ownerField is who answers for k: its creator until it is transferred.
func (p *Page) ownerField(k model.Key) detail.Field {
	return detail.Field{Label: "Owner", Value: model.Sanitize(k.OwnerName)}
}
