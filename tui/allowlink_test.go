package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// On a large workspace the link form (l) offers the newest keys and those
// linked, read by page and by id, not every key: it opens at once over a
// million. A linked key far down the list is still there, checked.
func TestAllowListLinkFormReadsAPage(t *testing.T) {
	b, owner, _ := allowWorkspace(t)
	o := mustSession(t, b, owner)
	ctx := context.Background()
	exp := b.Policy().Today(b.Now()).AddDays(30)
	for i := range 500 {
		if _, _, err := o.CreateKey(ctx, backend.CreateKeyRequest{Name: fmt.Sprintf("Zed %03d", i), Type: model.KeyImport, Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	s := startReal(t, b, owner)
	s.waitFor("/504 · by")
	s.press(tea.KeyTab)
	s.typ("k")
	s.waitFor("198.51.100.7/32")
	s.press(tea.KeyTab)
	s.typ("l")
	s.waitFor("Shown: the 500 newest keys")
	_, view := s.finish()
	if !strings.Contains(view, "[x] Exports") {
		t.Errorf("the linked key, older than the 500 newest, is not offered checked:\n%s", view)
	}
}
