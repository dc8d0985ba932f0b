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
		sys := model.SystemActor
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

// HasWorkspace reports whether the store holds a workspace yet.
func (b *Backend) HasWorkspace(ctx context.Context) (bool, error) {
	_, err := b.store.Workspace(ctx)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
