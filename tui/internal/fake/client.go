package fake

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

// The client.Client methods: each lets the injected failure or hold through,
// then asks the real session.

// Me implements client.Client.
func (c *Client) Me(ctx context.Context) (model.Member, error) {
	if err := c.inject(ctx, "Me", ""); err != nil {
		return model.Member{}, err
	}
	return c.me.Me(ctx)
}

// Workspace implements client.Client.
func (c *Client) Workspace(ctx context.Context) (model.Workspace, error) {
	if err := c.inject(ctx, "Workspace", ""); err != nil {
		return model.Workspace{}, err
	}
	return c.me.Workspace(ctx)
}

// Policy implements client.Client.
func (c *Client) Policy() model.ExpiryPolicy { return c.me.Policy() }

// Now implements client.Client.
func (c *Client) Now() time.Time { return c.me.Now() }

// ListKeys implements client.Client.
func (c *Client) ListKeys(ctx context.Context, f client.KeyFilter) ([]model.Key, error) {
	if err := c.inject(ctx, "ListKeys", ""); err != nil {
		return nil, err
	}
	return c.me.ListKeys(ctx, f)
}

// ListKeysPage implements client.Client; holds and failures injected for
// "ListKeys" apply to it too (both read the key list), and those for
// "ListKeys:rest" to the pages after the first only.
func (c *Client) ListKeysPage(ctx context.Context, q client.KeyPageQuery) (client.KeyPage, error) {
	part := ""
	if q.After != nil {
		part = "rest"
	}
	if err := c.inject(ctx, "ListKeys", part); err != nil {
		return client.KeyPage{}, err
	}
	return c.me.ListKeysPage(ctx, q)
}

// GetKey implements client.Client.
func (c *Client) GetKey(ctx context.Context, id string) (model.Key, error) {
	if err := c.inject(ctx, "GetKey", id); err != nil {
		return model.Key{}, err
	}
	return c.me.GetKey(ctx, id)
}

// CreateKey implements client.Client.
func (c *Client) CreateKey(ctx context.Context, r client.CreateKeyRequest) (model.Key, model.Secret, error) {
	if err := c.inject(ctx, "CreateKey", ""); err != nil {
		return model.Key{}, model.Secret{}, err
	}
	return c.me.CreateKey(ctx, r)
}

// EditKey implements client.Client.
func (c *Client) EditKey(ctx context.Context, id string, r client.EditKeyRequest) (model.Key, error) {
	if err := c.inject(ctx, "EditKey", id); err != nil {
		return model.Key{}, err
	}
	return c.me.EditKey(ctx, id, r)
}

// DeleteKey implements client.Client.
func (c *Client) DeleteKey(ctx context.Context, id string, version int64) (model.Key, error) {
	if err := c.inject(ctx, "DeleteKey", id); err != nil {
		return model.Key{}, err
	}
	return c.me.DeleteKey(ctx, id, version)
}

// RotateKey implements client.Client.
func (c *Client) RotateKey(ctx context.Context, id string, r client.RotateKeyRequest) (client.Rotation, error) {
	if err := c.inject(ctx, "RotateKey", id); err != nil {
		return client.Rotation{}, err
	}
	return c.me.RotateKey(ctx, id, r)
}

// ListMembers implements client.Client.
func (c *Client) ListMembers(ctx context.Context) ([]model.Member, error) {
	if err := c.inject(ctx, "ListMembers", ""); err != nil {
		return nil, err
	}
	return c.me.ListMembers(ctx)
}

// AddMember implements client.Client.
func (c *Client) AddMember(ctx context.Context, r client.AddMemberRequest) (model.Member, error) {
	if err := c.inject(ctx, "AddMember", ""); err != nil {
		return model.Member{}, err
	}
	return c.me.AddMember(ctx, r)
}

// SetAccountType implements client.Client.
func (c *Client) SetAccountType(ctx context.Context, member string, t model.AccountType, version int64) (model.Member, error) {
	if err := c.inject(ctx, "SetAccountType", member); err != nil {
		return model.Member{}, err
	}
	return c.me.SetAccountType(ctx, member, t, version)
}

// Deactivate implements client.Client.
func (c *Client) Deactivate(ctx context.Context, member string, version int64) (model.Member, error) {
	if err := c.inject(ctx, "Deactivate", member); err != nil {
		return model.Member{}, err
	}
	return c.me.Deactivate(ctx, member, version)
}

// Reactivate implements client.Client.
func (c *Client) Reactivate(ctx context.Context, member string, version int64) (model.Member, error) {
	if err := c.inject(ctx, "Reactivate", member); err != nil {
		return model.Member{}, err
	}
	return c.me.Reactivate(ctx, member, version)
}

// AddSSHKey implements client.Client.
func (c *Client) AddSSHKey(ctx context.Context, member, authorizedKey string) (model.Member, error) {
	if err := c.inject(ctx, "AddSSHKey", member); err != nil {
		return model.Member{}, err
	}
	return c.me.AddSSHKey(ctx, member, authorizedKey)
}

// RemoveSSHKey implements client.Client.
func (c *Client) RemoveSSHKey(ctx context.Context, member, fingerprint string) (model.Member, error) {
	if err := c.inject(ctx, "RemoveSSHKey", member); err != nil {
		return model.Member{}, err
	}
	return c.me.RemoveSSHKey(ctx, member, fingerprint)
}

// ListEvents implements client.Client.
func (c *Client) ListEvents(ctx context.Context, f client.EventFilter) (client.EventPage, error) {
	c.mu.Lock()
	c.events = append(c.events, f)
	c.mu.Unlock()
	if err := c.inject(ctx, "ListEvents", ""); err != nil {
		return client.EventPage{}, err
	}
	return c.me.ListEvents(ctx, f)
}

// Subscribe implements client.Changes: the real backend's change feed, so a
// change made through another member's session (As) reaches the TUI as it
// would from another terminal.
func (c *Client) Subscribe(ctx context.Context) <-chan client.Notice { return c.me.Subscribe(ctx) }
