package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// memo keeps one rendered part of the frame with the inputs it was drawn from.
// The header, sidebar and help line change far less often than frames are
// drawn — Bubble Tea draws after every message, and a session's start alone is
// several — and lipgloss's borders, padding and width measuring were most of
// a frame's cost: a burst of SSH sign-ins paid it in every session.
type memo struct {
	key, val string
	ok       bool
}

// get returns the part drawn for key, drawing it with draw when key changed.
// key must hold everything the drawing depends on.
func (c *memo) get(key string, draw func() string) string {
	if !c.ok || c.key != key {
		c.key, c.val, c.ok = key, draw(), true
	}
	return c.val
}

// bindingsKey identifies a list of bindings by what the help line shows of them.
func bindingsKey(b *strings.Builder, bs []key.Binding) {
	for _, k := range bs {
		h := k.Help()
		b.WriteString(h.Key)
		b.WriteByte(0)
		b.WriteString(h.Desc)
		if k.Enabled() {
			b.WriteByte(1)
		} else {
			b.WriteByte(2)
		}
	}
	b.WriteByte(3)
}

// joinBeside puts right beside left, line by line. It gives what
// lipgloss.JoinHorizontal(lipgloss.Top, left, right) gives when left's lines are
// all leftWidth cells wide, right's all one width too (block makes them so), and
// both have as many lines, without measuring every line again; when the line
// counts differ or left's width isn't uniform (-1) it is lipgloss.JoinHorizontal.
func joinBeside(left []string, leftWidth int, right string) string {
	rl := strings.Split(right, "\n")
	if len(rl) != len(left) || leftWidth < 0 {
		return lipgloss.JoinHorizontal(lipgloss.Top, strings.Join(left, "\n"), right)
	}
	n := 0
	for i := range left {
		n += len(left[i]) + len(rl[i]) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for i := range left {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(left[i])
		b.WriteString(rl[i])
	}
	return b.String()
}

// uniformWidth is the width every line of lines has, or -1 if they differ.
func uniformWidth(lines []string) int {
	w := -1
	for i, l := range lines {
		lw := ansi.StringWidth(l)
		if i == 0 {
			w = lw
		} else if lw != w {
			return -1
		}
	}
	return w
}
