package fake

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/internal/testkit"
	"github.com/apikeys-dev/apikeys/model"
)

// Now is the clock of the sample workspace once it is made: 1 Jul 2026, 10:00 UTC.
var Now = time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)

// Member ids of the sample workspace, one per account type.
const (
	Owner          = "mem_ana"
	SecurityAdmin  = "mem_ben"
	WorkspaceAdmin = "mem_chloe"
	Builder        = "mem_dev"
)

// policy is the sample workspace's: UTC, the default maximum lifetime.
var policy = model.ExpiryPolicy{Location: time.UTC, MaxLifetimeDays: model.DefaultMaxLifetimeDays}

// Empty is the sample workspace "Acme Corp" with its members and no keys, signed
// in as me. It is made through the backend, as its members would have made it
// over the last year, so its audit log tells that story.
func Empty(t testing.TB, me string) *Client {
	c := fromSnapshot(t, "empty", seedMembers)
	c.signIn(me)
	return c
}

func seedMembers(c *Client) {
	ctx := context.Background()
	c.clock.Set(Now.AddDate(-1, 0, 0))
	c.gen.pin("ws_acme", 0)
	c.gen.pin(Owner, 0)
	if _, _, err := c.b.Bootstrap(ctx, "Acme Corp", "Ana Lima", "ana@acme.test", nil); err != nil {
		c.t.Fatal(err)
	}
	ana := c.as(Owner, 300*24*time.Hour)
	c.check(ana.AddSSHKey(ctx, Owner, testkit.FixedSSHKey(1, "ana@laptop").Line))
	for _, m := range []struct {
		id, name, email string
		at              model.AccountType
		daysAgo         int
	}{
		{SecurityAdmin, "Ben Ortiz", "ben@acme.test", model.SecurityAdmin, 200},
		{WorkspaceAdmin, "Chloé Martin", "chloe@acme.test", model.WorkspaceAdmin, 150},
		{Builder, "Dev Patel", "dev@acme.test", model.Builder, 90},
		{"mem_eve", "Eve Adams", "eve@acme.test", model.RegularMember, 60},
	} {
		c.clock.Set(Now.AddDate(0, 0, -m.daysAgo))
		c.gen.pin(m.id, 0)
		c.check(ana.AddMember(ctx, backend.AddMemberRequest{Name: m.name, Email: m.email, AccountType: m.at}))
	}
	c.check(c.as(WorkspaceAdmin, 5*24*time.Hour).Deactivate(ctx, "mem_eve", 0))
	c.clock.Set(Now)
}

// Sample is the sample workspace with keys in every state — active, expiring
// soon, expired, replaced and in grace, and the key that replaced it — made and
// used through the backend at the times they show, signed in as me.
func Sample(t testing.TB, me string) *Client {
	c := fromSnapshot(t, "sample", seedSample)
	c.signIn(me)
	return c
}

func seedSample(c *Client) {
	seedMembers(c)
	ctx := context.Background()
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	c.clock.Set(day(2, 5))
	partner := c.create(WorkspaceAdmin, "key_partner1", 5, "Partner import", model.KeyImport, 2026, time.August, 5)
	c.clock.Set(day(3, 2))
	meta := c.create(Owner, "key_meta", 4, "Old metadata sync", model.KeyModelingMetadata, 2026, time.June, 15)
	c.clock.Set(day(6, 10))
	siem := c.create(SecurityAdmin, "key_siem", 3, "SIEM", model.KeyAuditLogs, 2026, time.September, 28)
	c.use(meta, Now.Add(-20*24*time.Hour))
	c.clock.Set(day(6, 20))
	billing := c.create(WorkspaceAdmin, "key_billing", 2, "Billing import", model.KeyImport, 2026, time.July, 13)
	name := "SIEM audit stream"
	c.check(c.as(SecurityAdmin, 8*24*time.Hour).EditKey(ctx, "key_siem", backend.EditKeyRequest{Name: &name}))
	c.use(billing, Now.Add(-72*time.Hour))
	c.clock.Set(Now.Add(-21 * time.Hour))
	ana, _ := c.Member(Owner)
	if err := c.b.RecordSSHSession(ctx, ana, ana.SSHKeys[0].Fingerprint, "192.0.2.10:52144"); err != nil {
		c.t.Fatal(err)
	}
	c.clock.Set(Now.Add(-20 * time.Hour))
	export := c.create(Owner, "key_export", 1, "Nightly export to S3", model.KeyExport, 2027, time.July, 1)
	c.use(export, Now.Add(-2*time.Hour))
	c.gen.pin("key_partner2", 6)
	until := model.Date{Year: 2026, Month: time.December, Day: 28}
	c.check(c.as(WorkspaceAdmin, time.Hour).RotateKey(ctx, "key_partner1", backend.RotateKeyRequest{Grace: 24 * time.Hour, Expires: &until}))
	c.use(partner, Now.Add(-10*time.Minute))
	c.use(siem, Now.Add(-5*time.Minute))
	c.clock.Set(Now)
}

// ExpiringSoon is Sample with two more keys in the expiring-soon window, so a
// rotation round has several keys to mark.
func ExpiringSoon(t testing.TB, me string) *Client {
	c := fromSnapshot(t, "expiring soon", func(c *Client) {
		seedSample(c)
		c.clock.Set(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
		c.create(WorkspaceAdmin, "key_hooks", 20, "Webhook export", model.KeyExport, 2026, time.July, 4)
		c.clock.Set(time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC))
		c.create(SecurityAdmin, "key_audit2", 21, "Audit archive", model.KeyAuditLogs, 2026, time.July, 15)
		c.clock.Set(Now)
	})
	c.signIn(me)
	return c
}

// Many is the sample workspace with n generated keys, newest first, for
// benchmarks: written to the store in one transaction, since making 100,000 keys
// one request at a time would take minutes and test nothing more.
func Many(t testing.TB, me string, n int) *Client {
	c := fromSnapshot(t, fmt.Sprint("many ", n), func(c *Client) {
		seedMembers(c)
		seedMany(c, n)
	})
	c.signIn(me)
	return c
}

func seedMany(c *Client, n int) {
	types := model.KeyTypes
	c.Tamper(func(ctx context.Context, tx store.Tx) error {
		for i := range n {
			kt := types[i%len(types)]
			created := Now.Add(-time.Duration(i) * time.Minute)
			used := created.Add(time.Duration(i%90) * time.Minute)
			id := fmt.Sprintf("key_%012d", n-i)
			err := tx.InsertKey(ctx, model.Key{
				ID: id, Name: fmt.Sprintf("Service %d %s", n-i, kt.Label()), Type: kt,
				Hint: fmt.Sprintf("apk_%s_%04d…%04d", kt.Prefix(), i%10000, (i*7)%10000), Hash: model.HashSecret(id),
				CreatedAt: created, CreatedBy: Owner, ExpiresAt: policy.ExpiresAt(policy.Today(Now).AddDays(1 + i%360)),
				LastUsedAt: &used, UpdatedAt: created, UpdatedBy: Owner, Version: 1,
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// as is a session of member with the clock moved to ago before now.
func (c *Client) as(member string, ago time.Duration) *backend.Session {
	c.clock.Set(Now.Add(-ago))
	return c.As(member)
}

// create makes a key as member at the clock's time, with a pinned id and secret.
func (c *Client) create(member, id string, secret int, name string, kt model.KeyType, y int, m time.Month, d int) model.Secret {
	c.t.Helper()
	c.gen.pin(id, secret)
	_, s, err := c.As(member).CreateKey(context.Background(), backend.CreateKeyRequest{
		Name: name, Type: kt, Expires: model.Date{Year: y, Month: m, Day: d},
	})
	if err != nil {
		c.t.Fatalf("sample key %s: %v", id, err)
	}
	return s
}

// use authenticates with a key's secret at a time, as an API client would, so
// the key shows when it was last used.
func (c *Client) use(s model.Secret, at time.Time) {
	c.t.Helper()
	was := c.clock.Now()
	c.clock.Set(at)
	defer c.clock.Set(was)
	ctx := context.Background()
	_, kt, _ := model.ParseSecret(s.Reveal())
	if _, err := c.b.Authenticate(ctx, s.Reveal(), kt, "192.0.2.20"); err != nil {
		c.t.Fatalf("use %s: %v", s.Hint(), err)
	}
	if err := c.b.Flush(ctx); err != nil {
		c.t.Fatal(err)
	}
}

// check fails the test on a seeding step's error.
func (c *Client) check(_ any, err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatalf("sample: %v", err)
	}
}
