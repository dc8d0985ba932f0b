package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

func TestWebhooksCLI(t *testing.T) {
	c := newCLI(t)
	var got []http.Header
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got = append(got, r.Header.Clone())
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()

	if out := c.ok("webhooks", "list"); !strings.Contains(out, "No webhooks yet") {
		t.Errorf("empty list: %q", out)
	}
	add := okJSON[contract.CreatedWebhook](c, "webhooks", "add", "--url", rcv.URL+"/hook", "--event", "key.expiring,key.created", "--description", "On-call")
	if !strings.HasPrefix(add.Secret, "whsec_") || add.Webhook.SecretHint != add.Secret[:10]+"…" {
		t.Fatalf("add printed %+v", add)
	}
	list := okJSON[[]contract.Webhook](c, "webhooks", "list")
	if len(list) != 1 || list[0].ID != add.Webhook.ID || !list[0].Enabled {
		t.Fatalf("list = %+v", list)
	}
	if out := c.ok("webhooks", "list", "--json"); strings.Contains(out, add.Secret) {
		t.Error("the listing shows the signing secret")
	}

	out := c.ok("webhooks", "test", add.Webhook.ID)
	if !strings.Contains(out, "delivered: 204") || len(got) != 1 || got[0].Get("webhook-signature") == "" {
		t.Errorf("test printed %q; receiver got %v", out, got)
	}
	if ua := got[0].Get("User-Agent"); !strings.HasPrefix(ua, "apikeys/") {
		t.Errorf("User-Agent %q", ua)
	}
	// The ping's delivery reads like any listed one: its attempts a list.
	ping := okJSON[contract.WebhookTest](c, "webhooks", "test", add.Webhook.ID)
	if ping.Attempt.Status != 204 || len(ping.Delivery.Attempts) != 1 || ping.Delivery.Attempts[0] != ping.Attempt {
		t.Errorf("test --json = %+v", ping)
	}
	ds := okJSON[[]contract.WebhookDelivery](c, "webhooks", "deliveries", add.Webhook.ID)
	if len(ds) != 2 || ds[0].Event != string(model.HookPing) || ds[0].State != string(model.DeliveryDelivered) || len(ds[0].Attempts) != 1 || ds[0].Attempts[0].Status != 204 {
		t.Errorf("deliveries = %+v", ds)
	}

	if out := c.ok("webhooks", "disable", add.Webhook.ID); !strings.Contains(out, "is disabled") {
		t.Errorf("disable: %q", out)
	}
	c.createKey("Nightly", "import", "+30d")
	if ds := okJSON[[]contract.WebhookDelivery](c, "webhooks", "deliveries"); len(ds) != 2 {
		t.Errorf("a disabled endpoint got a delivery queued: %+v", ds)
	}
	c.ok("webhooks", "enable", add.Webhook.ID)
	c.ok("webhooks", "remove", add.Webhook.ID)
	refused(t, c.run("webhooks", "remove", add.Webhook.ID), "No webhook with id")
	refused(t, c.run("webhooks", "add", "--url", "ftp://x", "--event", "key.created"), "must start with http")
	refused(t, c.run("webhooks", "add", "--url", "https://x.example", "--event", "key.exploded"), "Unknown webhook event")

	// A workspace admin may not manage webhooks.
	c.ok("members", "add", "--name", "Wanda", "--email", "wanda@example.com", "--type", "workspace-admin")
	refused(t, c.run("--as", "wanda@example.com", "webhooks", "list"), "You need to be a Security Admin to manage webhooks.")
}

func TestWebhooksTestFailureExitsOne(t *testing.T) {
	c := newCLI(t)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer rcv.Close()
	add := okJSON[contract.CreatedWebhook](c, "webhooks", "add", "--url", rcv.URL, "--event", "key.created")
	refused(t, c.run("webhooks", "test", add.Webhook.ID), "the receiver answered 500")
}

func TestSSHExpiryBannerLine(t *testing.T) {
	c := newCLI(t)
	c.createKey("Soon", "import", "+3d")
	c.createKey("Later", "import", "+60d")
	b := c.openBackend()
	var buf bytes.Buffer
	ms := okJSON[[]memberJSON](c, "members", "list")
	m, err := b.Member(context.Background(), ms[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	printExpiryBanner(context.Background(), b, m, &buf)
	c.ok("members", "add", "--name", "Sam", "--email", "sam@example.com", "--type", "security-admin")
	sam, _ := b.Member(context.Background(), "sam@example.com")
	var none bytes.Buffer
	printExpiryBanner(context.Background(), b, sam, &none) // may not manage import keys
	if none.Len() != 0 {
		t.Errorf("banner for a security admin: %q", none.String())
	}
	if want := "apikeys: 1 key expires within 7 days (keys list --expiring-within 7d)\n"; buf.String() != want {
		t.Errorf("banner %q, want %q", buf.String(), want)
	}
}
