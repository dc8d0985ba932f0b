# Measures `apikeys` start to first frame: runs the binary on a pty of 120x36
# against a seeded data dir, answers its terminal queries, and times until the key
# list is drawn (the first part of it: the rest loads behind the first frame).
# Usage:
#   go build -o /tmp/apikeys ./cmd/apikeys && go run ./cmd/seed -n 10000 /tmp/apikeys-10k
#   python3 scripts/first-frame.py 10
#   go run ./cmd/seed -n 1000000 /tmp/apikeys-1m && DATA_DIR=/tmp/apikeys-1m python3 scripts/first-frame.py 10
# With LOADED=N (the number of keys seeded) each run also waits until all N
# are loaded ("1/N" in the list's header), and reports that time and the
# process's peak RSS (ru_maxrss):
#   LOADED=1000000 DATA_DIR=/tmp/apikeys-1m python3 scripts/first-frame.py 3
# It prints min / median / max and the load average, and the CPU time the
# process used until its first frame (steadier than wall time when the
# machine is shared), which a shared machine
# needs beside any figure.
import os, pty, time, select, sys, statistics
LOADED = os.environ.get("LOADED", "")
def once():
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["APIKEYS_DATA_DIR"] = os.environ.get("DATA_DIR", "/tmp/apikeys-10k")
        os.environ["TERM"] = "xterm-256color"
        os.execv(os.environ.get("APIKEYS_BIN", "/tmp/apikeys"), [os.environ.get("APIKEYS_BIN", "/tmp/apikeys")])
    import fcntl, termios, struct
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    t0 = time.monotonic(); buf = b""; t = None; full = None
    want = ("1/%s " % LOADED).encode() if LOADED else None
    while True:
        r,_,_ = select.select([fd],[],[],120)
        if not r: raise SystemExit("timeout")
        try: data = os.read(fd, 65536)
        except OSError: break
        buf += data
        # answer terminal queries (background colour, cursor position)
        if b"\x1b]11;?" in data: os.write(fd, b"\x1b]11;rgb:0000/0000/0000\x1b\\")
        if b"\x1b[6n" in data: os.write(fd, b"\x1b[1;1R")
        if t is None and b" key 0000" in buf:
            t = time.monotonic()-t0
            st = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
            cpu = (int(st[11]) + int(st[12])) * 1000 / os.sysconf("SC_CLK_TCK")
            if not want: break
            buf = buf[-200:]
        if t is not None and want and want in buf:
            full = time.monotonic()-t0; break
        if len(buf) > 1 << 20: buf = buf[-4096:]
    os.write(fd, b"q"); 
    try:
        while os.read(fd, 65536): pass
    except OSError: pass
    _, _, ru = os.wait4(pid, 0)
    return t*1000, full, ru.ru_maxrss/1024, cpu
runs=[once() for _ in range(int(sys.argv[1]))]
load=" ".join(open("/proc/loadavg").read().split()[:3])
xs=[r[0] for r in runs]
print("start to first frame, %s: min / median / max %.0f / %.0f / %.0f ms over %d runs, load average %s"%(
    os.environ.get("DATA_DIR", "/tmp/apikeys-10k"), min(xs), statistics.median(xs), max(xs), len(xs), load))
cs=[r[3] for r in runs]
print("CPU time of the process to its first frame (user + system, 10 ms ticks): %.0f / %.0f / %.0f ms"%(min(cs), statistics.median(cs), max(cs)))
if LOADED:
    fs=[r[1] for r in runs]; rs=[r[2] for r in runs]
    print("all %s loaded: %.1f / %.1f / %.1f s; peak RSS %.0f / %.0f / %.0f MiB"%(
        LOADED, min(fs), statistics.median(fs), max(fs), min(rs), statistics.median(rs), max(rs)))
