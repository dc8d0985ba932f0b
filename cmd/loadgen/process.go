package main

// The process mode: the honest comparison. The real server is an `apikeys
// serve` process, the ceiling is a second process (this program re-run with
// -ceiling) whose handler decodes the same request and encodes a similar
// response with encoding/json, but looks nothing up. Both get the same requests,
// each presenting one of many distinct keys, in interleaved rounds; the ratio is
// taken round by round, pair by pair. Each round also reads from /proc the CPU
// each process spent per request: on a shared machine the ratio of those moves
// far less than the throughput's.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// runCeiling serves the ceiling on addr and prints the address it listens on.
// Its handler does what issue 12 asks of a ceiling and no more: it decodes the
// same request (encoding/json, without serve's checks for unknown fields and
// trailing data) and encodes a similar response (encoding/json, Content-Type
// only), with net/http's own timeouts as serve sets them. It writes no access
// log, checks no key and sets no X-Request-Id: that is serve's cost to
// measure. serve reads the usual verify body by hand (httpapi's
// parseVerifyFast), cheaper than this decoder: the ratio counts that in
// serve's favour, as it would for any server that decodes faster.
func runCeiling(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("ceiling listening " + ln.Addr().String())
	type request struct {
		Key     *string `json:"key"`
		Type    *string `json:"type"`
		Address *string `json:"address"`
	}
	type response struct {
		Valid     bool       `json:"valid"`
		KeyID     string     `json:"keyId,omitempty"`
		Name      string     `json:"name,omitempty"`
		Type      string     `json:"type,omitempty"`
		ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	}
	exp := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req request
			if err := json.NewDecoder(io.LimitReader(r.Body, 8<<10)).Decode(&req); err != nil || req.Key == nil || req.Type == nil {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_ = json.NewEncoder(w).Encode(response{Valid: true, KeyID: "key_0123456789abcdef",
				Name: "Import key 00042", Type: *req.Type, ExpiresAt: &exp})
		}),
		ReadHeaderTimeout: httpapi.ReadHeaderTimeout, ReadTimeout: httpapi.ReadTimeout,
		WriteTimeout: httpapi.WriteTimeout, IdleTimeout: httpapi.IdleTimeout,
	}
	return srv.Serve(ln)
}

// child is a server process this program started.
type child struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{}
}

func (c *child) stop() {
	c.cmd.Process.Kill()
	<-c.exited
}

// startChild runs a server and waits for the line matching re, whose first
// group is its address; the rest of its output is read and dropped (the
// server's access log included: writing it is part of the server's cost).
func startChild(ctx context.Context, cmd *exec.Cmd, fromStderr bool, re *regexp.Regexp) (*child, error) {
	var out io.ReadCloser
	var err error
	if fromStderr {
		out, err = cmd.StderrPipe()
	} else {
		out, err = cmd.StdoutPipe()
	}
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, exited: make(chan struct{})}
	found := make(chan string, 1)
	var seen strings.Builder
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
			if seen.Len() < 4096 {
				seen.WriteString(sc.Text() + "\n")
			}
		}
		close(found)
		_, _ = io.Copy(io.Discard, out)
		cmd.Wait()
		close(c.exited)
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			<-c.exited
			return nil, fmt.Errorf("%s exited before listening:\n%s", cmd.Path, seen.String())
		}
		c.addr = addr
		return c, nil
	case <-time.After(60 * time.Second):
		c.stop()
		return nil, fmt.Errorf("%s did not listen within a minute", cmd.Path)
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
}

var (
	serveListening   = regexp.MustCompile(`"msg":"http server listening","addr":"([^"]+)"`)
	ceilingListening = regexp.MustCompile(`^ceiling listening (\S+)$`)
)

// readSecrets reads the first n secrets of a file `seed -secrets` wrote and
// builds one verify request for each, in a shuffled order.
func readSecrets(path string, n int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var reqs [][]byte
	sc := bufio.NewScanner(f)
	for len(reqs) < n && sc.Scan() {
		_, kt, err := model.ParseSecret(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s line %d is not an API key", path, len(reqs)+1) // never the line itself
		}
		body, _ := json.Marshal(map[string]string{"key": sc.Text(), "type": string(kt)})
		reqs = append(reqs, postJSON("127.0.0.1", "/api/v1/keys/verify", body))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(reqs) < n {
		return nil, fmt.Errorf("%s holds %d keys, fewer than -keys %d", path, len(reqs), n)
	}
	rand.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
	return reqs, nil
}

// benchProcesses is the process mode.
func benchProcesses(ctx context.Context, o options, out io.Writer) error {
	reqs, err := readSecrets(o.secrets, o.keys)
	if err != nil {
		return err
	}
	args := []string{"serve", "--data-dir", o.dataDir, "--log-format", "json",
		"--ssh-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--http-rate-limit", strconv.Itoa(1 << 30), "--http-rate-window", "1s"}
	if o.db != "" {
		args = append(args, "--db", o.db)
	}
	api, err := startChild(ctx, exec.CommandContext(ctx, o.serve, args...), true, serveListening)
	if err != nil {
		return err
	}
	defer api.stop()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ceil, err := startChild(ctx, exec.CommandContext(ctx, self, "-ceiling", "127.0.0.1:0"), false, ceilingListening)
	if err != nil {
		return err
	}
	defer ceil.stop()

	mk := func(addr string, n int) load {
		return load{addr: addr, requests: reqs, want: []byte(`"valid":true`), n: n, c: o.c}
	}
	// The warm-up loads the key index and connects; every key is then seen
	// once before the measured runs, as on a server that has been up a while.
	for _, l := range []load{mk(ceil.addr, o.warmup), mk(api.addr, max(o.warmup, len(reqs)))} {
		if r := l.run(); r.failures > 0 {
			return fmt.Errorf("warm-up against %s: %d failures, first: %v", l.addr, r.failures, r.firstErr)
		}
	}
	fmt.Fprintf(out, "\nPOST /api/v1/keys/verify, processes: %d requests per run over %d keep-alive connections, %d distinct keys, loopback\n",
		o.n, o.c, len(reqs))
	fmt.Fprintf(out, "%-6s %12s %9s %9s %12s %9s %9s %7s %9s %9s %7s\n", "round", "ceiling/s", "p50", "p99", "apikeys/s", "p50", "p99", "ratio",
		"ceil µs", "apik µs", "cpu")
	var ratios, p99s, cpuRatios, ceilRPS []float64
	// The server's CPU over all rounds, between them too: work it defers
	// (the usage journal's compaction, a minute's checks folded at once, or
	// when it idles while the ceiling runs) is charged to its requests.
	apiStart := processCPU(api.cmd.Process.Pid)
	for round := 1; round <= o.rounds; round++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Interleaved, and the order swapped every round, so a slow spell of
		// the shared machine hits both sides alike.
		var c, a result
		var cCPU, aCPU time.Duration
		if round%2 == 1 {
			c, cCPU = runCounted(mk(ceil.addr, o.n), ceil)
			a, aCPU = runCounted(mk(api.addr, o.n), api)
		} else {
			a, aCPU = runCounted(mk(api.addr, o.n), api)
			c, cCPU = runCounted(mk(ceil.addr, o.n), ceil)
		}
		if err := errors.Join(failed("ceiling", c), failed("apikeys", a)); err != nil {
			return err
		}
		ratio := a.rps() / c.rps()
		ceilRPS = append(ceilRPS, c.rps())
		ratios, p99s = append(ratios, ratio), append(p99s, float64(a.pct(0.99))/float64(time.Millisecond))
		perReq := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(o.n) }
		cpuRatio := 0.0
		if aCPU > 0 {
			cpuRatio = float64(cCPU) / float64(aCPU)
		}
		cpuRatios = append(cpuRatios, cpuRatio)
		fmt.Fprintf(out, "%-6d %12.0f %9s %9s %12.0f %9s %9s %7.2f %9.1f %9.1f %7.2f\n", round, c.rps(), ms(c.pct(0.5)), ms(c.pct(0.99)),
			a.rps(), ms(a.pct(0.5)), ms(a.pct(0.99)), ratio, perReq(cCPU), perReq(aCPU), cpuRatio)
	}
	fmt.Fprintf(out, "ratio of the ceiling: %s\n", minMedMax(ratios))
	fmt.Fprintf(out, "apikeys p99 (ms):     %s\n", minMedMax(p99s))
	// On a machine others are using, throughput says as much about them as about
	// the servers; the CPU each process spent per request says less about them.
	fmt.Fprintf(out, "CPU per request, ceiling over apikeys (1.00: as cheap): %s\n", minMedMax(cpuRatios))
	if all := processCPU(api.cmd.Process.Pid) - apiStart; all > 0 {
		fmt.Fprintf(out, "apikeys CPU over all rounds, between them included: %.1f µs per request\n",
			float64(all.Microseconds())/float64(o.n*o.rounds))
	}
	peak := medianOf(ceilRPS)
	for _, f := range o.open {
		if err := openRounds(ctx, o, out, mk, ceil, api, f, peak); err != nil {
			return err
		}
	}
	return nil
}

// openRounds loads both servers at one fixed rate, the fraction f of the
// ceiling's median peak above, in interleaved rounds. Flat out, latency is the
// queue the closed loop builds (with 16 connections on 2 cores the ceiling's
// own p99 is several milliseconds); at a fixed rate it is what a caller of a
// server that isn't saturated waits, which is what an SLO speaks of.
func openRounds(ctx context.Context, o options, out io.Writer, mk func(string, int) load, ceil, api *child, f, peak float64) error {
	rate := f * peak
	fmt.Fprintf(out, "\nopen loop at %.0f requests/s (%.2f of the ceiling's median peak), %d requests per run, latency from when each was due\n",
		rate, f, o.n)
	fmt.Fprintf(out, "%-6s %9s %9s %9s %7s %9s %9s %9s %7s\n", "round", "ceil p50", "p99", "p99.9", "late", "apik p50", "p99", "p99.9", "late")
	var cp99, ap99 []float64
	for round := 1; round <= o.rounds; round++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		lc, la := mk(ceil.addr, o.n), mk(api.addr, o.n)
		lc.rate, la.rate = rate, rate
		var c, a result
		if round%2 == 1 {
			c, a = lc.run(), la.run()
		} else {
			a, c = la.run(), lc.run()
		}
		if err := errors.Join(failed("ceiling", c), failed("apikeys", a)); err != nil {
			return err
		}
		cp99 = append(cp99, float64(c.pct(0.99))/float64(time.Millisecond))
		ap99 = append(ap99, float64(a.pct(0.99))/float64(time.Millisecond))
		fmt.Fprintf(out, "%-6d %9s %9s %9s %7d %9s %9s %9s %7d\n", round, ms(c.pct(0.5)), ms(c.pct(0.99)), ms(c.pct(0.999)), c.late,
			ms(a.pct(0.5)), ms(a.pct(0.99)), ms(a.pct(0.999)), a.late)
	}
	fmt.Fprintf(out, "ceiling p99 (ms): %s\n", minMedMax(cp99))
	fmt.Fprintf(out, "apikeys p99 (ms): %s\n", minMedMax(ap99))
	return nil
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// runCounted runs l and returns, with its result, the CPU the server process c
// spent meanwhile (0 where /proc doesn't tell).
func runCounted(l load, c *child) (result, time.Duration) {
	before := processCPU(c.cmd.Process.Pid)
	r := l.run()
	return r, max(processCPU(c.cmd.Process.Pid)-before, 0)
}

// processCPU is the user and system CPU time of process pid so far, from
// /proc/PID/stat (in clock ticks, which Linux reports at 100 per second to
// user space whatever the kernel's own rate); 0 where that isn't readable.
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after it don't.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * (time.Second / 100)
}

func failed(name string, r result) error {
	if r.failures == 0 {
		return nil
	}
	return fmt.Errorf("%s: %d failures, first: %v", name, r.failures, r.firstErr)
}

func minMedMax(v []float64) string {
	s := slices.Clone(v)
	slices.Sort(s)
	return fmt.Sprintf("min %.2f, median %.2f, max %.2f", s[0], s[len(s)/2], s[len(s)-1])
}
