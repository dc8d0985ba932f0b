// Package keymap holds every key binding of the TUI in one place. Pages pick the
// bindings that apply to them; the help bar shows only the enabled ones.
package keymap

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/x/ansi"
)

// KeyMap is the TUI's bindings: every key the TUI answers is bound here.
type KeyMap struct {
	// Global.
	Quit      key.Binding // q, never while typing
	ForceQuit key.Binding // ctrl+c, always
	Help      key.Binding
	NextFocus key.Binding
	PrevFocus key.Binding
	Reload    key.Binding
	Back      key.Binding

	// Lists.
	Up, Down         key.Binding
	Top, Bottom      key.Binding
	PageUp, PageDown key.Binding
	Open             key.Binding
	Filter           key.Binding
	Sort, Reverse    key.Binding // next sort column; reverse the order

	// Actions.
	New    key.Binding
	Edit   key.Binding
	Delete key.Binding
	Rotate key.Binding
	Copy   key.Binding
	// CopyAll copies every new secret of a bulk rotation as NAME=SECRET lines.
	CopyAll key.Binding
	// CopyID copies the selected key's id (yank, as in vi).
	CopyID key.Binding

	// Marks for bulk rotation, and the expiring-soon view a rotation round
	// starts from.
	Mark    key.Binding
	MarkAll key.Binding
	Soon    key.Binding
	// Hygiene opens the key-hygiene view (never used, idle, owner gone…).
	Hygiene key.Binding

	// Key details: follow the rotation chain.
	RotatedFrom key.Binding
	ReplacedBy  key.Binding

	// Members.
	SetType      key.Binding
	ToggleActive key.Binding
	AddSSHKey    key.Binding
	RemoveSSHKey key.Binding

	// Audit log.
	EventType key.Binding

	// IP allow lists: link keys to a list (or lists to a key), set the default.
	Link    key.Binding
	Default key.Binding
}

// Default is the keymap the help bar and the README's key table show.
func Default() *KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return &KeyMap{
		Quit:      b([]string{"q"}, "q", "quit"),
		ForceQuit: b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Help:      b([]string{"?"}, "?", "help"),
		NextFocus: b([]string{"tab"}, "tab", "switch pane"),
		PrevFocus: b([]string{"shift+tab"}, "shift+tab", "switch pane"),
		Reload:    b([]string{"ctrl+r"}, "ctrl+r", "reload"),
		Back:      b([]string{"esc"}, "esc", "back"),

		Up:       b([]string{"k", "up"}, "↑/k", "up"),
		Down:     b([]string{"j", "down"}, "↓/j", "down"),
		Top:      b([]string{"g", "home"}, "g", "first"),
		Bottom:   b([]string{"G", "end"}, "G", "last"),
		PageUp:   b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Open:     b([]string{"enter"}, "enter", "details"),
		Filter:   b([]string{"/"}, "/", "filter"),
		Sort:     b([]string{"s"}, "s", "sort"),
		Reverse:  b([]string{"S"}, "S", "reverse"),

		New:    b([]string{"n"}, "n", "new"),
		Edit:   b([]string{"e"}, "e", "edit"),
		Delete: b([]string{"d"}, "d", "delete"),
		Rotate: b([]string{"r"}, "r", "rotate"),
		Copy:   b([]string{"c"}, "c", "copy"),

		CopyAll: b([]string{"C"}, "C", "copy all"),
		CopyID:  b([]string{"y"}, "y", "copy id"),
		Mark:    b([]string{" "}, "space", "mark"),
		MarkAll: b([]string{"a"}, "a", "mark all shown"),
		// "!" rather than x: x deactivates on the Members page, and one key
		// should not mean "look" on one page and "act" on another.
		Soon:    b([]string{"!"}, "!", "expiring soon"),
		Hygiene: b([]string{"h"}, "h", "hygiene"),

		RotatedFrom: b([]string{"["}, "[", "rotated from"),
		ReplacedBy:  b([]string{"]"}, "]", "replaced by"),

		SetType:      b([]string{"t"}, "t", "account type"),
		ToggleActive: b([]string{"x"}, "x", "deactivate"),
		AddSSHKey:    b([]string{"+"}, "+", "add SSH key"),
		RemoveSSHKey: b([]string{"-"}, "-", "remove SSH key"),

		EventType: b([]string{"t"}, "t", "event type"),

		Link:    b([]string{"l"}, "l", "allow lists"),
		Default: b([]string{"*"}, "*", "default"),
	}
}

// With returns a copy of b with other help text, for a page that gives a shared
// key its own meaning ("n add member").
func With(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// Form is the huh keymap for forms: esc aborts (ctrl+c stays the program's own
// quit, handled before the form sees it).
func (k *KeyMap) Form() *huh.KeyMap {
	m := huh.NewDefaultKeyMap()
	m.Quit = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
	// In a select's filter esc ends the filter (the form lets it through, see
	// form.Form.Update); once it has ended, esc cancels the form as everywhere.
	// huh's "esc clear filter" would be offered then but never reached: a
	// binding with no keys is never enabled, so it neither matches nor shows.
	m.Select.SetFilter.SetHelp("esc", "end filter")
	m.Select.ClearFilter = key.NewBinding()
	m.MultiSelect.SetFilter.SetHelp("esc", "end filter")
	m.MultiSelect.ClearFilter = key.NewBinding()
	return m
}

// Fit keeps as many of want, in order, as fit in width cells beside must, then
// must: when a part offers more than fits, its last bindings give way rather
// than the ones in must ("? help", "q quit"). A binding of esc in want ("esc
// cancel", "esc clear filter") never gives way either: it is the way back out.
// want should come most important first. Disabled bindings are left out.
func Fit(want, must []key.Binding, width int) []key.Binding {
	const sep = 3 // " • "
	cells := func(b key.Binding) int {
		h := b.Help()
		return ansi.StringWidth(h.Key) + 1 + ansi.StringWidth(h.Desc)
	}
	isEsc := func(b key.Binding) bool { return slices.Contains(b.Keys(), "esc") }
	used := 0 // every binding kept and its separator; the line is used-sep wide
	for _, b := range must {
		used += cells(b) + sep
	}
	for _, b := range want {
		if b.Enabled() && isEsc(b) {
			used += cells(b) + sep
		}
	}
	var out []key.Binding
	full := false
	for _, b := range want {
		switch {
		case !b.Enabled():
		case isEsc(b):
			out = append(out, b)
		case full || used+cells(b) > width:
			full = true
		default:
			out = append(out, b)
			used += cells(b) + sep
		}
	}
	return append(out, must...)
}
