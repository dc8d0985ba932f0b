package model

import (
	"slices"
	"strings"
)

// MemberAction is a change to a member that the no-escalation rule governs: nobody
// grants or touches powers they don't hold.
type MemberAction string

// The member changes, as the CLI names them.
const (
	MemberAdd          MemberAction = "add"
	MemberSetType      MemberAction = "set-type"
	MemberDeactivate   MemberAction = "deactivate"
	MemberReactivate   MemberAction = "reactivate"
	MemberAddSSHKey    MemberAction = "add-ssh-key"
	MemberRemoveSSHKey MemberAction = "remove-ssh-key"
)

// MemberActions lists every member change.
var MemberActions = []MemberAction{MemberAdd, MemberSetType, MemberDeactivate, MemberReactivate, MemberAddSSHKey, MemberRemoveSSHKey}

// MemberChange is one change an actor asks to make to a member, with the facts
// about the workspace its rules need. The backend fills it inside the transaction
// that re-reads the actor; the TUI fills it from what it shows, to hide what the
// backend would refuse.
type MemberChange struct {
	Action MemberAction
	Actor  Member
	// Target is the member changed, as stored now; the zero Member for MemberAdd.
	Target Member
	// To is the target's account type after the change: the new member's for
	// MemberAdd, the chosen one for MemberSetType. Other actions ignore it.
	To AccountType
	// Fingerprint is the SSH key removed, for MemberRemoveSSHKey.
	Fingerprint string
	// ActiveOwners counts the workspace's active primary owners. It is read only
	// when the target is one, and a zero there counts the target as the last, so
	// a caller that forgets it is refused rather than let through.
	ActiveOwners int
	// Source is where the change comes from: over SSH, the last key of the last
	// active primary owner stays, or nobody could sign in as an owner again.
	Source Source
}

// Covers reports whether account type a holds every permission of account type b:
// every cell of the permission matrix that b may do, a may do too. A Workspace
// Admin covers Builders, Members and Workspace Admins, but not a Security Admin,
// who may manage Audit logs keys. An unknown b is covered by nobody.
func Covers(a, b AccountType) bool {
	if !a.Valid() || !b.Valid() {
		return false
	}
	for act, byKeyType := range permissions {
		for kt, types := range byKeyType {
			if slices.Contains(types, b) && !Can(a, act, kt) {
				return false
			}
		}
	}
	return true
}

// Check returns nil when the actor may make the change, and otherwise the refusal
// to show, naming what is needed:
//
//   - every member may add and remove their own SSH keys;
//   - anything else needs the right to manage members, and an account type that
//     covers the target's both before and after the change (so only a primary
//     owner makes, unmakes or touches a primary owner);
//   - nobody changes their own account type, or deactivates or reactivates
//     themselves;
//   - the last active primary owner can't be demoted or deactivated, and over SSH
//     can't lose their last SSH key;
//   - a deactivated member isn't deactivated again, nor an active one reactivated.
func (c MemberChange) Check() error {
	if !slices.Contains(MemberActions, c.Action) {
		return Forbidden("%s is not a change to a member.", Quote(string(c.Action)))
	}
	// An actor without an id is nobody's self: a half-filled change is refused.
	self := c.Action != MemberAdd && c.Actor.ID != "" && c.Target.ID == c.Actor.ID
	if !(self && (c.Action == MemberAddSSHKey || c.Action == MemberRemoveSSHKey)) {
		if err := c.mayManage(self); err != nil {
			return err
		}
	}
	return c.keepsAnOwner()
}

// mayManage checks the right to manage members and the no-escalation rule.
func (c MemberChange) mayManage(self bool) error {
	if err := Require(c.Actor.AccountType, ActManageMembers, ""); err != nil {
		return err
	}
	switch {
	case self && c.Action == MemberSetType:
		return Forbidden("You can't change your own account type.")
	case self:
		return Forbidden("You can't %s yourself.", c.Action)
	}
	before, after := c.Target.AccountType, c.after()
	if c.Action == MemberAdd || c.Action == MemberSetType {
		if !after.Valid() {
			_, err := ParseAccountType(string(after))
			return err
		}
	}
	if c.Action != MemberAdd && !Covers(c.Actor.AccountType, before) {
		return Forbidden("You need to be %s to %s.", whoCovers(before, after), c.phrase(before))
	}
	if !Covers(c.Actor.AccountType, after) {
		return Forbidden("You need to be %s to %s.", whoCovers(before, after), c.phrase(after))
	}
	switch name := Sanitize(c.Target.Name); {
	case c.Action == MemberDeactivate && !c.Target.Active():
		return Invalid("member", "%s is already deactivated.", name)
	case c.Action == MemberReactivate && c.Target.Active():
		return Invalid("member", "%s is already active.", name)
	}
	return nil
}

// keepsAnOwner refuses what would leave the workspace without an active primary
// owner, or (over SSH) without one who can sign in.
func (c MemberChange) keepsAnOwner() error {
	t := c.Target
	if c.Action == MemberAdd || t.AccountType != PrimaryOwner || !t.Active() || c.ActiveOwners > 1 {
		return nil
	}
	switch c.Action {
	case MemberSetType:
		if c.To == PrimaryOwner {
			return nil
		}
	case MemberDeactivate:
	case MemberRemoveSSHKey:
		last := len(t.SSHKeys) == 1 && t.SSHKeys[0].Fingerprint == c.Fingerprint
		if c.Source != SourceSSH || !last {
			return nil
		}
		return Invalid("sshKey", "That is the last SSH key of the last active Primary Owner: without it nobody could sign in over SSH as a Primary Owner. Add another key first.")
	default:
		return nil
	}
	return Invalid("member", "%s is the last active Primary Owner: make someone else Primary Owner first.", Sanitize(t.Name))
}

// after is the target's account type once the change is made.
func (c MemberChange) after() AccountType {
	if c.Action == MemberAdd || c.Action == MemberSetType {
		return c.To
	}
	return c.Target.AccountType
}

// phrase says what the change does to a member of account type t, for "You need
// to be … to …".
func (c MemberChange) phrase(t AccountType) string {
	who := article(t.Label())
	switch {
	case c.Action == MemberAdd:
		return "add " + who
	case c.Action == MemberSetType && t == c.To && t != c.Target.AccountType:
		return "make someone " + who
	case c.Action == MemberSetType:
		return "change the account type of " + who
	case c.Action == MemberAddSSHKey:
		return "add an SSH key to " + who
	case c.Action == MemberRemoveSSHKey:
		return "remove an SSH key of " + who
	}
	return string(c.Action) + " " + who // deactivate, reactivate
}

// whoCovers names the account types that may manage a member from before to after:
// "a Primary Owner", "a Workspace Admin" (the primary owner goes without saying
// where another type may too, as in Require's refusals).
func whoCovers(before, after AccountType) string {
	var names []string
	for _, t := range AccountTypes {
		if t != PrimaryOwner && Can(t, ActManageMembers, "") && (before == "" || Covers(t, before)) && Covers(t, after) {
			names = append(names, t.Label())
		}
	}
	if len(names) == 0 {
		return article(PrimaryOwner.Label())
	}
	return article(strings.Join(names, " or "))
}

func article(label string) string {
	if label != "" && strings.ContainsRune("AEIOU", rune(label[0])) {
		return "an " + label
	}
	return "a " + label
}

// AccountTypesFor lists the account types c.To may take: for MemberAdd, the types
// the actor may add; for MemberSetType, the types the actor may give the target,
// its current one included when the actor may touch it at all. The TUI offers
// only these.
func AccountTypesFor(c MemberChange) []AccountType {
	var out []AccountType
	for _, t := range AccountTypes {
		c.To = t
		if c.Check() == nil {
			out = append(out, t)
		}
	}
	return out
}
