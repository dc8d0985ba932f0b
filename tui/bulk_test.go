package tui

import (
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// a over more than 100 keys asks again with the count.
func TestGoldenMarkAllConfirm(t *testing.T) {
	s := start(t, fake.Many(t, fake.Owner, 150), gw, gh)
	s.waitFor("1/150 · by created") // every part loaded: a marks what is shown
	s.typ("a")
	s.waitFor("Mark all 150 keys shown for rotation? Press a again")
	s.golden()
}

// Only a second a marks them; any other key is a no.
func TestMarkAllOverAHundredNeedsASecondA(t *testing.T) {
	marked := func(m *Model) int { return len(m.pages[m.keysPage()].(interface{ Marked() []string }).Marked()) }
	s := start(t, fake.Many(t, fake.Owner, 150), gw, gh)
	s.waitFor("1/150 · by created") // every part loaded: a marks what is shown
	s.typ("a")
	s.waitFor("Mark all 150 keys")
	s.typ("j")
	s.waitFor("›  Service 149")
	s.typ("a") // asks again: the j was a no
	s.typ("a")
	s.waitFor("150 marked")
	m, _ := s.finish()
	if n := marked(m); n != 150 {
		t.Errorf("%d marked, want 150", n)
	}

	s = start(t, fake.Many(t, fake.Owner, 150), gw, gh)
	s.waitFor("1/150 · by created") // every part loaded: a marks what is shown
	s.typ("a")
	s.waitFor("Mark all 150 keys")
	s.typ("j")
	s.waitFor("›  Service 149")
	if m, _ := s.finish(); marked(m) != 0 {
		t.Errorf("a then j marked %d keys", marked(m))
	}
}

// A bulk result of more secrets than fit says they can be taken at once,
// and C copies them all.
func TestGoldenBulkResultCopyAll(t *testing.T) {
	s := start(t, fake.Many(t, fake.Owner, 20), gw, gh)
	s.waitFor("Service 20")
	s.typ("a")
	s.waitFor("20 marked")
	s.rotateMarked()
	s.waitFor("20 secrets: C copies them all")
	s.typ("C")
	s.waitFor("Sent 20 secrets as NAME=SECRET lines")
	s.golden()
	if strings.Contains(s.clip.String(), "apk_") {
		// OSC 52 carries base64: a secret in the clear went out unencoded.
		t.Error("a secret went to the terminal unencoded")
	}
}
