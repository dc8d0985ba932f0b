package fake

import (
	"context"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

// Hygiene is Sample with a key in every bucket of the hygiene view (SPEC §12),
// each made and used through the backend: "Legacy CI import", never used
// since 60 days ago; "Quarterly report", last used 120 days ago; "Frank's
// export", whose owner Frank left; "Billing import", expiring within 14 days;
// the replaced "Partner import", still called in its grace; and every key,
// since no IP allow list exists. "SIEM audit stream" is used on most of the
// last 30 days and refused on some (a wrong type, as a misconfigured client
// would be), for its details' sparkline.
func Hygiene(t testing.TB, me string) *Client {
	c := fromSnapshot(t, "hygiene", seedHygiene)
	c.signIn(me)
	return c
}

const Frank = "mem_frank"

func seedHygiene(c *Client) {
	seedSample(c)
	ctx := context.Background()
	ago := func(d int) time.Time { return Now.AddDate(0, 0, -d) }
	c.clock.Set(ago(60))
	c.create(WorkspaceAdmin, "key_legacy", 30, "Legacy CI import", model.KeyImport, 2027, time.March, 1)
	c.clock.Set(ago(200))
	report := c.create(Owner, "key_report", 31, "Quarterly report", model.KeyExport, 2026, time.November, 30)
	c.use(report, ago(120))
	c.clock.Set(ago(100))
	c.gen.pin(Frank, 0)
	c.check(c.As(Owner).AddMember(ctx, backend.AddMemberRequest{Name: "Frank Moss", Email: "frank@acme.test", AccountType: model.WorkspaceAdmin}))
	c.clock.Set(ago(90))
	frank := c.create(Frank, "key_frank", 32, "Frank's export", model.KeyExport, 2027, time.February, 1)
	c.use(frank, ago(3))
	c.clock.Set(ago(2))
	c.check(c.As(Owner).Deactivate(ctx, Frank, 0))
	// SIEM: uses on most days, more lately; a few refusals as a client
	// sending it to the import API.
	siem := Secret(model.KeyAuditLogs, 3)
	for d := 21; d >= 1; d-- {
		for i := range (d * 7) % 5 {
			c.use(siem, ago(d).Add(time.Duration(i)*time.Hour))
		}
		if d%6 == 0 {
			c.refuse(siem, model.KeyImport, ago(d))
		}
	}
	c.use(siem, Now.Add(-5*time.Minute))
	c.clock.Set(Now)
}

// refuse presents a key's secret for the wrong type at a time, as a
// misconfigured client would: a refusal for a known key.
func (c *Client) refuse(s model.Secret, want model.KeyType, at time.Time) {
	c.t.Helper()
	was := c.clock.Now()
	c.clock.Set(at)
	defer c.clock.Set(was)
	ctx := context.Background()
	if _, err := c.b.Authenticate(ctx, s.Reveal(), want, "192.0.2.30"); err == nil {
		c.t.Fatalf("refuse %s: it was accepted", s.Hint())
	}
	if err := c.b.Flush(ctx); err != nil {
		c.t.Fatal(err)
	}
}

// The client.Hygiene methods, as the client.Client ones: the injected failure
// or hold, then the real session.

var _ client.Hygiene = (*Client)(nil)

// KeyUsage implements client.Hygiene.
func (c *Client) KeyUsage(ctx context.Context, keyID string, days int) ([]model.UsageDay, error) {
	if err := c.inject(ctx, "KeyUsage", keyID); err != nil {
		return nil, err
	}
	return c.me.KeyUsage(ctx, keyID, days)
}

// UsageTotals implements client.Hygiene.
func (c *Client) UsageTotals(ctx context.Context, days int) (map[string]model.UsageTotal, error) {
	if err := c.inject(ctx, "UsageTotals", ""); err != nil {
		return nil, err
	}
	return c.me.UsageTotals(ctx, days)
}

// KeyHealth implements client.Hygiene.
func (c *Client) KeyHealth(ctx context.Context, q client.HealthQuery) ([]client.KeyHealth, error) {
	if err := c.inject(ctx, "KeyHealth", ""); err != nil {
		return nil, err
	}
	return c.me.KeyHealth(ctx, q)
}

// TransferKey implements client.Hygiene.
func (c *Client) TransferKey(ctx context.Context, keyID, member string, version int64) (model.Key, error) {
	if err := c.inject(ctx, "TransferKey", keyID); err != nil {
		return model.Key{}, err
	}
	return c.me.TransferKey(ctx, keyID, member, version)
}

// OwnedKeys implements client.Hygiene.
func (c *Client) OwnedKeys(ctx context.Context, member string) ([]model.Key, error) {
	if err := c.inject(ctx, "OwnedKeys", member); err != nil {
		return nil, err
	}
	return c.me.OwnedKeys(ctx, member)
}

// DeactivateTransfer implements client.Hygiene.
func (c *Client) DeactivateTransfer(ctx context.Context, member string, version int64, transferTo string) (model.Member, []model.Key, error) {
	if err := c.inject(ctx, "DeactivateTransfer", member); err != nil {
		return model.Member{}, nil, err
	}
	return c.me.DeactivateTransfer(ctx, member, version, transferTo)
}

// RetireKey implements client.Hygiene.
func (c *Client) RetireKey(ctx context.Context, keyID string, version int64) (model.Key, error) {
	if err := c.inject(ctx, "RetireKey", keyID); err != nil {
		return model.Key{}, err
	}
	return c.me.RetireKey(ctx, keyID, version)
}
