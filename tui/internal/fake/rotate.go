package fake

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

// RotateKey implements client.Client with the backend's rules (backend/rotate.go):
// permission and version checks, a replaced key refused, the grace never past the
// old key's own expiry, and the old key's lifetime again by default. A test makes
// one key's rotation fail with SetFail("RotateKey:"+id, err).
func (c *Client) RotateKey(ctx context.Context, id string, r client.RotateKeyRequest) (client.Rotation, error) {
	if err := c.wait(ctx, "RotateKey:"+id); err != nil {
		return client.Rotation{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("RotateKey"); err != nil {
		return client.Rotation{}, err
	}
	if err := c.fail("RotateKey:" + id); err != nil {
		return client.Rotation{}, err
	}
	if err := model.CheckGrace(r.Grace); err != nil {
		return client.Rotation{}, err
	}
	if r.Expires != nil {
		if err := c.Pol.Check(*r.Expires, c.Clock); err != nil {
			return client.Rotation{}, err
		}
	}
	old, err := c.key(id, r.Version)
	if err != nil {
		return client.Rotation{}, err
	}
	if old.ReplacedBy != "" {
		return client.Rotation{}, model.Invalid("key", "Key “%s” was already rotated; rotate its replacement %s instead.", model.Sanitize(old.Name), old.ReplacedBy)
	}
	expires := DefaultRotationExpiry(c.Pol, *old, c.Clock)
	if r.Expires != nil {
		expires = *r.Expires
	}
	me := c.me()
	c.secretSeq++
	s := Secret(old.Type, c.secretSeq)
	c.seq++
	nk := model.Key{
		ID: fmt.Sprintf("key_new%09d", c.seq), Name: old.Name, Type: old.Type, Hint: s.Hint(), Hash: s.Hash(),
		CreatedAt: c.Clock, CreatedBy: me.ID, CreatedByName: me.Name, ExpiresAt: c.Pol.ExpiresAt(expires),
		RotatedFrom: old.ID, UpdatedAt: c.Clock, UpdatedBy: me.ID, UpdatedByName: me.Name, Version: 1,
	}
	if end := c.Clock.Add(r.Grace); end.Before(old.ExpiresAt) {
		old.ExpiresAt = end
	}
	old.ReplacedBy = nk.ID
	old.Version++
	old.UpdatedAt, old.UpdatedBy, old.UpdatedByName = c.Clock, me.ID, me.Name
	rot := client.Rotation{Old: *old, New: nk, Secret: s}
	c.Keys = append([]model.Key{nk}, c.Keys...)
	return rot, nil
}

// DefaultRotationExpiry is the backend's default for a rotation's new key: the
// old key's lifetime again from today, within the allowed range.
func DefaultRotationExpiry(p model.ExpiryPolicy, k model.Key, now time.Time) model.Date {
	days := int(math.Ceil(k.ExpiresAt.Sub(k.CreatedAt).Hours() / 24))
	d := p.Today(now).AddDays(days)
	if lo := p.Earliest(now); d.Before(lo) {
		d = lo
	}
	if hi := p.Latest(now); d.After(hi) {
		d = hi
	}
	return d
}

// Hold makes calls of method (or "RotateKey:"+id for one key) wait until
// release is called, so a test can look at the TUI while a call is in flight.
func (c *Client) Hold(method string) (release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holds == nil {
		c.holds = map[string]chan struct{}{}
	}
	ch := make(chan struct{})
	c.holds[method] = ch
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// wait blocks while method is held, or until ctx ends.
func (c *Client) wait(ctx context.Context, method string) error {
	c.mu.Lock()
	ch := c.holds[method]
	c.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
