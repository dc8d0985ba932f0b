package sshd

// Observer is told what the server turns away, for metrics; the open session
// count is Server.Sessions. Calls come from connection goroutines: they must be
// quick and never block. Reasons are the Refused… constants, a bounded set.
type Observer interface {
	ConnectionRefused(reason string)
}

// Reasons a connection or session is turned away, as Observer hears them.
const (
	RefusedPendingPerAddr = "pending_per_address" // the address's cap of connections signing in
	RefusedStartups       = "startups"            // MaxStartups' random early drop
	RefusedRateLimited    = "rate_limited"        // over --ssh-conn-rate: told why
	RefusedFlood          = "flood"               // far over the rate: closed unanswered
	RefusedSessionCap     = "session_cap"         // at --max-sessions
	RefusedShuttingDown   = "shutting_down"
	RefusedProxyHeader    = "proxy_header" // --ssh-proxy-protocol: none from a trusted proxy, or one from anyone else
)

// RefusedReasons lists every reason, so that a metric can show each at zero.
var RefusedReasons = []string{RefusedPendingPerAddr, RefusedStartups, RefusedRateLimited, RefusedFlood, RefusedSessionCap, RefusedShuttingDown, RefusedProxyHeader}

func (s *Server) refused(reason string) {
	if s.cfg.Observer != nil {
		s.cfg.Observer.ConnectionRefused(reason)
	}
}

// refusedSession reports a session register turned away with message msg.
func (s *Server) refusedSession(msg string) {
	if msg == shutdownMessage {
		s.refused(RefusedShuttingDown)
		return
	}
	s.refused(RefusedSessionCap)
}
