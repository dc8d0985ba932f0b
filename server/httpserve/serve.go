// Package httpserve runs an http.Server until its context ends and shuts it
// down gracefully: the one way the API and metrics listeners stop.
package httpserve

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Shutdown says how a server stops once its context is done.
type Shutdown struct {
	// Timeout bounds the whole stop: requests in flight finish within it, then
	// what is left is closed.
	Timeout time.Duration
	// Stopping, if set, is called as the stop begins (to log it).
	Stopping func()
	// Drain, if set, runs after the server has stopped, within what is left of
	// Timeout (to write what requests left buffered).
	Drain func(context.Context) error
}

// Serve runs serve (srv.Serve or srv.ServeTLS on a listener) until ctx is done,
// then stops srv as sd says. A listener that fails on its own returns its error
// at once; a clean stop returns nil.
func Serve(ctx context.Context, srv *http.Server, serve func() error, sd Shutdown) error {
	served := make(chan error, 1)
	go func() { served <- serve() }()
	select {
	case err := <-served:
		return err // the listener failed; ctx is not done
	case <-ctx.Done():
	}
	if sd.Stopping != nil {
		sd.Stopping()
	}
	sctx, cancel := context.WithTimeout(context.Background(), sd.Timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		err = errors.Join(err, srv.Close())
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if sd.Drain != nil {
		if derr := sd.Drain(sctx); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	return err
}
