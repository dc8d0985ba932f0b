package sshd

import (
	"fmt"
	"math"
	"net"
	"time"
)

func rateMessage(a net.Addr, perMinute int, wait time.Duration) string {
	host := a.String()
	if tcp, ok := a.(*net.TCPAddr); ok {
		host = tcp.IP.String()
	}
	secs := int(math.Ceil(wait.Seconds()))
	return fmt.Sprintf("apikeys: too many connections from %s (at most %d a minute); try again in %d seconds.\r\n",
		host, perMinute, max(secs, 1))
}

// sessionMessage says, in one line, that the server is full.
func capMessage(limit int) string {
	return fmt.Sprintf("The server is at its limit of %d open sessions; try again in a few minutes.", limit)
}

// idleMessage says why an idle session ended.
func idleMessage(d time.Duration) string {
	return fmt.Sprintf("No keystroke for %s; this session has ended. Reconnect to continue.", humanDuration(d))
}

// humanDuration prints 15m as "15 minutes", 90s as "90 seconds", 2h as "2 hours".
func humanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int64(d/time.Minute), "minute")
	case d >= time.Second && d%time.Second == 0:
		return plural(int64(d/time.Second), "second")
	default:
		return d.String()
	}
}
