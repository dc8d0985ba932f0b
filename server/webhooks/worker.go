package webhooks

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// Results a delivery attempt is counted under (apikeys_webhook_deliveries_total{result}).
const (
	ResultDelivered = "delivered" // a 2xx
	ResultRejected  = "rejected"  // an HTTP answer that isn't 2xx (redirects included)
	ResultNoAnswer  = "no_answer" // timeout, connection refused, DNS…
)

// Results lists every result, so that a metric can show each at zero.
var Results = []string{ResultDelivered, ResultRejected, ResultNoAnswer}

// Config runs the worker and the scheduler.
type Config struct {
	Backend *backend.Backend
	Sender  backend.WebhookSender // nil: NewSender(SenderConfig{})
	Logger  *slog.Logger          // nil: discard

	Poll        time.Duration // how often to look for due deliveries besides wake-ups; 0: 1 s
	Batch       int           // most deliveries claimed at once; 0: 32
	Concurrency int           // sends in flight, and so most deliveries claimed and not done; 0: 8
	AlertEvery  time.Duration // scheduler pass interval; 0: 1 min

	// OnAttempt, if set, is called after each recorded attempt with its result
	// (ResultDelivered, ResultRejected or ResultNoAnswer): the metrics hook.
	OnAttempt func(result string)
}

func (c *Config) defaults() {
	if c.Sender == nil {
		c.Sender = NewSender(SenderConfig{})
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 32
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.AlertEvery <= 0 {
		c.AlertEvery = time.Minute
	}
}

// Run delivers and schedules until ctx ends. Every `serve` instance runs it; the
// store's claims keep any delivery with one instance at a time.
func Run(ctx context.Context, cfg Config) {
	cfg.defaults()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); Deliver(ctx, cfg) }()
	go func() { defer wg.Done(); Schedule(ctx, cfg) }()
	wg.Wait()
}

// Deliver drains the outbox until ctx ends: claim what is due, send it, record
// each attempt; wait for a wake-up from this process's writes or the next poll.
// Sends in flight when ctx ends are not recorded: their lease runs out and they
// go again (delivery is at least once).
func Deliver(ctx context.Context, cfg Config) {
	cfg.defaults()
	b := cfg.Backend
	// Claim only as many as can be sent at once: a delivery claimed and left
	// waiting for a slot behind slow receivers could outlive its lease and be
	// taken (and sent) by another instance too.
	var (
		mu   sync.Mutex
		busy int
		wg   sync.WaitGroup
	)
	freed := make(chan struct{}, 1)
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.WebhookWake():
		case <-freed:
		case <-timer.C:
		}
		for ctx.Err() == nil {
			mu.Lock()
			free := min(cfg.Concurrency-busy, cfg.Batch)
			mu.Unlock()
			if free <= 0 {
				break
			}
			jobs, err := b.ClaimWebhookJobs(ctx, free)
			if err != nil {
				if ctx.Err() == nil {
					cfg.Logger.Warn("webhooks: claim deliveries", "err", err)
				}
				break
			}
			mu.Lock()
			busy += len(jobs)
			mu.Unlock()
			for _, j := range jobs {
				wg.Add(1)
				go func(j backend.WebhookJob) {
					defer wg.Done()
					deliverOne(ctx, cfg, j)
					mu.Lock()
					busy--
					mu.Unlock()
					select {
					case freed <- struct{}{}:
					default:
					}
				}(j)
			}
			if len(jobs) < free {
				break
			}
		}
		timer.Reset(cfg.Poll)
	}
}

func deliverOne(ctx context.Context, cfg Config, j backend.WebhookJob) {
	b := cfg.Backend
	start := b.Now()
	a := cfg.Sender.Send(ctx, j.Request(start))
	if ctx.Err() != nil {
		return
	}
	a.At = start
	d, err := b.CompleteWebhook(ctx, j, a)
	if err != nil {
		cfg.Logger.Warn("webhooks: record attempt", "delivery", j.Delivery.ID, "err", err)
		return
	}
	result := ResultDelivered
	switch {
	case a.Status == 0:
		result = ResultNoAnswer
	case !a.OK():
		result = ResultRejected
	}
	if cfg.OnAttempt != nil {
		cfg.OnAttempt(result)
	}
	if d.State == model.DeliveryFailed {
		cfg.Logger.Info("webhooks: delivery given up", "delivery", d.ID, "endpoint", d.EndpointID, "attempts", d.Attempts)
	}
}

// Schedule runs the expiry scheduler until ctx ends: a pass at once (catching up
// after downtime) and then every AlertEvery; each pass also deletes finished
// deliveries older than backend.DeliveryRetention.
func Schedule(ctx context.Context, cfg Config) {
	cfg.defaults()
	t := time.NewTicker(cfg.AlertEvery)
	defer t.Stop()
	for {
		if n, err := cfg.Backend.PruneDeliveries(ctx); err != nil && ctx.Err() == nil {
			cfg.Logger.Warn("webhooks: prune deliveries", "err", err)
		} else if n > 0 {
			cfg.Logger.Info("webhooks: pruned finished deliveries", "count", n)
		}
		rep, err := cfg.Backend.RunAlerts(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			cfg.Logger.Warn("webhooks: expiry alerts", "err", err)
		case rep.Sent > 0 || rep.Skipped > 0:
			cfg.Logger.Info("webhooks: expiry alerts", "sent", rep.Sent, "late", rep.Late, "skipped", rep.Skipped)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
