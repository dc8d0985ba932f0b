package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// The hostile scenarios of -scenario, measured against a real server:
//
//	flood:  hold -idle TCP connections that never speak, from -idle-addrs loopback
//	        addresses (127.0.0.1, 127.0.0.2, …), reopening each as the server
//	        closes it; meanwhile a member signs in -n times, one after another,
//	        from 127.0.0.100, and each sign-in's first frame is timed.
//	resize: -n sessions sign in at 100×30 and then all resize to 20000×20000;
//	        meanwhile -observers other sessions press -press every 100 ms and
//	        time the redraw; the server's RSS is sampled throughout.

// flood holds n idle connections from addrs addresses until ctx ends, and
// reports how many are open now and how many were ever opened.
func flood(ctx context.Context, addr string, n, addrs int) (open, dialled *atomic.Int64) {
	open, dialled = new(atomic.Int64), new(atomic.Int64)
	for i := range n {
		ip := net.IPv4(127, 0, 0, byte(1+i%addrs))
		go func() {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
			for ctx.Err() == nil {
				c, err := d.DialContext(ctx, "tcp", addr)
				if err != nil {
					select {
					case <-time.After(50 * time.Millisecond):
					case <-ctx.Done():
					}
					continue
				}
				dialled.Add(1)
				open.Add(1)
				stop := context.AfterFunc(ctx, func() { c.Close() })
				io.Copy(io.Discard, c) // until the server closes it
				stop()
				c.Close()
				open.Add(-1)
				// Reopen at once, as an attacker would, but not in a busy loop
				// that would only measure this program's own CPU.
				select {
				case <-time.After(20 * time.Millisecond):
				case <-ctx.Done():
				}
			}
		}()
	}
	return open, dialled
}

func runFlood(ctx context.Context, addr string, signer ssh.Signer, n, idle, addrs int, ready, loaded string, pid int) error {
	fctx, stopFlood := context.WithCancel(ctx)
	defer stopFlood()
	open, dialled := flood(fctx, addr, idle, addrs)
	// Let the flood build up before the member tries.
	deadline := time.Now().Add(10 * time.Second)
	for open.Load() < int64(idle)*9/10 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("flood: %d idle connections open from %d addresses (%d dialled so far)\n", open.Load(), addrs, dialled.Load())
	results := make([]result, n)
	minOpen := open.Load()
	for i := range results {
		release := make(chan struct{})
		close(release)
		results[i].openFrom(ctx, net.IPv4(127, 0, 0, 100), addr, signer, ready, loaded, 100, 30, func() {}, release)
		minOpen = min(minOpen, open.Load())
	}
	fmt.Printf("flood: still %d open at the end (at least %d during the sign-ins), %d dialled in all\n", open.Load(), minOpen, dialled.Load())
	report(os.Stdout, results, n, 0, 0, pid, 0, 0)
	if k := failures(results); k > 0 {
		return fmt.Errorf("%d of %d sign-ins failed during the flood", k, n)
	}
	return nil
}

func runResize(ctx context.Context, addr string, signer ssh.Signer, n, observers int, press, ready string, pid int) error {
	var peak atomic.Int64
	sample, stopSample := context.WithCancel(ctx)
	defer stopSample()
	var before int64
	go func() {
		for sample.Err() == nil {
			if r := rss(pid); r > peak.Load() {
				peak.Store(r)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	// Observers first, so they are drawing while the resizes land.
	obs := make([]*liveSession, observers)
	for i := range obs {
		s, err := openLive(ctx, nil, addr, signer, 100, 30, ready)
		if err != nil {
			return fmt.Errorf("observer %d: %w", i, err)
		}
		defer s.close()
		obs[i] = s
	}
	// The members sign in at an ordinary size first; what is measured is the
	// resize, not 20 sign-ins at once.
	var wg sync.WaitGroup
	resizers := make([]*liveSession, n)
	errs := make([]error, n)
	for i := range resizers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each from an address of its own, as members on their own
			// machines: one address may have only a few sign-ins in flight.
			resizers[i], errs[i] = openLive(ctx, net.IPv4(127, 0, 1, byte(1+i)), addr, signer, 100, 30, ready)
		}()
	}
	wg.Wait()
	before = rss(pid)
	peak.Store(before)
	for i, s := range resizers {
		if s == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			payload := ssh.Marshal(&struct{ Cols, Rows, Wpx, Hpx uint32 }{20000, 20000, 0, 0})
			_, errs[i] = s.s.SendRequest("window-change", false, payload)
		}()
	}
	var lat []time.Duration
	var mu sync.Mutex
	var ow sync.WaitGroup
	for _, o := range obs {
		ow.Add(1)
		go func() {
			defer ow.Done()
			for range 20 {
				if d, err := o.pressAndWait(press, 5*time.Second); err == nil {
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	ow.Wait()
	stopSample()
	for _, s := range resizers {
		if s != nil {
			s.close()
		}
	}
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	fmt.Printf("resize: %d sessions resized to 20000x20000 (%d failed), %d observers\n", n, failed, observers)
	for _, err := range errs {
		if err != nil {
			fmt.Println("failed:", err)
			break
		}
	}
	if len(lat) > 0 {
		fmt.Printf("observer redraw      p50 %-8v p90 %-8v p99 %-8v max %v (%d presses)\n", pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100), len(lat))
	}
	if pid > 0 {
		fmt.Printf("server RSS: %.1f MiB with every session open, peak %.1f MiB after the resizes\n", mib(before), mib(peak.Load()))
	}
	return nil
}

// liveSession is an open TUI session whose output is read continuously.
type liveSession struct {
	c   *ssh.Client
	s   *ssh.Session
	in  io.Writer
	got chan struct{} // signalled on output
}

func openLive(ctx context.Context, ip net.IP, addr string, signer ssh.Signer, cols, rows int, ready string) (*liveSession, error) {
	d := net.Dialer{Timeout: 30 * time.Second}
	if ip != nil {
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	cc, chans, reqs, err := ssh.NewClientConn(nc, addr, &ssh.ClientConfig{User: "load", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second})
	if err != nil {
		nc.Close()
		return nil, err
	}
	c := ssh.NewClient(cc, chans, reqs)
	s, err := c.NewSession()
	if err != nil {
		c.Close()
		return nil, err
	}
	if err := s.RequestPty("xterm-256color", rows, cols, ssh.TerminalModes{}); err != nil {
		c.Close()
		return nil, err
	}
	in, _ := s.StdinPipe()
	out, _ := s.StdoutPipe()
	if err := s.Shell(); err != nil {
		c.Close()
		return nil, err
	}
	ls := &liveSession{c: c, s: s, in: in, got: make(chan struct{}, 1)}
	seen := make(chan struct{})
	go func() {
		buf := make([]byte, 32768)
		var text strings.Builder
		once := false
		for {
			k, err := out.Read(buf)
			chunk := buf[:k]
			if strings.Contains(string(chunk), "\x1b]11;?") {
				io.WriteString(in, "\x1b]11;rgb:1c1c/1c1c/1c1c\x1b\\")
			}
			if strings.Contains(string(chunk), "\x1b[c") {
				io.WriteString(in, "\x1b[?62;22c")
			}
			if !once {
				text.Write(ansiRE.ReplaceAll(chunk, nil))
				if strings.Contains(text.String(), ready) {
					once = true
					close(seen)
				}
			}
			select {
			case ls.got <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-seen:
	case <-ctx.Done():
		c.Close()
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		c.Close()
		return nil, fmt.Errorf("no %q within 30s", ready)
	}
	return ls, nil
}

// pressAndWait types keys and times the first output that follows.
func (ls *liveSession) pressAndWait(keys string, limit time.Duration) (time.Duration, error) {
	// Drain what was drawn before.
	for {
		select {
		case <-ls.got:
			continue
		default:
		}
		break
	}
	t0 := time.Now()
	if _, err := io.WriteString(ls.in, keys); err != nil {
		return 0, err
	}
	select {
	case <-ls.got:
		return time.Since(t0), nil
	case <-time.After(limit):
		return 0, fmt.Errorf("no redraw within %v", limit)
	}
}

func (ls *liveSession) close() {
	io.WriteString(ls.in, "\x03")
	ls.s.Close()
	ls.c.Close()
}
