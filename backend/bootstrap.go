package backend

import (
	"context"
	"errors"

	"github.com/apikeys-dev/apikeys/backend/store"
	"github.com/apikeys-dev/apikeys/model"
)

// Bootstrap makes sure the workspace exists. On an empty store it creates the
// workspace and a primary owner with the given name, email and SSH keys, writing
// UserInvited (and SshKeyAdded) events with a system actor, and reports
// created=true. On a store that has a workspace it does nothing. Two processes
// bootstrapping one store at once are safe: one creates, the other sees it.
func (b *Backend) Bootstrap(ctx context.Context, workspaceName, ownerName, ownerEmail string, sshKeys []string) (owner model.Member, created bool, err error) {
	if _, err := b.store.Workspace(ctx); err == nil {
		return model.Member{}, false, nil
	} else if !errors.Is(err, model.ErrNotFound) {
		return model.Member{}, false, err
	}
	name, err := model.ValidateMemberName(ownerName)
	if err != nil {
		return model.Member{}, false, err
	}
	email, err := model.NormalizeEmail(ownerEmail)
	if err != nil {
		return model.Member{}, false, err
	}
	keys, err := parseSSHKeys(sshKeys)
	if err != nil {
		return model.Member{}, false, err
	}
	wsName, err := model.ValidateName(workspaceName)
	if err != nil {
		wsName = "Workspace"
	}
	now := b.Now()
	err = b.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Workspace(ctx); err == nil {
			return errAlreadyBootstrapped
		}
		if err := tx.CreateWorkspace(ctx, model.Workspace{ID: b.newID("ws"), Name: wsName, CreatedAt: now}); err != nil {
			return err
		}
		for i := range keys {
			keys[i].AddedAt = now
		}
		owner = model.Member{
			ID: b.newID("mem"), Name: name, Email: email, AccountType: model.PrimaryOwner,
			Status: model.StatusActive, SSHKeys: keys, CreatedAt: now, UpdatedAt: now, Version: 1,
		}
		if err := tx.InsertMember(ctx, owner); err != nil {
			return err
		}
		sys := model.Actor{Type: model.ActorSystem, ID: "system", Name: "apikeys"}
		return b.invitedEvents(ctx, tx, sys, model.SourceCLI, owner, keys)
	})
	if errors.Is(err, errAlreadyBootstrapped) || (err != nil && model.KindOf(err) == model.KindConflict) {
		return model.Member{}, false, nil
	}
	if err != nil {
		return model.Member{}, false, err
	}
	return owner, true, nil
}

var errAlreadyBootstrapped = errors.New("workspace already exists")

// invitedEvents writes UserInvited and one SshKeyAdded per SSH key of a new member.
func (b *Backend) invitedEvents(ctx context.Context, tx store.Tx, actor model.Actor, src model.Source, m model.Member, keys []model.SSHKey) error {
	evs := []model.Payload{model.UserInvitedPayload{UserRef: model.UserRefOf(m), AccountType: m.AccountType}}
	for _, k := range keys {
		evs = append(evs, sshKeyPayload(model.EventSshKeyAdded, m, k.Fingerprint))
	}
	for _, p := range evs {
		ev, err := b.newEvent(actor, src, p)
		if err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

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

// HasWorkspace reports whether the store holds a workspace yet.
func (b *Backend) HasWorkspace(ctx context.Context) (bool, error) {
	_, err := b.store.Workspace(ctx)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
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
