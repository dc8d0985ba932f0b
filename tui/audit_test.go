package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// busyLog is the sample with n more events, newer than its own, about one
// filler key, the newest of them about key_busy (“Busy key”) too.
func busyLog(t *testing.T, n int) *fake.Client {
	c := fake.Sample(t, fake.Owner)
	c.Tamper(func(ctx context.Context, tx store.Tx) error {
		for i := range n {
			at := fake.Now.Add(-time.Duration(n-i) * time.Second)
			payload := `{"keyId":"key_filler","name":"Filler"}`
			if i == n-1 {
				payload = `{"keyId":"key_busy","name":"Busy key"}`
			}
			if err := tx.AppendEvent(ctx, model.AuditEvent{
				ID: fmt.Sprintf("evt_busy%04d", i), Type: model.EventApiKeyUpdated, EventTimestamp: at, IngestionTimestamp: at,
				Actor:  model.Actor{Type: model.ActorMember, ID: "mem_bot", Name: "Bot"},
				Source: model.SourceCLI, Payload: json.RawMessage(payload),
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return c
}

// Filtered by a key, the Audit log asks the backend for that key's events
// once — not every page of the log to keep those about it.
func TestAuditFilterByKeyIsTheBackends(t *testing.T) {
	c := busyLog(t, 450)
	s := start(t, c, 120, 36)
	s.listed()
	s.press(tea.KeyTab)
	s.typ("k")
	s.waitFor("(200+, all events")
	s.press(tea.KeyTab)
	before := len(c.EventQueries())
	s.typ("/")
	s.waitFor("Show events")
	s.toField("By")
	s.toField("About the key")
	s.typ("j") // the first key of the newest events: Busy key
	s.waitFor("› Busy key")
	s.press(tea.KeyEnter)
	s.waitFor("(1, events about Busy key")
	_, view := s.finish()
	qs := c.EventQueries()[before:]
	if len(qs) != 1 || qs[0].Key != "key_busy" || qs[0].Actor != "" || qs[0].PageToken != "" {
		t.Fatalf("ListEvents after the filter: %+v, want one query of key_busy's events\n%s", qs, view)
	}
}

// The wheel loads more of the log when it nears the end of what is loaded,
// as j and ↓ do.
func TestAuditWheelLoadsMore(t *testing.T) {
	for _, size := range [][2]int{{120, 36}, {80, 24}, {60, 16}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := startMouse(t, busyLog(t, 450), size[0], size[1])
			s.listed()
			s.press(tea.KeyTab)
			s.typ("k")
			s.waitFor("(200+, all events")
			s.press(tea.KeyTab)
			for range 200 / 3 {
				s.wheel(30, firstRow+1, true)
			}
			s.waitFor("(400+, all events")
			for range 200 / 3 {
				s.wheel(30, firstRow+1, true)
			}
			s.waitFor("(465, all events")
		})
	}
}

// Keys typed fast arrive as one message of several runes: ss sorts twice,
// as s, s does, on the keys page and on Members; into a text field the runes
// still go together.
func TestFastKeysAreSeparatePresses(t *testing.T) {
	runes := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	t.Run("keys", func(t *testing.T) {
		s := start(t, fake.Sample(t, fake.Owner), 120, 36)
		s.listed()
		s.tm.Send(runes("ss"))
		s.waitFor("· by type ▲")
		s.tm.Send(runes("sss"))
		s.waitFor("· by created ▼")
	})
	t.Run("members", func(t *testing.T) {
		s := start(t, fake.Sample(t, fake.Owner), 120, 36)
		s.openMembers()
		s.tm.Send(runes("ss"))
		s.waitFor("Sorted by account type ▲.")
	})
	t.Run("filter text", func(t *testing.T) {
		s := start(t, fake.Sample(t, fake.Owner), 120, 36)
		s.listed()
		s.typ("/")
		s.tm.Send(runes("bill"))
		s.waitFor("1/1 of 6")
	})
}
