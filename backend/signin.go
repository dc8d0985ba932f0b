package backend

// What the servers ask of the backend when someone signs in: who holds a key,
// whether they are still allowed, and the record that they signed in.

import (
	"context"
	"errors"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// MemberBySSHKey finds the active member holding an SSH key with this SHA256
// fingerprint; KindUnauthenticated when there is none or they are deactivated.
func (b *Backend) MemberBySSHKey(ctx context.Context, fingerprint string) (model.Member, error) {
	m, err := b.store.MemberBySSHKey(ctx, fingerprint)
	if errors.Is(err, model.ErrNotFound) {
		return model.Member{}, model.Unauthenticated("No member has this SSH key.")
	}
	if err != nil {
		return model.Member{}, err
	}
	if !m.Active() {
		return model.Member{}, model.Unauthenticated("%s's account is deactivated.", model.Sanitize(m.Email))
	}
	return m, nil
}

// Member returns a member by id or email, whatever their status; servers use it to
// notice deactivations and removed keys.
func (b *Backend) Member(ctx context.Context, ref string) (model.Member, error) {
	return resolveMember(ctx, b.store, ref)
}

// AllMembers lists every member with their status and SSH keys, for servers that
// check open sessions against them; it is not bound to an acting member.
func (b *Backend) AllMembers(ctx context.Context) ([]model.Member, error) {
	return b.store.Members(ctx)
}

// RecordSSHSession writes SshSessionStarted for a member who signed in with the key
// of this fingerprint from remoteAddr.
func (b *Backend) RecordSSHSession(ctx context.Context, m model.Member, fingerprint, remoteAddr string) error {
	// Stamped inside the transaction, like every other event, so that its
	// ingestion time is when it was stored even if the write queued.
	return b.store.Update(ctx, func(tx store.Tx) error {
		// Checked in the write itself (writers are serialised), so no session
		// is ever recorded after its member's deactivation or key removal.
		cur, err := tx.MemberBySSHKey(ctx, fingerprint)
		switch {
		case errors.Is(err, model.ErrNotFound) || (err == nil && cur.ID != m.ID):
			return model.Unauthenticated("The SSH key %s is no longer on your account.", fingerprint)
		case err != nil:
			return err
		case !cur.Active():
			return model.Unauthenticated("%s's account is deactivated.", model.Sanitize(cur.Email))
		}
		ev, err := b.newEvent(memberActor(m), model.SourceSSH, model.SshSessionStartedPayload{
			UserRef: model.UserRefOf(m), Fingerprint: fingerprint, RemoteAddress: remoteAddr,
		})
		if err != nil {
			return err
		}
		return tx.AppendEvent(ctx, ev)
	})
}
