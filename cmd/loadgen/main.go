// Command loadgen measures the HTTP API on this machine, in one run:
//
//   - verify throughput: POST /api/v1/keys/verify through the real server (real
//     backend, SQLite store, rate limiter and access log on) over loopback, against
//     a bare net/http handler returning the same JSON bytes (the ceiling), with
//     requests per second, the ratio, and p50/p99 latency;
//   - audit pages: a page of 1000 events through the real server from a store of
//     -events events (1,000,000 by default).
//
// The load is bounded (-n requests over -c keep-alive connections) and goes to
// loopback only. With -url it loads a running `apikeys serve` instead of the
// in-process server (the key to verify comes from $APIKEYS_LOADGEN_KEY, never a
// flag, so it stays out of the process list); the ceiling is still in-process.
// With -db postgres://… the in-process server runs on that (empty) PostgreSQL
// database instead of a temp SQLite file.
//
//	go run ./cmd/loadgen                       # everything
//	go run ./cmd/loadgen -events 0             # verify only
//	go run ./cmd/loadgen -db postgres://…/scratch -events 0
//	APIKEYS_LOADGEN_KEY=apk_imp_… go run ./cmd/loadgen -url http://127.0.0.1:8080 -events 0
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

type options struct {
	n, c, rounds, warmup int
	events, samples      int
	url, keyType, db     string

	// The process mode (-serve).
	serve, dataDir, secrets string
	keys                    int
	open                    []float64 // fixed-rate runs, each a fraction of the ceiling's peak
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 100_000, "verify requests per run")
	flag.IntVar(&o.c, "c", 16, "concurrent keep-alive connections")
	flag.IntVar(&o.rounds, "rounds", 3, "runs of each server, interleaved; the median is reported")
	flag.IntVar(&o.warmup, "warmup", 5_000, "requests to each server before measuring")
	flag.IntVar(&o.events, "events", 1_000_000, "audit events in the store for the page measurement (0 skips it)")
	flag.IntVar(&o.samples, "samples", 50, "requests per audit page case")
	flag.StringVar(&o.url, "url", "", "load a running server on loopback (http://127.0.0.1:8080) instead of an in-process one")
	flag.StringVar(&o.keyType, "type", "import", "key type to verify, with -url")
	flag.StringVar(&o.db, "db", "", "an empty, throw-away PostgreSQL database (postgres://…) for the in-process server instead of a temp SQLite file")
	flag.StringVar(&o.serve, "serve", "", "process mode: the `apikeys` binary to run as `serve` (needs -data and -secrets)")
	flag.StringVar(&o.dataDir, "data", "", "process mode: the data directory `seed` filled")
	flag.StringVar(&o.secrets, "secrets", "", "process mode: the secrets file `seed -secrets` wrote")
	flag.IntVar(&o.keys, "keys", 100_000, "process mode: how many distinct keys to present, from the secrets file")
	flag.Func("open", "process mode: after the flat-out rounds, rounds at fixed rates, each a `FRACTION[,FRACTION…]` of the ceiling's median peak (0.5: half of it)", func(v string) error {
		for f := range strings.SplitSeq(v, ",") {
			x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || !(x > 0 && x <= 2) {
				return fmt.Errorf("%q is not a fraction in (0, 2]", f)
			}
			o.open = append(o.open, x)
		}
		return nil
	})
	ceiling := flag.String("ceiling", "", "run only the ceiling server on this `ADDR` (the process mode starts it so)")
	flag.Parse()
	if *ceiling != "" {
		if err := runCeiling(*ceiling); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		return
	}
	if o.n < 1 || o.c < 1 || o.rounds < 1 || o.c > 1024 || o.n > 10_000_000 {
		fmt.Fprintln(os.Stderr, "loadgen: -n must be 1..10000000, -c 1..1024, -rounds at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	fmt.Fprintf(out, "loadgen: %s, %s/%s, GOMAXPROCS=%d, %d CPUs, load average %s\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.NumCPU(), loadAvg())
	// Another process busy on the same cores skews both servers; say so.
	defer func() { fmt.Fprintf(out, "\nload average at the end: %s\n", loadAvg()) }()
	if o.serve != "" {
		if o.dataDir == "" || o.secrets == "" || o.keys < 1 {
			return errors.New("-serve needs -data DIR and -secrets FILE from `seed -n N -secrets FILE DIR`, and -keys ≥ 1")
		}
		return benchProcesses(ctx, o, out)
	}
	env, err := newTarget(ctx, o)
	if err != nil {
		return err
	}
	defer env.close()

	if err := benchVerify(ctx, o, env, out); err != nil {
		return err
	}
	if o.events > 0 {
		if o.url != "" {
			return errors.New("-events needs the in-process server; use -events 0 with -url")
		}
		return benchPages(ctx, o, env, out)
	}
	return nil
}

// loadAvg is the 1-, 5- and 15-minute load average, where the OS tells it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
