package keymap

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
)

func TestFitKeepsMustAndDropsTheLast(t *testing.T) {
	b := func(k, d string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, d)) }
	off := b("x", "off")
	off.SetEnabled(false)
	want := []key.Binding{b("enter", "submit"), off, b("shift+tab", "back"), b("/", "filter"), b("↑", "up")}
	esc := []key.Binding{b("esc", "cancel")}
	tests := []struct {
		width int
		shown string
	}{
		{200, "enter submit • shift+tab back • / filter • ↑ up • esc cancel"},
		{53, "enter submit • shift+tab back • / filter • esc cancel"},
		{52, "enter submit • shift+tab back • esc cancel"},
		{25, "enter submit • esc cancel"},
		{24, "esc cancel"},
		{0, "esc cancel"},
	}
	for _, tt := range tests {
		var parts []string
		for _, k := range Fit(want, esc, tt.width) {
			parts = append(parts, k.Help().Key+" "+k.Help().Desc)
		}
		if got := strings.Join(parts, " • "); got != tt.shown {
			t.Errorf("width %d: %q, want %q", tt.width, got, tt.shown)
		}
		if got := strings.Join(parts, " • "); len([]rune(got)) > tt.width && got != "esc cancel" {
			t.Errorf("width %d: %q is wider", tt.width, got)
		}
	}
}

// A page's esc binding stays however narrow the footer, in its place.
func TestFitKeepsEsc(t *testing.T) {
	b := func(keys []string, k, d string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, d))
	}
	want := []key.Binding{b([]string{"n"}, "n", "new"), b([]string{"enter"}, "enter", "details"),
		b([]string{"/"}, "/", "filter"), b([]string{"esc"}, "esc", "clear filter")}
	must := []key.Binding{b([]string{"?"}, "?", "help"), b([]string{"q"}, "q", "quit")}
	var parts []string
	for _, k := range Fit(want, must, 45) {
		parts = append(parts, k.Help().Key+" "+k.Help().Desc)
	}
	if got, wantS := strings.Join(parts, " • "), "n new • esc clear filter • ? help • q quit"; got != wantS {
		t.Errorf("%q, want %q", got, wantS)
	}
}
