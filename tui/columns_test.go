package tui

import (
	"testing"

	"github.com/apikeys-dev/apikeys/tui/internal/fake"
)

// At 80 columns the Audit log keeps what an event was about (Subject) and
// drops where it came from (Source) first.
func TestGoldenAuditLogAt80x24(t *testing.T) {
	s := start(t, fake.Sample(t, fake.Owner), 80, 24)
	s.openAuditLog()
	s.waitFor("› 2026-07-01 09:00")
	s.golden()
}
