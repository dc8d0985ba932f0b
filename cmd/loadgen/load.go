package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// load is one bounded run: n requests over c keep-alive connections to a
// loopback address. Closed loop (rate 0): each connection sends its next
// request as soon as the previous answer is read, so the server runs flat out
// and a request's latency is mostly its wait in the queue the c connections
// make. Open loop (rate > 0): request i is due at i/rate seconds from the
// start, whatever came back before; a free connection sends it when it is due.
// A request that was due before any connection was free to send it counts its
// latency from when it was due, not from when it went out, so a server that
// falls behind is charged for every request it kept waiting (no coordinated
// omission, as wrk2 measures); one sent on time counts from its send. The
// client side is a raw HTTP/1.1 writer and http.ReadResponse, far cheaper than net/http's client, so that on a
// small machine the generator takes as little CPU from the server as it can.
type load struct {
	addr    string // host:port, loopback
	request []byte // the full HTTP/1.1 request, sent as is every time
	// requests, if set, replaces request: the i-th request of a run sends
	// requests[i % len(requests)], so a run can present many distinct keys.
	requests [][]byte
	want     []byte // a 200 body must contain this
	n, c     int
	rate     float64 // requests per second, open loop; 0: closed loop
}

// result is what a run measured.
type result struct {
	requests int
	elapsed  time.Duration
	latency  []time.Duration // sorted
	late     int             // open loop: requests sent over a millisecond after they were due
	failures int
	firstErr error
}

func (r result) rps() float64 { return float64(r.requests-r.failures) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.latency) == 0 {
		return 0
	}
	i := int(float64(len(r.latency)-1) * p)
	return r.latency[i]
}

func (l load) run() result {
	var next atomic.Int64
	lat := make([][]time.Duration, l.c)
	fails, late := make([]int, l.c), make([]int, l.c)
	errs := make([]error, l.c)
	var wg sync.WaitGroup
	begin := time.Now()
	for w := range l.c {
		lat[w] = make([]time.Duration, 0, l.n/l.c+1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat[w], fails[w], late[w], errs[w] = l.worker(&next, begin, lat[w])
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)

	res := result{elapsed: elapsed}
	for w := range l.c {
		res.latency = append(res.latency, lat[w]...)
		res.failures += fails[w]
		res.late += late[w]
		if res.firstErr == nil {
			res.firstErr = errs[w]
		}
	}
	res.requests = len(res.latency) + res.failures
	slices.Sort(res.latency)
	return res
}

// worker sends requests on one connection (reconnecting if the server closes it)
// until the run's n requests are all taken.
func (l load) worker(next *atomic.Int64, begin time.Time, lat []time.Duration) ([]time.Duration, int, int, error) {
	var conn net.Conn
	var br *bufio.Reader
	failures, late := 0, 0
	var firstErr error
	fail := func(err error) {
		failures++
		if firstErr == nil {
			firstErr = err
		}
		if conn != nil {
			conn.Close()
			conn = nil
		}
	}
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		i := next.Add(1)
		if i > int64(l.n) {
			break
		}
		req := l.request
		if len(l.requests) > 0 {
			req = l.requests[(i-1)%int64(len(l.requests))]
		}
		if conn == nil {
			c, err := net.Dial("tcp", l.addr)
			if err != nil {
				fail(err)
				continue
			}
			conn, br = c, bufio.NewReaderSize(c, 64<<10)
		}
		t0 := time.Now()
		if l.rate > 0 {
			// Due already: every connection was busy until now (or this
			// one was descheduled), so the wait is charged from the due
			// time. Not due yet: the request is sent when this goroutine
			// wakes, which Go's timers do up to a millisecond late when the
			// process is idle; that lateness is the generator's, and the
			// latency counts from the wake-up.
			due := begin.Add(time.Duration(float64(i-1) * float64(time.Second) / l.rate))
			if d := due.Sub(t0); d > 0 {
				time.Sleep(d)
				t0 = time.Now()
			} else {
				if d < -time.Millisecond {
					late++
				}
				t0 = due
			}
		}
		if _, err := conn.Write(req); err != nil {
			fail(err)
			continue
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			fail(err)
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		switch {
		case err != nil:
			fail(err)
			continue
		case resp.StatusCode != http.StatusOK || !bytes.Contains(body, l.want):
			fail(fmt.Errorf("status %d: %.200s", resp.StatusCode, body))
			continue
		}
		lat = append(lat, d)
		if resp.Close {
			conn.Close()
			conn = nil
		}
	}
	return lat, failures, late, firstErr
}

// postJSON builds the raw request for a JSON POST.
func postJSON(host, path string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, host, len(body))
	b.Write(body)
	return b.Bytes()
}

// loopbackAddr checks that a base URL points at this machine and returns its
// host:port. The generator is for measuring, not for loading anyone's server.
func loopbackAddr(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("want an http:// URL of a server on this machine, got %q", base)
	}
	host := u.Hostname()
	ips, err := net.LookupIP(host)
	if err != nil {
		return "", err
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return "", errors.New("the load generator only targets loopback addresses (127.0.0.0/8, ::1)")
		}
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(host, port), nil
}
