// Command sshload opens many concurrent TUI sessions against a running
// `apikeys serve` on this machine and reports how long each took to show its
// first frame, and how much memory the server grew by per open session.
//
//	apikeys serve --data-dir /tmp/load --ssh-addr 127.0.0.1:23234 --ssh-conn-rate 0 \
//	    --ssh-max-startups-per-addr 0 --initial-admin-key /tmp/load-key.pub --initial-admin-email load@example.com &
//	go run ./cmd/sshload -addr 127.0.0.1:23234 -key /tmp/load-key -pid $!
//
// (A burst of sign-ins from one address needs those two flags: by default one
// address gets 60 connections a minute and 6 still signing in at once.)
//
// With -scenario flood or resize it attacks a server with default limits
// instead (see attack.go); the flood's idle connections are best held by a
// separate, niced process so that the attacker's CPU is not billed to the
// member's sign-ins:
//
//	nice -n 10 go run ./cmd/sshload -scenario hold -idle 300 -idle-addrs 10 -timeout 60s -key /tmp/load-key &
//	go run ./cmd/sshload -scenario flood -idle 0 -n 30 -loaded "" -key /tmp/load-key -pid $SERVER_PID
//	go run ./cmd/sshload -scenario resize -n 20 -observers 3 -key /tmp/load-key -pid $SERVER_PID
//
// It only ever connects to loopback addresses, opens at most -n sessions (capped
// at 1000), and gives up after -timeout.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:23234", "the server's SSH address; loopback only")
	keyPath := flag.String("key", "", "private key (OpenSSH format, no passphrase) of a member")
	n := flag.Int("n", 100, "concurrent TUI sessions to open (at most 1000)")
	ready := flag.String("ready", "API Keys", "text whose appearance counts as the page being ready")
	loaded := flag.String("loaded", "Primary Owner", "text that shows only once the member is signed in and the workspace read (the header's account type); \"\" to skip")
	pid := flag.Int("pid", 0, "the server's process id, to measure its memory (RSS) per session")
	ramp := flag.Duration("ramp", 0, "spread the session starts evenly over this long (0: all at once)")
	hold := flag.Duration("hold", 2*time.Second, "how long to keep every session open before measuring and closing")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	scenario := flag.String("scenario", "burst", "burst (-n sessions at once), flood (sign-ins during -idle idle connections), hold (only those idle connections, until -timeout) or resize (-n sessions at 20000x20000 beside -observers)")
	idle := flag.Int("idle", 300, "flood: idle TCP connections to hold open (at most 2000)")
	idleAddrs := flag.Int("idle-addrs", 10, "flood: loopback addresses they come from, 127.0.0.1 on (at most 50)")
	observers := flag.Int("observers", 3, "resize: sessions that time their redraws meanwhile")
	press := flag.String("press", "?", "resize: the key an observer presses to make the TUI redraw")
	flag.Parse()
	var err error
	switch *scenario {
	case "burst":
		err = run(*addr, *keyPath, *n, *ready, *loaded, *pid, *ramp, *hold, *timeout)
	case "flood", "resize", "hold":
		err = attack(*scenario, *addr, *keyPath, *n, *idle, *idleAddrs, *observers, *press, *ready, *loaded, *pid, *timeout)
	default:
		err = fmt.Errorf("-scenario %q: want burst, flood or resize", *scenario)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sshload:", err)
		os.Exit(1)
	}
}

func attack(scenario, addr, keyPath string, n, idle, addrs, observers int, press, ready, loaded string, pid int, timeout time.Duration) error {
	if n < 1 || n > 1000 || idle < 0 || idle > 2000 || addrs < 1 || addrs > 50 {
		return errors.New("-n must be 1 to 1000, -idle 0 to 2000, -idle-addrs 1 to 50")
	}
	if err := loopbackOnly(addr); err != nil {
		return err
	}
	signer, err := readSigner(keyPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	switch scenario {
	case "hold":
		// The flood alone, until -timeout: run it as a separate (niced)
		// process, so that its own CPU is not counted against the sign-ins,
		// as an attacker's on another machine would not be.
		open, dialled := flood(ctx, addr, idle, addrs)
		<-ctx.Done()
		fmt.Printf("hold: %d open at the end, %d dialled\n", open.Load(), dialled.Load())
		return nil
	case "flood":
		return runFlood(ctx, addr, signer, n, idle, addrs, ready, loaded, pid)
	}
	return runResize(ctx, addr, signer, n, observers, press, ready, pid)
}

// readSigner reads the -key file, an unencrypted private key.
func readSigner(path string) (ssh.Signer, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return nil, fmt.Errorf("-key: %w", err)
	}
	return signer, nil
}

func run(addr, keyPath string, n int, ready, loaded string, pid int, ramp, hold, timeout time.Duration) error {
	if n < 1 || n > 1000 {
		return errors.New("-n must be between 1 and 1000")
	}
	if err := loopbackOnly(addr); err != nil {
		return err
	}
	signer, err := readSigner(keyPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	rssBefore := rss(pid)
	start := make(chan struct{})
	results := make([]result, n)
	var opened, wg sync.WaitGroup
	release := make(chan struct{})
	for i := range results {
		wg.Add(1)
		opened.Add(1)
		go func(r *result, delay time.Duration) {
			defer wg.Done()
			<-start
			select {
			case <-time.After(delay):
			case <-ctx.Done():
			}
			r.open(ctx, addr, signer, ready, loaded, opened.Done, release)
		}(&results[i], ramp*time.Duration(i)/time.Duration(n))
	}
	t0 := time.Now()
	close(start)
	opened.Wait() // every session has shown its page, or failed
	all := time.Since(t0)
	select {
	case <-time.After(hold):
	case <-ctx.Done():
	}
	rssOpen := rss(pid)
	close(release)
	wg.Wait()

	report(os.Stdout, results, n, ramp, all, pid, rssBefore, rssOpen)
	for _, r := range results {
		if r.err != nil {
			return fmt.Errorf("%d of %d sessions failed", failures(results), n)
		}
	}
	return nil
}

// result is what one session measured.
type result struct {
	connect time.Duration // TCP, key exchange and sign-in
	first   time.Duration // from dialling to the TUI's first frame
	ready   time.Duration // from dialling to the ready text
	loaded  time.Duration // from dialling to the loaded text: signed in, data on screen
	err     error
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMc]`)

// open signs in, asks for a PTY and the TUI, answers the terminal queries as
// xterm would, and times the first frame, the ready text and the loaded text. It
// reports through done once it knows, and keeps the session open until release.
func (r *result) open(ctx context.Context, addr string, signer ssh.Signer, ready, loaded string, done func(), release <-chan struct{}) {
	r.openFrom(ctx, nil, addr, signer, ready, loaded, 100, 30, done, release)
}

// openFrom is open from the local address ip (nil: any) with a terminal of
// cols×rows.
func (r *result) openFrom(ctx context.Context, ip net.IP, addr string, signer ssh.Signer, ready, loaded string, cols, rows int, done func(), release <-chan struct{}) {
	reported := false
	report := func() {
		if !reported {
			reported = true
			done()
		}
	}
	defer report()
	t0 := time.Now()
	d := net.Dialer{}
	if ip != nil {
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		r.err = err
		return
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	cc, chans, reqs, err := ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User: "load", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		r.err = err
		return
	}
	c := ssh.NewClient(cc, chans, reqs)
	defer c.Close()
	r.connect = time.Since(t0)
	s, err := c.NewSession()
	if err != nil {
		r.err = err
		return
	}
	if err := s.RequestPty("xterm-256color", rows, cols, ssh.TerminalModes{}); err != nil {
		r.err = err
		return
	}
	in, _ := s.StdinPipe()
	out, _ := s.StdoutPipe()
	var errb bytes.Buffer
	s.Stderr = &errb
	if err := s.Shell(); err != nil {
		r.err = err
		return
	}
	// The text drawn so far, escape sequences removed chunk by chunk: cheap,
	// because this client shares the machine's cores with the server it loads.
	var text strings.Builder
	buf := make([]byte, 16384)
	for r.ready == 0 || (loaded != "" && r.loaded == 0) {
		k, err := out.Read(buf)
		chunk := buf[:k]
		if bytes.Contains(chunk, []byte("\x1b]11;?")) {
			io.WriteString(in, "\x1b]11;rgb:1c1c/1c1c/1c1c\x1b\\")
		}
		if bytes.Contains(chunk, []byte("\x1b[c")) {
			io.WriteString(in, "\x1b[?62;22c")
		}
		plain := ansiRE.ReplaceAll(chunk, nil)
		if r.first == 0 && len(bytes.TrimSpace(plain)) > 0 {
			r.first = time.Since(t0)
		}
		text.Write(plain)
		if r.ready == 0 && strings.Contains(text.String(), ready) {
			r.ready = time.Since(t0)
		}
		if loaded != "" && r.loaded == 0 && strings.Contains(text.String(), loaded) {
			r.loaded = time.Since(t0)
		}
		if err != nil {
			r.err = fmt.Errorf("session ended before %q and %q appeared: %v %s", ready, loaded, err, strings.TrimSpace(errb.String()))
			return
		}
	}
	report()
	// Keep the session open, reading (and discarding) what it draws, until the
	// measurement is done; then quit the TUI as a member would.
	go io.Copy(io.Discard, out)
	select {
	case <-release:
	case <-ctx.Done():
	}
	io.WriteString(in, "\x03")
	s.Close()
}

func report(w io.Writer, rs []result, n int, ramp, all time.Duration, pid int, before, open int64) {
	var connect, first, ready, loaded []time.Duration
	for _, r := range rs {
		if r.err == nil {
			connect, first, ready = append(connect, r.connect), append(first, r.first), append(ready, r.ready)
			if r.loaded > 0 {
				loaded = append(loaded, r.loaded)
			}
		}
	}
	how := "at once"
	if ramp > 0 {
		how = "over " + ramp.String()
	}
	fmt.Fprintf(w, "sessions: %d opened %s, %d failed; all pages ready after %v\n", n, how, failures(rs), all.Round(time.Millisecond))
	for _, m := range []struct {
		name string
		ds   []time.Duration
	}{{"signed in", connect}, {"first frame", first}, {"page ready", ready}, {"signed in on screen", loaded}} {
		if len(m.ds) == 0 {
			continue
		}
		fmt.Fprintf(w, "%-19s p50 %-8v p90 %-8v p99 %-8v max %v\n", m.name,
			pct(m.ds, 50), pct(m.ds, 90), pct(m.ds, 99), pct(m.ds, 100))
	}
	if pid > 0 && before > 0 && open > 0 {
		fmt.Fprintf(w, "server RSS: %.1f MiB before, %.1f MiB with %d sessions open: %.2f MiB per session\n",
			mib(before), mib(open), len(ready), mib(open-before)/float64(max(len(ready), 1)))
	}
	seen := map[string]int{}
	for _, r := range rs {
		if r.err != nil {
			seen[r.err.Error()]++
		}
	}
	for e, k := range seen {
		fmt.Fprintf(w, "failed %dx: %s\n", k, e)
	}
}

func failures(rs []result) int {
	k := 0
	for _, r := range rs {
		if r.err != nil {
			k++
		}
	}
	return k
}

// pct is the p-th percentile (nearest rank).
func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (p*len(s)+99)/100 - 1
	return s[max(i, 0)].Round(100 * time.Microsecond)
}

// rss reads a process's resident set size in bytes from /proc; 0 if unknown.
func rss(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// loopbackOnly refuses any address that isn't on this machine's loopback.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	ips, err := net.LookupIP(host)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("-addr %s is not a loopback address: sshload only loads servers on this machine", addr)
		}
	}
	return nil
}
