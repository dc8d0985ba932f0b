package backend

import (
	"context"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Relink is one link or unlink of keys to a list, as one step of a change a
// form makes at once (a key's lists chosen, a list's keys chosen).
type Relink struct {
	List   string // id or name
	KeyIDs []string
	Link   bool // false: unlink
}

// DryRunRelink is which keys these links and unlinks, made together, would
// refuse from which of their recent addresses; it changes nothing. A form that
// changes several links at once asks this, not one DryRunLinkAllowList per
// list: a key losing one list and gaining another is judged on the result.
func (s *Session) DryRunRelink(ctx context.Context, steps []Relink) ([]RefusedKey, error) {
	for _, st := range steps {
		if len(st.KeyIDs) == 0 {
			return nil, model.Invalid("key", "Name at least one key id.")
		}
	}
	return s.dryRun(ctx, func(tx store.Tx) error {
		for _, st := range steps {
			if err := s.relinkIn(ctx, tx, st.List, st.KeyIDs, st.Link); err != nil {
				return err
			}
		}
		return nil
	})
}
