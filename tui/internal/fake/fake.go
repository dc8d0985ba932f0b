// Package fake is an in-memory client.Client for the TUI's tests, benchmarks and
// trial runs: fixed clock, fixed data, deterministic ids and secrets, the
// permission matrix and version checks of the real backend, and errors that a
// test can inject per method.
package fake

import (
	"context"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

// Client is the fake. Its fields may be set before the TUI starts; afterwards
// use its methods, which lock.
type Client struct {
	mu sync.Mutex

	Clock     time.Time
	Pol       model.ExpiryPolicy
	WS        model.Workspace
	MeID      string
	Members   []model.Member
	Keys      []model.Key // newest first, as the backend returns them
	Events    []model.AuditEvent
	Fail      map[string]error // method name → error to return
	holds     map[string]chan struct{}
	seq       int
	secretSeq int
}

var _ client.Client = (*Client)(nil)

// SetFail makes method return err from now on (nil clears it).
func (c *Client) SetFail(method string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Fail == nil {
		c.Fail = map[string]error{}
	}
	c.Fail[method] = err
}

func (c *Client) fail(method string) error {
	if c.Fail == nil {
		return nil
	}
	return c.Fail[method]
}

// Me implements client.Client.
func (c *Client) Me(context.Context) (model.Member, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("Me"); err != nil {
		return model.Member{}, err
	}
	return c.me(), nil
}

func (c *Client) me() model.Member {
	for _, m := range c.Members {
		if m.ID == c.MeID {
			return m
		}
	}
	return model.Member{}
}

// Workspace implements client.Client.
func (c *Client) Workspace(context.Context) (model.Workspace, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.WS, c.fail("Workspace")
}

// Policy implements client.Client.
func (c *Client) Policy() model.ExpiryPolicy { return c.Pol }

// Now implements client.Client.
func (c *Client) Now() time.Time { return c.Clock }

// ListKeys implements client.Client: every live key, newest first.
func (c *Client) ListKeys(context.Context, client.KeyFilter) ([]model.Key, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("ListKeys"); err != nil {
		return nil, err
	}
	if err := model.Require(c.me().AccountType, model.ActViewKeys, ""); err != nil {
		return nil, err
	}
	out := make([]model.Key, 0, len(c.Keys))
	for _, k := range c.Keys {
		if k.DeletedAt == nil {
			out = append(out, k)
		}
	}
	return out, nil
}

// GetKey implements client.Client.
func (c *Client) GetKey(_ context.Context, id string) (model.Key, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("GetKey"); err != nil {
		return model.Key{}, err
	}
	for _, k := range c.Keys {
		if k.ID == id {
			return k, nil
		}
	}
	return model.Key{}, model.NotFound("No key %s.", id)
}

// CreateKey implements client.Client.
func (c *Client) CreateKey(_ context.Context, r client.CreateKeyRequest) (model.Key, model.Secret, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("CreateKey"); err != nil {
		return model.Key{}, model.Secret{}, err
	}
	me := c.me()
	if err := model.Require(me.AccountType, model.ActManageKeys, r.Type); err != nil {
		return model.Key{}, model.Secret{}, err
	}
	name, err := model.ValidateName(r.Name)
	if err != nil {
		return model.Key{}, model.Secret{}, err
	}
	if err := c.Pol.Check(r.Expires, c.Clock); err != nil {
		return model.Key{}, model.Secret{}, err
	}
	c.secretSeq++
	s := Secret(r.Type, c.secretSeq)
	c.seq++
	k := model.Key{
		ID: fmt.Sprintf("key_new%09d", c.seq), Name: name, Type: r.Type, Hint: s.Hint(), Hash: s.Hash(),
		CreatedAt: c.Clock, CreatedBy: me.ID, CreatedByName: me.Name,
		ExpiresAt: c.Pol.ExpiresAt(r.Expires), UpdatedAt: c.Clock, UpdatedBy: me.ID, UpdatedByName: me.Name, Version: 1,
	}
	c.Keys = append([]model.Key{k}, c.Keys...)
	return k, s, nil
}

func (c *Client) key(id string, version int64) (*model.Key, error) {
	for i := range c.Keys {
		k := &c.Keys[i]
		if k.ID != id || k.DeletedAt != nil {
			continue
		}
		if err := model.Require(c.me().AccountType, model.ActManageKeys, k.Type); err != nil {
			return nil, err
		}
		if version != 0 && version != k.Version {
			return nil, model.Conflict("Key “%s” was changed by %s since you opened it — reload.", model.Sanitize(k.Name), model.Sanitize(k.UpdatedByName))
		}
		return k, nil
	}
	return nil, model.NotFound("No key %s.", id)
}

// EditKey implements client.Client.
func (c *Client) EditKey(_ context.Context, id string, r client.EditKeyRequest) (model.Key, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("EditKey"); err != nil {
		return model.Key{}, err
	}
	k, err := c.key(id, r.Version)
	if err != nil {
		return model.Key{}, err
	}
	if r.Name != nil {
		n, err := model.ValidateName(*r.Name)
		if err != nil {
			return model.Key{}, err
		}
		k.Name = n
	}
	if r.Expires != nil {
		if k.State(c.Clock) == model.KeyExpired {
			return model.Key{}, model.Invalid("expires", "Key “%s” has expired and can't be extended: rotate it instead.", model.Sanitize(k.Name))
		}
		if err := c.Pol.Check(*r.Expires, c.Clock); err != nil {
			return model.Key{}, err
		}
		k.ExpiresAt = c.Pol.ExpiresAt(*r.Expires)
	}
	me := c.me()
	k.Version++
	k.UpdatedAt, k.UpdatedBy, k.UpdatedByName = c.Clock, me.ID, me.Name
	return *k, nil
}

// DeleteKey implements client.Client.
func (c *Client) DeleteKey(_ context.Context, id string, version int64) (model.Key, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("DeleteKey"); err != nil {
		return model.Key{}, err
	}
	k, err := c.key(id, version)
	if err != nil {
		return model.Key{}, err
	}
	now := c.Clock
	k.DeletedAt = &now
	k.Version++
	return *k, nil
}

// ListMembers implements client.Client.
func (c *Client) ListMembers(context.Context) ([]model.Member, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("ListMembers"); err != nil {
		return nil, err
	}
	if err := model.Require(c.me().AccountType, model.ActViewMembers, ""); err != nil {
		return nil, err
	}
	return slices.Clone(c.Members), nil
}

// AddMember implements client.Client.
func (c *Client) AddMember(_ context.Context, r client.AddMemberRequest) (model.Member, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("AddMember"); err != nil {
		return model.Member{}, err
	}
	if err := model.Require(c.me().AccountType, model.ActManageMembers, ""); err != nil {
		return model.Member{}, err
	}
	name, err := model.ValidateMemberName(r.Name)
	if err != nil {
		return model.Member{}, err
	}
	email, err := model.NormalizeEmail(r.Email)
	if err != nil {
		return model.Member{}, err
	}
	for _, m := range c.Members {
		if strings.EqualFold(m.Email, email) {
			return model.Member{}, model.Conflict("%s is already a member.", email)
		}
	}
	c.seq++
	m := model.Member{ID: fmt.Sprintf("mem_new%09d", c.seq), Name: name, Email: email, AccountType: r.AccountType,
		Status: model.StatusActive, CreatedAt: c.Clock, UpdatedAt: c.Clock, Version: 1}
	for _, line := range r.SSHKeys {
		k, err := model.ParseSSHKey(line)
		if err != nil {
			return model.Member{}, err
		}
		k.AddedAt = c.Clock
		m.SSHKeys = append(m.SSHKeys, k)
	}
	c.Members = append(c.Members, m)
	return m, nil
}

func (c *Client) member(id string, version int64) (*model.Member, error) {
	if err := model.Require(c.me().AccountType, model.ActManageMembers, ""); err != nil {
		return nil, err
	}
	for i := range c.Members {
		m := &c.Members[i]
		if m.ID == id || strings.EqualFold(m.Email, id) {
			if version != 0 && version != m.Version {
				return nil, model.Conflict("Member “%s” changed since you opened it — reload.", model.Sanitize(m.Name))
			}
			return m, nil
		}
	}
	return nil, model.NotFound("No member %s.", id)
}

// SetAccountType implements client.Client.
func (c *Client) SetAccountType(_ context.Context, id string, t model.AccountType, version int64) (model.Member, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("SetAccountType"); err != nil {
		return model.Member{}, err
	}
	m, err := c.member(id, version)
	if err != nil {
		return model.Member{}, err
	}
	m.AccountType = t
	m.Version++
	return *m, nil
}

// Deactivate implements client.Client.
func (c *Client) Deactivate(_ context.Context, id string, version int64) (model.Member, error) {
	return c.setStatus("Deactivate", id, version, model.StatusDeactivated)
}

// Reactivate implements client.Client.
func (c *Client) Reactivate(_ context.Context, id string, version int64) (model.Member, error) {
	return c.setStatus("Reactivate", id, version, model.StatusActive)
}

func (c *Client) setStatus(method, id string, version int64, s model.MemberStatus) (model.Member, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail(method); err != nil {
		return model.Member{}, err
	}
	m, err := c.member(id, version)
	if err != nil {
		return model.Member{}, err
	}
	m.Status = s
	m.Version++
	return *m, nil
}

// AddSSHKey implements client.Client.
func (c *Client) AddSSHKey(context.Context, string, string) (model.Member, error) {
	return model.Member{}, model.Invalid("", "Not in the fake.")
}

// RemoveSSHKey implements client.Client.
func (c *Client) RemoveSSHKey(context.Context, string, string) (model.Member, error) {
	return model.Member{}, model.Invalid("", "Not in the fake.")
}

// ListEvents implements client.Client: newest first, filtered by type, paged
// by offset tokens.
func (c *Client) ListEvents(_ context.Context, f client.EventFilter) (client.EventPage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fail("ListEvents"); err != nil {
		return client.EventPage{}, err
	}
	if err := model.Require(c.me().AccountType, model.ActReadAudit, ""); err != nil {
		return client.EventPage{}, err
	}
	var evs []model.AuditEvent
	for _, e := range c.Events {
		if len(f.Types) == 0 || slices.Contains(f.Types, e.Type) {
			evs = append(evs, e)
		}
	}
	start := 0
	fmt.Sscanf(f.PageToken, "%d", &start)
	limit := f.Limit
	if limit == 0 {
		limit = model.MaxEventPageSize
	}
	end := min(start+limit, len(evs))
	pg := client.EventPage{Events: evs[min(start, end):end]}
	if end < len(evs) {
		pg.NextPageToken = fmt.Sprint(end)
	}
	return pg, nil
}

// Secret is a well-formed secret for t whose body is a function of n, so test
// frames are stable.
func Secret(t model.KeyType, n int) model.Secret {
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	body := []byte("Fake0Secret0For0Tests0Only000000")
	for i, x := 0, n; i < 6; i, x = i+1, x/62 {
		body[len(body)-1-i] = base62[x%62]
	}
	head := "apk_" + t.Prefix() + "_" + string(body)
	sum := uint64(crc32.ChecksumIEEE([]byte(head)))
	var crc [6]byte
	for i := 5; i >= 0; i-- {
		crc[i] = base62[sum%62]
		sum /= 62
	}
	s, _, err := model.ParseSecret(head + string(crc[:]))
	if err != nil {
		panic(err)
	}
	return s
}

// Touch records a change to key id by someone else, as another admin's edit
// would: the copy the TUI holds becomes stale.
func (c *Client) Touch(id, by string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.Keys {
		if c.Keys[i].ID == id {
			c.Keys[i].Version++
			c.Keys[i].UpdatedByName = by
		}
	}
}

// Key returns the stored key with this id.
func (c *Client) Key(id string) (model.Key, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.Keys {
		if k.ID == id {
			return k, true
		}
	}
	return model.Key{}, false
}

// Member returns the stored member with this id.
func (c *Client) Member(id string) (model.Member, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.Members {
		if m.ID == id {
			return m, true
		}
	}
	return model.Member{}, false
}

// Rename changes a key's name as another member would, behind the TUI's back.
func (c *Client) Rename(id, name, by string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.Keys {
		if c.Keys[i].ID == id {
			c.Keys[i].Name = name
			c.Keys[i].Version++
			c.Keys[i].UpdatedByName = by
		}
	}
}
