package backend

import (
	"context"
	"errors"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// CheckError is the result KeyChecked receives when the store failed, so no
// decision was made.
const CheckError = "error"

// CheckValid is the result KeyChecked receives for a key that was accepted.
const CheckValid = "valid"

// checked tells Config.KeyChecked how one presented key was judged: CheckValid,
// a refusal reason, or CheckError.
func (b *Backend) checked(reason string, err error) {
	if b.onCheck == nil {
		return
	}
	switch {
	case err != nil:
		reason = CheckError
	case reason == "":
		reason = CheckValid
	}
	b.onCheck(reason)
}

// Ping says whether the store answers: it reads the workspace (a missing one
// answers too). Readiness probes call it; give ctx a short deadline.
func (b *Backend) Ping(ctx context.Context) error {
	_, err := b.store.Workspace(ctx)
	if errors.Is(err, model.ErrNotFound) {
		return nil
	}
	return err
}

// KeyStats counts keys for monitoring.
type KeyStats struct {
	// ByTypeState counts every key, tombstones included, by type and state.
	ByTypeState map[model.KeyType]map[model.KeyState]int
	// ExpiringWithin counts keys that still work and whose last valid day (in the
	// workspace zone) is no later than the day the span asked for ends.
	ExpiringWithin int
}

// KeyStats counts the workspace's keys by type and state, and those that stop
// working within the given span. It reads the store (the SQLite store answers
// from its in-memory list) and needs no member: it is the server's own view.
func (b *Backend) KeyStats(ctx context.Context, within time.Duration) (KeyStats, error) {
	all, err := b.store.Keys(ctx, store.KeyQuery{IncludeDeleted: true})
	if err != nil {
		return KeyStats{}, err
	}
	now := b.Now()
	horizon := model.DateOf(now.Add(within), b.policy.Loc())
	st := KeyStats{ByTypeState: map[model.KeyType]map[model.KeyState]int{}}
	for _, t := range model.KeyTypes {
		st.ByTypeState[t] = map[model.KeyState]int{}
	}
	for _, k := range all {
		s := k.State(now)
		if st.ByTypeState[k.Type] == nil {
			st.ByTypeState[k.Type] = map[model.KeyState]int{}
		}
		st.ByTypeState[k.Type][s]++
		if k.Valid(now) && !b.policy.ValidThrough(k.ExpiresAt).After(horizon) {
			st.ExpiringWithin++
		}
	}
	return st, nil
}
