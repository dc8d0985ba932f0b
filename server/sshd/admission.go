package sshd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/apikeys-dev/apikeys/server/ratelimit"
)

// Startups is OpenSSH's MaxStartups, start:rate:full: once Start connections
// are waiting to sign in, a new one is dropped with probability Rate percent,
// rising linearly to 100% at Full. A flood of connections that never sign in
// then can't hold every place, and a member trying meanwhile gets in with a
// chance that falls only as the flood grows.
type Startups struct{ Start, Rate, Full int }

func (st Startups) String() string { return fmt.Sprintf("%d:%d:%d", st.Start, st.Rate, st.Full) }

// ParseStartups reads "start:rate:full" (as "10:30:100") or a single number,
// which is start and full at once (no random drop).
func ParseStartups(s string) (Startups, error) {
	parts := strings.Split(s, ":")
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Startups{}, fmt.Errorf("max startups %q: want start:rate:full such as 10:30:100", s)
		}
		nums[i] = n
	}
	var st Startups
	switch len(nums) {
	case 1:
		st = Startups{Start: nums[0], Rate: 100, Full: nums[0]}
	case 3:
		st = Startups{Start: nums[0], Rate: nums[1], Full: nums[2]}
	default:
		return Startups{}, fmt.Errorf("max startups %q: want start:rate:full such as 10:30:100", s)
	}
	return st, st.validate()
}

func (st Startups) validate() error {
	if st.Start < 1 || st.Full < st.Start || st.Rate < 0 || st.Rate > 100 {
		return errors.New("max startups: want 1 <= start <= full and a rate of 0 to 100 percent")
	}
	return nil
}

// admission counts connections that have not signed in yet, per address and
// in all, and says which new ones to turn away.
type admission struct {
	perAddr  int // 0: no per-address cap
	startups Startups
	random   func() float64 // in [0, 1)

	mu      sync.Mutex
	pending int
	byAddr  map[ratelimit.Key]int
}

// admit takes a place for a new connection from key, or says why there is none:
// the Observer's reason and the sentence for the client.
func (a *admission) admit(key ratelimit.Key) (reason, refusal string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.perAddr > 0 && a.byAddr[key] >= a.perAddr {
		return RefusedPendingPerAddr, fmt.Sprintf("too many connections from %s waiting to sign in (at most %d); try again in a few seconds.", key, a.perAddr)
	}
	if a.drop(a.pending) {
		return RefusedStartups, "too many connections waiting to sign in; try again in a few seconds."
	}
	a.pending++
	a.byAddr[key]++
	return "", ""
}

// drop decides MaxStartups' random early drop with n connections pending.
func (a *admission) drop(n int) bool {
	st := a.startups
	switch {
	case n < st.Start:
		return false
	case n >= st.Full:
		return true
	}
	p := float64(st.Rate) + float64(100-st.Rate)*float64(n-st.Start)/float64(st.Full-st.Start)
	return a.random()*100 < p
}

func (a *admission) release(key ratelimit.Key) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending--
	if a.byAddr[key]--; a.byAddr[key] <= 0 {
		delete(a.byAddr, key)
	}
}

func (a *admission) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending
}
