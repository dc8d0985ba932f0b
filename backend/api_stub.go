package backend

import (
	"context"

	"github.com/apikeys-dev/apikeys/model"
)

// Session is the backend bound to one acting member and the source of their
// actions (cli, tui, ssh). Every method re-reads the member, so a changed account
// type or a deactivation applies at once. It implements client.Client.
type Session struct {
	b        *Backend
	memberID string
	source   model.Source
}

// Bootstrap makes sure the workspace exists. On an empty store it creates the
// workspace (named workspaceName) and a primary owner with the given name, email
// and SSH keys, writing UserInvited (and SshKeyAdded) events with a system actor,
// and reports created=true. On a store that has a workspace it does nothing.
func (b *Backend) Bootstrap(ctx context.Context, workspaceName, ownerName, ownerEmail string, sshKeys []string) (owner model.Member, created bool, err error) {
	panic("TODO")
}

// SessionFor binds a member, named by id or email, who must be active.
func (b *Backend) SessionFor(ctx context.Context, member string, src model.Source) (*Session, error) {
	panic("TODO")
}

// MemberBySSHKey finds the active member holding an SSH key with this SHA256
// fingerprint; KindUnauthenticated when there is none or they are deactivated.
func (b *Backend) MemberBySSHKey(ctx context.Context, fingerprint string) (model.Member, error) {
	panic("TODO")
}

// RecordSSHSession writes SshSessionStarted for a member who signed in with the key
// of this fingerprint from remoteAddr.
func (b *Backend) RecordSSHSession(ctx context.Context, m model.Member, fingerprint, remoteAddr string) error {
	panic("TODO")
}

// Authenticate checks a presented secret for an API of key type want: format and
// checksum first (no store look-up for a malformed key), then the hash (compared in
// constant time), then revocation, expiry and type. It returns the key, or a
// KindUnauthenticated error (no, malformed, unknown, revoked, expired) or a
// KindForbidden error (another type). A success records last use (time and addr),
// at most once a minute per key, off the request path.
func (b *Backend) Authenticate(ctx context.Context, presented string, want model.KeyType, addr string) (model.Key, error) {
	panic("TODO")
}

// Verify answers whether a presented key is valid for a type, for other services.
// It never returns the error of a refused key, only the reason. A valid key's use
// is recorded like Authenticate's.
func (b *Backend) Verify(ctx context.Context, presented string, want model.KeyType, addr string) (VerifyResult, error) {
	panic("TODO")
}

// AuditEvents pages through the audit log for the Audit Logs API; the caller has
// already authenticated an audit-logs key. Page tokens are opaque and tamper-evident:
// a garbage or altered token is KindInvalid.
func (b *Backend) AuditEvents(ctx context.Context, f EventFilter) (EventPage, error) {
	panic("TODO")
}

// Flush waits until recorded key uses are written, for shutdown and tests.
func (b *Backend) Flush(ctx context.Context) error { panic("TODO") }
