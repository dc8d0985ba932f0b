package backend

import (
	"context"
	"encoding/json"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// outbox wraps the store so that every audit event appended in a transaction
// also enqueues, in that same transaction, the webhook deliveries that enabled
// endpoints want (the outbox): one hook, and no write method needs to know
// about webhooks. A crash either loses the change and its deliveries together or
// keeps both.
type outbox struct {
	store.Store
	b *Backend
}

// Update runs fn with a transaction whose AppendEvent enqueues deliveries, and
// wakes this process's delivery worker once the deliveries are committed.
func (o outbox) Update(ctx context.Context, fn func(store.Tx) error) error {
	var enqueued bool
	err := o.Store.Update(ctx, func(tx store.Tx) error {
		ot := &outboxTx{Tx: tx, b: o.b}
		err := fn(ot)
		enqueued = ot.enqueued
		return err
	})
	if err == nil && enqueued {
		o.b.hooks.wake()
	}
	return err
}

type outboxTx struct {
	store.Tx
	b         *Backend
	endpoints []model.WebhookEndpoint
	loaded    bool
	enqueued  bool
}

// AppendEvent stores the audit event, then the deliveries it becomes.
func (t *outboxTx) AppendEvent(ctx context.Context, e model.AuditEvent) error {
	if err := t.Tx.AppendEvent(ctx, e); err != nil {
		return err
	}
	hook, ok := model.HookFor(e.Type)
	if !ok {
		return nil
	}
	if !t.loaded {
		eps, err := t.Tx.WebhookEndpoints(ctx)
		if err != nil {
			return err
		}
		t.endpoints, t.loaded = eps, true
	}
	var want []model.WebhookEndpoint
	for _, ep := range t.endpoints {
		if ep.Enabled && ep.Wants(hook) {
			want = append(want, ep)
		}
	}
	if len(want) == 0 {
		return nil
	}
	data, err := t.b.hookData(ctx, t.Tx, e, hook)
	if err != nil {
		return err
	}
	if err := enqueue(ctx, t.Tx, want, model.WebhookMessage{Type: hook, Timestamp: e.EventTimestamp, Data: data}, t.b.Now()); err != nil {
		return err
	}
	t.enqueued = true
	return nil
}

// enqueue writes one pending delivery per endpoint, due at once.
func enqueue(ctx context.Context, tx store.Tx, eps []model.WebhookEndpoint, msg model.WebhookMessage, now time.Time) error {
	ds := make([]model.WebhookDelivery, 0, len(eps))
	bodies := map[model.WebhookFormat][]byte{} // endpoints of one format get the same bytes
	for _, ep := range eps {
		body, ok := bodies[ep.Format]
		if !ok {
			var err error
			if body, err = model.WebhookBody(ep.Format, msg); err != nil {
				return err
			}
			bodies[ep.Format] = body
		}
		due := now
		ds = append(ds, model.WebhookDelivery{
			ID: sortableID("msg", now), EndpointID: ep.ID, Event: msg.Type, Body: body,
			State: model.DeliveryPending, CreatedAt: now, NextAttemptAt: &due,
		})
	}
	return tx.EnqueueDeliveries(ctx, ds)
}

// auditSubject is every field a key or member audit payload may carry; the
// payloads are typed per event, and this reads any of them by their JSON names.
type auditSubject struct {
	KeyID        string          `json:"keyId"`
	Name         string          `json:"name"`
	Type         model.KeyType   `json:"type"`
	Hint         string          `json:"hint"`
	ExpiresAt    *time.Time      `json:"expiresAt"`
	NewKeyID     string          `json:"newKeyId"`
	NewHint      string          `json:"newHint"`
	NewExpiresAt *time.Time      `json:"newExpiresAt"`
	GraceEndsAt  *time.Time      `json:"graceEndsAt"`
	Changes      json.RawMessage `json:"changes"`
	UserID       string          `json:"userId"`
	UserName     string          `json:"userName"`
	UserEmail    string          `json:"userEmail"`
}

// hookData derives a webhook event's data from the audit event that caused it,
// reading the key for what the audit payload doesn't say (owner, expiry).
func (b *Backend) hookData(ctx context.Context, r store.Reader, e model.AuditEvent, hook model.WebhookEvent) (model.HookData, error) {
	var p auditSubject
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return nil, err
	}
	actor := e.Actor
	switch hook {
	case model.HookMemberDeactivated:
		return model.HookMemberData{MemberID: p.UserID, Name: p.UserName, Email: p.UserEmail, Actor: &actor}, nil
	case model.HookAllowlistChanged:
		return model.HookAllowlistData{AuditEventType: e.Type, Detail: e.Payload, Actor: &actor}, nil
	}
	d := model.HookKeyData{
		KeyID: p.KeyID, Name: p.Name, Type: p.Type, Hint: p.Hint, Actor: &actor,
		NewKeyID: p.NewKeyID, NewHint: p.NewHint, NewExpiresAt: p.NewExpiresAt, GraceEndsAt: p.GraceEndsAt,
		Changes: p.Changes,
	}
	if hook == model.HookKeyCreated && actor.Type == model.ActorMember && p.ExpiresAt != nil {
		// The creator owns the key and the payload has the rest: no read.
		d.Owner, d.ExpiresAt = &model.HookPerson{ID: actor.ID, Name: actor.Name}, p.ExpiresAt
		d.ValidThrough = b.policy.ValidThrough(*d.ExpiresAt).String()
		return d, nil
	}
	if k, err := r.Key(ctx, p.KeyID); err == nil {
		d.Owner = &model.HookPerson{ID: k.CreatedBy, Name: k.CreatedByName}
		if d.Hint == "" {
			d.Hint = k.Hint
		}
		if hook != model.HookKeyRotated {
			at := k.ExpiresAt
			d.ExpiresAt = &at
		}
	} else if model.KindOf(err) != model.KindNotFound {
		return nil, err
	}
	switch {
	case hook == model.HookKeyRotated && d.NewExpiresAt != nil:
		d.ValidThrough = b.policy.ValidThrough(*d.NewExpiresAt).String()
	case d.ExpiresAt != nil:
		d.ValidThrough = b.policy.ValidThrough(*d.ExpiresAt).String()
	}
	return d, nil
}
