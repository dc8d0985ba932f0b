package apikeys

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/pages/hygiene"
)

// openHygiene opens the key-hygiene view above the list: enter there opens a
// key's details as the list would, and what is done from them comes back here.
func (p *Page) openHygiene() tea.Cmd {
	return hygiene.Open(p.ctx, p, hygiene.Spec{
		Open:   func(from any, k model.Key) tea.Cmd { return app.Push(from, p.details(k)) },
		Result: func(pop app.Pop) tea.Cmd { return p.outcome(pop.Result) },
	}, p.keys.W, p.keys.H)
}
