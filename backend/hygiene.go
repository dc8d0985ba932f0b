package backend

import (
	"context"
	"sort"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// KeyUsage is one key's checks per workspace day over the last days days
// (1 to model.UsageKeptDays; 0: model.UsageTotalDays), oldest first, every day
// present (zero when nothing was counted). Whoever may see key usage may see it.
func (s *Session) KeyUsage(ctx context.Context, keyID string, days int) ([]model.UsageDay, error) {
	if _, err := s.require(ctx, s.b.store, model.ActViewUsage, ""); err != nil {
		return nil, err
	}
	if days == 0 {
		days = model.UsageTotalDays
	}
	if days < 1 || days > model.UsageKeptDays {
		return nil, model.Invalid("days", "Days must be between 1 and %d.", model.UsageKeptDays)
	}
	k, err := keyByID(ctx, s.b.store, keyID)
	if err != nil {
		return nil, err
	}
	now, loc := s.b.Now(), s.b.policy.Loc()
	counts, err := s.b.store.KeyUsage(ctx, k.ID, model.UsageFrom(now, loc, days))
	if err != nil {
		return nil, err
	}
	var out []model.UsageDay
	for _, c := range counts {
		if len(out) == 0 || out[len(out)-1].Day != c.Day {
			out = append(out, model.UsageDay{Day: c.Day})
		}
		d := &out[len(out)-1]
		if c.Reason == "" {
			d.Uses += c.N
			continue
		}
		if d.Refused == nil {
			d.Refused = map[string]int64{}
		}
		d.Refused[c.Reason] += c.N
	}
	return model.FillUsageDays(out, now, loc, days), nil
}

// UsageTotals is every key's checks over the last days days (0:
// model.UsageTotalDays) by key id, read in one query; keys never checked in
// that window are absent.
func (s *Session) UsageTotals(ctx context.Context, days int) (map[string]model.UsageTotal, error) {
	if _, err := s.require(ctx, s.b.store, model.ActViewUsage, ""); err != nil {
		return nil, err
	}
	return s.b.usageTotals(ctx, days)
}

func (b *Backend) usageTotals(ctx context.Context, days int) (map[string]model.UsageTotal, error) {
	if days == 0 {
		days = model.UsageTotalDays
	}
	if days < 1 || days > model.UsageKeptDays {
		return nil, model.Invalid("days", "Days must be between 1 and %d.", model.UsageKeptDays)
	}
	return b.usageFrom(ctx, model.UsageFrom(b.Now(), b.policy.Loc(), days))
}

// usageFrom is every key's checks from day from (YYYY-MM-DD) on, by key id:
// one read.
func (b *Backend) usageFrom(ctx context.Context, from string) (map[string]model.UsageTotal, error) {
	counts, err := b.store.UsageTotals(ctx, from)
	if err != nil {
		return nil, err
	}
	out := map[string]model.UsageTotal{}
	for _, c := range counts {
		t := out[c.KeyID]
		if c.Reason == "" {
			t.Uses += c.N
		} else {
			t.Refused += c.N
		}
		out[c.KeyID] = t
	}
	return out, nil
}

// HealthQuery tunes the hygiene buckets.
type HealthQuery struct {
	IdleDays       int           // "idle for N days"; 0: model.DefaultIdleDays
	ExpiringWithin time.Duration // 0: model.ExpiringSoon
	// Filter picks the keys, as ListKeys does; zero: every live key.
	Filter KeyFilter
}

// KeyHealth is one live key with what the hygiene view, `keys list` filters
// and the credential report show of it.
type KeyHealth struct {
	Key        model.Key             `json:"key"`
	Buckets    []model.HygieneBucket `json:"buckets"`
	Usage      model.UsageTotal      `json:"usage30d"`   // the last model.UsageTotalDays days
	AllowLists []string              `json:"allowLists"` // the names of the key's own lists
	OwnerEmail string                `json:"ownerEmail,omitempty"`
	State      string                `json:"state"`
	// UsesSinceReplaced is a replaced key's uses counted on or after the day
	// it was replaced (model.HygieneFacts); 0 for other keys, and for one
	// whose last use already says it is in use.
	UsesSinceReplaced int64 `json:"usesSinceReplaced,omitempty"`
	// ReplacedOn is the workspace day (YYYY-MM-DD) UsesSinceReplaced counts
	// from, when it was read.
	ReplacedOn string `json:"replacedOn,omitempty"`
}

// KeyHealth lists every live key (as ListKeys does, newest first; q.Filter
// picks some) with its hygiene buckets (model.Hygiene, the one source of
// them), 30-day usage and allow lists. One pass over reads made once, whatever
// the number of keys: the keys (tombstones too, for when a replaced key's
// successor was made), members, allow lists and their links, the 30-day
// totals; and, for replaced keys whose last use is older than their
// replacement, one total per distinct day of replacement (a bulk rotation is
// one day).
func (s *Session) KeyHealth(ctx context.Context, q HealthQuery) ([]KeyHealth, error) {
	if _, err := s.require(ctx, s.b.store, model.ActViewUsage, ""); err != nil {
		return nil, err
	}
	all, err := s.b.store.Keys(ctx, store.KeyQuery{IncludeDeleted: true})
	if err != nil {
		return nil, err
	}
	members, err := s.b.store.Members(ctx)
	if err != nil {
		return nil, err
	}
	byMember := make(map[string]model.Member, len(members))
	for _, m := range members {
		byMember[m.ID] = m
	}
	lists, err := s.b.store.AllowLists(ctx)
	if err != nil {
		return nil, err
	}
	links, err := s.b.store.AllowListLinks(ctx)
	if err != nil {
		return nil, err
	}
	usage, err := s.b.usageTotals(ctx, model.UsageTotalDays)
	if err != nil {
		return nil, err
	}
	listName, hasDefault := map[string]string{}, false
	for _, l := range lists {
		listName[l.ID] = l.Name
		hasDefault = hasDefault || l.Default
	}
	own := map[string][]string{}
	for _, l := range links {
		own[l.KeyID] = append(own[l.KeyID], listName[l.ListID])
	}
	created := make(map[string]time.Time, len(all))
	for _, k := range all {
		created[k.ID] = k.CreatedAt
	}
	now, loc := s.b.Now(), s.b.policy.Loc()
	out := make([]KeyHealth, 0, len(all))
	facts := make([]model.HygieneFacts, 0, len(all))
	since := map[string][]int{} // replacement day → the keys (indices into out) to count from it
	for _, k := range all {
		if !s.b.listed(k, q.Filter, now) {
			continue
		}
		owner, known := byMember[k.OwnerID]
		f := model.HygieneFacts{Now: now, Policy: s.b.policy, IdleDays: q.IdleDays, ExpiringWithin: q.ExpiringWithin,
			OwnerActive: !known || owner.Active(), OwnAllowLists: len(own[k.ID]), DefaultList: hasDefault,
			ReplacedAt: created[k.ReplacedBy]}
		if k.State(now) == model.KeyReplaced && !model.UsedSinceReplaced(k, f) && !f.ReplacedAt.IsZero() {
			day := model.ReplacedDay(f.ReplacedAt, loc)
			since[day] = append(since[day], len(out))
		}
		names := own[k.ID]
		sort.Strings(names)
		if names == nil {
			names = []string{}
		}
		out = append(out, KeyHealth{Key: k, Usage: usage[k.ID], AllowLists: names, OwnerEmail: owner.Email, State: k.State(now).String()})
		facts = append(facts, f)
	}
	for day, at := range since {
		from, err := s.b.usageFrom(ctx, day)
		if err != nil {
			return nil, err
		}
		for _, i := range at {
			n := from[out[i].Key.ID].Uses
			out[i].UsesSinceReplaced, facts[i].UsesSinceReplaced, out[i].ReplacedOn = n, n, day
		}
	}
	for i := range out {
		out[i].Buckets = model.Hygiene(out[i].Key, facts[i])
	}
	return out, nil
}
