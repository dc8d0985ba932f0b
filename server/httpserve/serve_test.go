package httpserve_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/server/httpserve"
)

func TestServeStopsCleanlyAndDrains(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler()}
	ctx, cancel := context.WithCancel(context.Background())
	var order []string
	drainErr := errors.New("drain failed")
	done := make(chan error, 1)
	go func() {
		done <- httpserve.Serve(ctx, srv, func() error { return srv.Serve(ln) }, httpserve.Shutdown{
			Timeout:  5 * time.Second,
			Stopping: func() { order = append(order, "stopping") },
			Drain: func(dctx context.Context) error {
				if _, ok := dctx.Deadline(); !ok {
					t.Error("drain has no deadline")
				}
				order = append(order, "drain")
				return drainErr
			},
		})
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; !errors.Is(err, drainErr) {
		t.Errorf("Serve = %v, want the drain's error", err)
	}
	if len(order) != 2 || order[0] != "stopping" || order[1] != "drain" {
		t.Errorf("calls %v, want stopping then drain", order)
	}
}

func TestServeReturnsAFailedListenerAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	srv := &http.Server{}
	called := false
	err = httpserve.Serve(context.Background(), srv, func() error { return srv.Serve(ln) },
		httpserve.Shutdown{Timeout: time.Second, Stopping: func() { called = true }})
	if err == nil || errors.Is(err, http.ErrServerClosed) || called {
		t.Errorf("Serve = %v (stopping called: %v), want the listener's error and no stop", err, called)
	}
}
