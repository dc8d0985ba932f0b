package backend

import (
	"context"
	"errors"
	"slices"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// AddWebhookRequest is what `webhooks add` and the TUI's form send.
type AddWebhookRequest struct {
	URL         string
	Events      []model.WebhookEvent
	Format      model.WebhookFormat // "": standard
	Description string
}

// DeliveryFilter narrows ListDeliveries.
type DeliveryFilter struct {
	EndpointID string // empty: every endpoint
	Limit      int    // 0: 50
}

// DeliveryView is a delivery with its attempts, for `webhooks deliveries`.
type DeliveryView struct {
	model.WebhookDelivery
	Log []model.WebhookAttempt `json:"attemptLog"`
}

// hookState is the process's side of webhooks: a wake-up for its delivery worker
// when a local transaction has enqueued something, so that a delivery does not
// wait for the worker's next poll.
type hookState struct{ ch chan struct{} }

func newHookState() hookState { return hookState{ch: make(chan struct{}, 1)} }

func (h hookState) wake() {
	select {
	case h.ch <- struct{}{}:
	default:
	}
}

// WebhookWake fires after a transaction of this process enqueued deliveries.
func (b *Backend) WebhookWake() <-chan struct{} { return b.hooks.ch }

// ListWebhooks lists the endpoints (secrets left out: only their hints).
func (s *Session) ListWebhooks(ctx context.Context) ([]model.WebhookEndpoint, error) {
	if _, err := s.require(ctx, s.b.store, model.ActManageHooks, ""); err != nil {
		return nil, err
	}
	eps, err := s.b.store.WebhookEndpoints(ctx)
	for i := range eps {
		eps[i].Secret = ""
	}
	return eps, err
}

// AddWebhook registers an endpoint, enabled, and returns its signing secret once.
func (s *Session) AddWebhook(ctx context.Context, r AddWebhookRequest) (model.WebhookEndpoint, model.Secret, error) {
	u, err := model.ValidateWebhookURL(r.URL)
	if err != nil {
		return model.WebhookEndpoint{}, model.Secret{}, err
	}
	desc, err := model.ValidateWebhookDescription(r.Description)
	if err != nil {
		return model.WebhookEndpoint{}, model.Secret{}, err
	}
	format, err := model.ParseWebhookFormat(string(r.Format))
	if err != nil {
		return model.WebhookEndpoint{}, model.Secret{}, err
	}
	if len(r.Events) == 0 {
		return model.WebhookEndpoint{}, model.Secret{}, model.Invalid("event", "Name at least one event, e.g. --event key.expiring.")
	}
	var events []model.WebhookEvent
	for _, e := range r.Events {
		pe, err := model.ParseWebhookEvent(string(e))
		if err != nil {
			return model.WebhookEndpoint{}, model.Secret{}, err
		}
		if !slices.Contains(events, pe) {
			events = append(events, pe)
		}
	}
	secret, err := model.NewWebhookSecret()
	if err != nil {
		return model.WebhookEndpoint{}, model.Secret{}, err
	}
	now := s.b.Now()
	var ep model.WebhookEndpoint
	err = s.b.store.Update(ctx, func(tx store.Tx) error {
		actor, err := s.require(ctx, tx, model.ActManageHooks, "")
		if err != nil {
			return err
		}
		ep = model.WebhookEndpoint{
			ID: model.NewID("whk"), URL: u, Description: desc, Events: events, Format: format,
			Enabled: true, Secret: secret, SecretHint: model.WebhookSecretHint(secret),
			CreatedAt: now, CreatedBy: actor.ID, UpdatedAt: now,
		}
		if err := tx.InsertWebhookEndpoint(ctx, ep); err != nil {
			return err
		}
		return s.webhookEvent(ctx, tx, actor, model.EventWebhookCreated, ep, "")
	})
	if err != nil {
		return model.WebhookEndpoint{}, model.Secret{}, err
	}
	ep.Secret = ""
	return ep, model.WebhookSecret(secret), nil
}

func (s *Session) webhookEvent(ctx context.Context, tx store.Tx, actor model.Member, t model.EventType, ep model.WebhookEndpoint, reason string) error {
	return s.record(ctx, tx, actor, t, webhookPayload(t, ep, reason))
}

func webhookPayload(t model.EventType, ep model.WebhookEndpoint, reason string) model.Payload {
	return model.WebhookPayload(t, model.WebhookRef{
		WebhookID: ep.ID, URL: model.WebhookURLHint(ep.URL), Events: ep.Events, Format: ep.Format, Reason: reason,
	})
}

func webhookByID(ctx context.Context, r store.WebhookReader, id string) (model.WebhookEndpoint, error) {
	ep, err := r.WebhookEndpoint(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return ep, model.NotFound("No webhook with id %s: see `webhooks list`.", model.Quote(id))
	}
	return ep, err
}

// updateWebhook runs fn in a transaction with endpoint id, once the actor may
// manage webhooks.
func (s *Session) updateWebhook(ctx context.Context, id string, fn func(tx store.Tx, actor model.Member, ep model.WebhookEndpoint) error) error {
	return s.b.store.Update(ctx, func(tx store.Tx) error {
		actor, err := s.require(ctx, tx, model.ActManageHooks, "")
		if err != nil {
			return err
		}
		ep, err := webhookByID(ctx, tx, id)
		if err != nil {
			return err
		}
		return fn(tx, actor, ep)
	})
}

// RemoveWebhook deletes an endpoint with its deliveries.
func (s *Session) RemoveWebhook(ctx context.Context, id string) error {
	return s.updateWebhook(ctx, id, func(tx store.Tx, actor model.Member, ep model.WebhookEndpoint) error {
		if err := tx.DeleteWebhookEndpoint(ctx, ep.ID); err != nil {
			return err
		}
		return s.webhookEvent(ctx, tx, actor, model.EventWebhookDeleted, ep, "")
	})
}

// SetWebhookEnabled enables or disables an endpoint. Enabling clears the failure
// record, so the 3-day count starts again; disabling keeps pending deliveries,
// which resume if it is enabled again.
func (s *Session) SetWebhookEnabled(ctx context.Context, id string, enabled bool) (model.WebhookEndpoint, error) {
	var out model.WebhookEndpoint
	err := s.updateWebhook(ctx, id, func(tx store.Tx, actor model.Member, ep model.WebhookEndpoint) error {
		out = ep
		if ep.Enabled == enabled {
			return nil
		}
		ep.Enabled, ep.UpdatedAt = enabled, s.b.Now()
		ep.DisabledReason, ep.FailingSince = "", nil
		evt := model.EventWebhookEnabled
		if !enabled {
			evt, ep.DisabledReason = model.EventWebhookDisabled, "disabled by "+actor.Name
		}
		if err := tx.UpdateWebhookEndpoint(ctx, ep); err != nil {
			return err
		}
		out = ep
		return s.webhookEvent(ctx, tx, actor, evt, ep, ep.DisabledReason)
	})
	out.Secret = ""
	return out, err
}

// ListDeliveries lists recent deliveries, newest first, with their attempts.
func (s *Session) ListDeliveries(ctx context.Context, f DeliveryFilter) ([]DeliveryView, error) {
	if _, err := s.require(ctx, s.b.store, model.ActManageHooks, ""); err != nil {
		return nil, err
	}
	if f.EndpointID != "" {
		if _, err := webhookByID(ctx, s.b.store, f.EndpointID); err != nil {
			return nil, err
		}
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	ds, err := s.b.store.WebhookDeliveries(ctx, store.DeliveryQuery{EndpointID: f.EndpointID, Limit: f.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryView, len(ds))
	for i, d := range ds {
		as, err := s.b.store.WebhookAttempts(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		out[i] = DeliveryView{WebhookDelivery: d, Log: as}
	}
	return out, nil
}

// TestWebhook sends a ping to an endpoint now, through send, and records it as
// a delivery like any other (a failed ping is not retried).
func (s *Session) TestWebhook(ctx context.Context, id string, send WebhookSender) (model.WebhookDelivery, model.WebhookAttempt, error) {
	now := s.b.Now()
	var job WebhookJob
	err := s.updateWebhook(ctx, id, func(tx store.Tx, _ model.Member, ep model.WebhookEndpoint) error {
		body, err := model.WebhookBody(ep.Format, model.WebhookMessage{Type: model.HookPing, Timestamp: now,
			Data: model.HookPingData{EndpointID: ep.ID, Message: "webhooks test: if you can read this, deliveries reach you."}})
		if err != nil {
			return err
		}
		// Leased from the start, so no worker picks the ping up while we send it.
		lease := now.Add(deliveryLease)
		d := model.WebhookDelivery{ID: model.NewID("msg"), EndpointID: ep.ID, Event: model.HookPing, Body: body,
			State: model.DeliveryPending, CreatedAt: now, NextAttemptAt: &lease}
		job = WebhookJob{Delivery: d, Endpoint: ep}
		return tx.EnqueueDeliveries(ctx, []model.WebhookDelivery{d})
	})
	if err != nil {
		return model.WebhookDelivery{}, model.WebhookAttempt{}, err
	}
	a := send.Send(ctx, job.Request(s.b.Now()))
	d, err := s.b.CompleteWebhook(ctx, job, a)
	return d, a, err
}
