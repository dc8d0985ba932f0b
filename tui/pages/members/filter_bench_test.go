package members

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/tui/app"
	"github.com/apikeys-dev/apikeys/tui/internal/fake"
	"github.com/apikeys-dev/apikeys/tui/keymap"
	"github.com/apikeys-dev/apikeys/tui/styles"
)

// page is a Members page over n members, without a client: the filter and
// the sort work on what is loaded.
func page(t testing.TB, n int) *Page {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ctx := app.NewContext(context.Background(), fake.Empty(t, fake.Owner), styles.New(lipgloss.DefaultRenderer()), keymap.Default(), func() time.Time { return now }, nil)
	p := New(ctx)
	for i := range n {
		p.all = append(p.all, model.Member{ID: fmt.Sprintf("mem_%06d", i), Name: fmt.Sprintf("Member %d 山田", i),
			Email: fmt.Sprintf("m%d@example.com", i), AccountType: model.AccountTypes[i%len(model.AccountTypes)],
			Status: model.StatusActive, CreatedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	return p
}

// Every word of the filter must match somewhere in the shown columns: "member 4"
// keeps 4, 14, 24, 34 and 40 to 49.
func TestFilterMatchesEveryShownColumn(t *testing.T) {
	p := page(t, 50)
	for q, want := range map[string]int{"": 50, "admin": 20, "security admin": 10, "m7@example": 1, "山田": 50, "active": 50, "deactivated": 0, "member 4": 14} {
		p.query = q
		p.refilter()
		if got := len(p.members.Items); got != want {
			t.Errorf("filter %q keeps %d members, want %d", q, got, want)
		}
	}
}

// BenchmarkRefilter is one filter keystroke over 10,000 members: match and
// sort again.
func BenchmarkRefilter(b *testing.B) {
	p := page(b, 10000)
	qs := []string{"a", "ad", "adm", "admi", "admin"}
	for i := 0; b.Loop(); i++ {
		p.query = qs[i%len(qs)]
		p.refilter()
	}
}
