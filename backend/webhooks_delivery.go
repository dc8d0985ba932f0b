package backend

import (
	"context"
	"time"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// deliveryLease is how long a claimed delivery stays with the instance that
// claimed it: three times a send's 10 s timeout, so another
// instance takes it over only if this one died.
const deliveryLease = 30 * time.Second

// WebhookJob is a claimed delivery and the endpoint it goes to.
type WebhookJob struct {
	Delivery model.WebhookDelivery
	Endpoint model.WebhookEndpoint
}

// WebhookRequest is one HTTP POST to make; the transport sends it.
type WebhookRequest struct {
	URL     string
	Headers map[string]string
	Body    []byte
}

// WebhookSender sends a request and reports the attempt (status, error,
// duration; At is when it started).
type WebhookSender interface {
	Send(ctx context.Context, r WebhookRequest) model.WebhookAttempt
}

// Request is the job's HTTP request at time at: the same webhook-id on every
// attempt, a fresh timestamp and signature (standard format only).
func (j WebhookJob) Request(at time.Time) WebhookRequest {
	h := map[string]string{"Content-Type": "application/json"}
	if j.Endpoint.Format != model.FormatSlack {
		h["webhook-id"] = j.Delivery.ID
		h["webhook-timestamp"] = model.WebhookTimestamp(at)
		if key, err := model.DecodeWebhookSecret(j.Endpoint.Secret); err == nil {
			h["webhook-signature"] = model.SignWebhook(key, j.Delivery.ID, at, j.Delivery.Body)
		}
	}
	return WebhookRequest{URL: j.Endpoint.URL, Headers: h, Body: j.Delivery.Body}
}

// ClaimWebhookJobs leases up to limit due deliveries for this instance.
func (b *Backend) ClaimWebhookJobs(ctx context.Context, limit int) ([]WebhookJob, error) {
	ds, err := b.store.ClaimDeliveries(ctx, b.Now(), deliveryLease, limit)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	eps, err := b.store.WebhookEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]model.WebhookEndpoint, len(eps))
	for _, ep := range eps {
		byID[ep.ID] = ep
	}
	jobs := make([]WebhookJob, 0, len(ds))
	for _, d := range ds {
		if ep, ok := byID[d.EndpointID]; ok {
			jobs = append(jobs, WebhookJob{Delivery: d, Endpoint: ep})
		}
	}
	return jobs, nil
}

// CompleteWebhook records an attempt: delivered on a 2xx; otherwise the next
// retry of model.WebhookRetries, or failed when none is left. An endpoint that has
// failed every attempt for model.WebhookDisableAfter is disabled, its pending
// deliveries given up, and an audit event says so.
func (b *Backend) CompleteWebhook(ctx context.Context, j WebhookJob, a model.WebhookAttempt) (model.WebhookDelivery, error) {
	d := j.Delivery
	a.DeliveryID = d.ID
	if a.At.IsZero() {
		a.At = b.Now()
	}
	at := a.At
	d.Attempts++
	d.LastAttemptAt, d.LastStatus, d.LastError = &at, a.Status, a.Error
	switch wait, ok := model.NextWebhookRetry(d.Attempts); {
	case a.OK():
		d.State, d.NextAttemptAt = model.DeliveryDelivered, nil
	case ok && d.Event != model.HookPing:
		next := at.Add(wait)
		d.State, d.NextAttemptAt = model.DeliveryPending, &next
	default:
		d.State, d.NextAttemptAt = model.DeliveryFailed, nil
	}
	err := b.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.RecordAttempt(ctx, d, a); err != nil {
			return err
		}
		ep, err := tx.WebhookEndpoint(ctx, d.EndpointID)
		if err != nil {
			return err
		}
		switch {
		case a.OK() && ep.FailingSince != nil:
			ep.FailingSince, ep.UpdatedAt = nil, at
			return tx.UpdateWebhookEndpoint(ctx, ep)
		case a.OK() || !ep.Enabled || d.Event == model.HookPing:
			return nil
		case ep.FailingSince == nil:
			ep.FailingSince, ep.UpdatedAt = &at, at
			return tx.UpdateWebhookEndpoint(ctx, ep)
		case at.Sub(*ep.FailingSince) >= model.WebhookDisableAfter:
			return b.disableFailing(ctx, tx, ep, at)
		}
		return nil
	})
	if model.KindOf(err) == model.KindNotFound {
		// The endpoint was removed while we sent: nothing left to record.
		return d, nil
	}
	return d, err
}

// DeliveryRetention is how long finished deliveries (delivered or failed) are
// kept for `webhooks deliveries` before the scheduler deletes them.
const DeliveryRetention = 30 * 24 * time.Hour

// PruneDeliveries deletes finished deliveries older than DeliveryRetention.
func (b *Backend) PruneDeliveries(ctx context.Context) (int, error) {
	var n int
	err := b.store.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.PruneDeliveries(ctx, b.Now().Add(-DeliveryRetention))
		return err
	})
	return n, err
}

func (b *Backend) disableFailing(ctx context.Context, tx store.Tx, ep model.WebhookEndpoint, at time.Time) error {
	ep.Enabled, ep.UpdatedAt = false, at
	ep.DisabledReason = "every delivery failed for 3 days, since " + ep.FailingSince.UTC().Format(time.RFC3339)
	if err := tx.UpdateWebhookEndpoint(ctx, ep); err != nil {
		return err
	}
	if err := tx.FailPending(ctx, ep.ID); err != nil {
		return err
	}
	sys := model.SystemActor
	ev, err := b.newEvent(sys, model.SourceAPI, webhookPayload(model.EventWebhookDisabled, ep, ep.DisabledReason))
	if err != nil {
		return err
	}
	return tx.AppendEvent(ctx, ev)
}
