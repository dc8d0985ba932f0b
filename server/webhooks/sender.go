// Package webhooks is the outbound side of webhooks in `apikeys serve`: the HTTP
// sender, the delivery worker that drains the outbox, and the expiry-alert
// scheduler. The rules (what to send, retries, disabling, idempotent alerts)
// live in the backend; this package only moves bytes and keeps time.
package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/apikeys-dev/apikeys/internal/buildinfo"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
)

// SenderConfig builds a Sender.
type SenderConfig struct {
	Timeout   time.Duration // 0: model.WebhookTimeout (10 s)
	UserAgent string        // "": "apikeys/" + the module version
	// Transport, if set, replaces the default (tests; a proxy).
	Transport http.RoundTripper
}

// Sender posts webhook requests: one timeout for the whole exchange, redirects
// not followed (a 3xx is a failed attempt), at most 64 KiB of the response read.
type Sender struct {
	client    *http.Client
	userAgent string
}

var _ backend.WebhookSender = (*Sender)(nil)

// NewSender builds a Sender.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Timeout <= 0 {
		cfg.Timeout = model.WebhookTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent()
	}
	tr := cfg.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 4
		t.ResponseHeaderTimeout = cfg.Timeout
		tr = t
	}
	return &Sender{
		userAgent: cfg.UserAgent,
		client: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
}

// DefaultUserAgent is "apikeys/<version>", the version `apikeys --version`
// reports.
func DefaultUserAgent() string { return buildinfo.UserAgent() }

// Send makes one attempt. The error text never holds the URL: a Slack-style
// URL is a secret in its own right.
func (s *Sender) Send(ctx context.Context, r backend.WebhookRequest) model.WebhookAttempt {
	start := time.Now()
	a := model.WebhookAttempt{}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		a.Error = "the URL can't be requested"
		return a
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", s.userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		a.Duration, a.Error = time.Since(start), describe(err)
		return a
	}
	_, rerr := io.Copy(io.Discard, io.LimitReader(resp.Body, model.WebhookMaxResponse))
	resp.Body.Close()
	a.Duration, a.Status = time.Since(start), resp.StatusCode
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.Error = fmt.Sprintf("redirect (%d) not followed: give the final URL", resp.StatusCode)
	case !a.OK():
		a.Error = fmt.Sprintf("the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	case rerr != nil:
		// A 2xx whose body broke off still counts: the receiver said yes.
	}
	return a
}

// describe says what went wrong without the URL net/http puts in its errors.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "timed out: no answer within the timeout"
	case errors.Is(err, context.Canceled):
		return "canceled: the server is shutting down"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return "connection failed: " + oe.Err.Error()
	}
	msg := err.Error()
	if len(msg) > model.WebhookMaxErrorText {
		msg = msg[:model.WebhookMaxErrorText]
	}
	return msg
}
