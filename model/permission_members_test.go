package model_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

// The member changes the permission rules govern, as the CLI spells them.
var specMemberActions = []model.MemberAction{"add", "set-type", "deactivate", "reactivate", "add-ssh-key", "remove-ssh-key"}

// specHoldsAll is the rule "the actor's own account type holds every permission of
// the target's account type", read off the hand-copied table above: every cell
// the target's type may do, the actor's may do too.
func specHoldsAll(actor, target model.AccountType) bool {
	for _, row := range specPermissions {
		if specAllows(row.po, row.sa, row.wa, row.bm, target) && !specAllows(row.po, row.sa, row.wa, row.bm, actor) {
			return false
		}
	}
	return true
}

func specCanManageMembers(a model.AccountType) bool {
	for _, row := range specPermissions {
		if row.act == "manage-members" {
			return specAllows(row.po, row.sa, row.wa, row.bm, a)
		}
	}
	panic("no manage-members row")
}

// specMayChange is the no-escalation rule for a change to another member, sentence
// by sentence; before is "" for add, after equals before unless the type changes.
func specMayChange(act model.MemberAction, actor, before, after model.AccountType) bool {
	// "add members, change account type, deactivate, add/remove SSH keys": the row.
	if !specCanManageMembers(actor) {
		return false
	}
	// "… only if the actor's own account type holds every permission of the
	// target's account type both before and after the change."
	if act != "add" && !specHoldsAll(actor, before) {
		return false
	}
	if !specHoldsAll(actor, after) {
		return false
	}
	// "Only a primary owner may make or unmake a primary owner."
	if (before == "primary-owner" || after == "primary-owner") && actor != "primary-owner" {
		return false
	}
	return true
}

// TestHoldsEveryPermissionOf pins the relation the rule rests on, written out as a
// person reads it from the table, against both the rule as written here and the model.
func TestHoldsEveryPermissionOf(t *testing.T) {
	// Rows: actor; columns: target PO, SA, WA, builder, member.
	written := map[model.AccountType][5]bool{
		"primary-owner":   {Y, Y, Y, Y, Y},
		"security-admin":  {N, Y, N, Y, Y},
		"workspace-admin": {N, N, Y, Y, Y},
		"builder":         {N, N, N, Y, Y},
		"member":          {N, N, N, Y, Y},
	}
	for _, a := range specAccountTypes {
		for i, b := range specAccountTypes {
			want := written[a][i]
			if got := specHoldsAll(a, b); got != want {
				t.Errorf("the spec table says %s holds all of %s = %v, written %v", a, b, got, want)
			}
			if got := model.Covers(a, b); got != want {
				t.Errorf("Covers(%s, %s) = %v, want %v", a, b, got, want)
			}
		}
		if model.Covers(a, "root") || model.Covers("root", a) || model.Covers(a, "") {
			t.Errorf("Covers(%s, …) holds for an unknown account type", a)
		}
	}
}

// change builds the change of a member of type before (another member than the
// actor, active but for reactivate, with one SSH key) into after.
func change(act model.MemberAction, actor, before, after model.AccountType) model.MemberChange {
	target := model.Member{ID: "mem_target", Name: "Tess", AccountType: before, Status: model.StatusActive,
		SSHKeys: []model.SSHKey{{Fingerprint: "SHA256:t"}}}
	if act == "reactivate" {
		target.Status = model.StatusDeactivated
	}
	if act == "add" {
		target = model.Member{}
	}
	return model.MemberChange{
		Action: act, Actor: model.Member{ID: "mem_actor", AccountType: actor, Status: model.StatusActive},
		Target: target, To: after, Fingerprint: "SHA256:t", ActiveOwners: 3, Source: model.SourceSSH,
	}
}

// TestMemberChangeTable walks every cell: action × actor type × target type before
// × target type after (add has no before; only add and set-type have an after of
// their own), against the rule's sentences above.
func TestMemberChangeTable(t *testing.T) {
	cells := 0
	for _, act := range specMemberActions {
		befores, afters := specAccountTypes, []model.AccountType{""}
		switch act {
		case "add":
			befores, afters = []model.AccountType{""}, specAccountTypes
		case "set-type":
			afters = specAccountTypes
		}
		for _, actor := range specAccountTypes {
			for _, before := range befores {
				for _, after := range afters {
					if after == "" {
						after = before
					}
					cells++
					want := specMayChange(act, actor, before, after)
					err := change(act, actor, before, after).Check()
					cell := fmt.Sprintf("%s by %s: %s → %s", act, actor, before, after)
					if (err == nil) != want {
						t.Errorf("%s: Check() = %v, spec says allowed=%v", cell, err, want)
						continue
					}
					if err == nil {
						continue
					}
					if model.KindOf(err) != model.KindForbidden {
						t.Errorf("%s: kind %v, want forbidden", cell, model.KindOf(err))
					}
					// A refusal names what is needed: the right to manage members,
					// or else the Primary Owner, the only one above the target.
					need := "You need to be a Primary Owner to "
					if !specCanManageMembers(actor) {
						need = "You need to be a Workspace Admin to manage members."
					}
					if !strings.HasPrefix(err.Error(), need) {
						t.Errorf("%s: refusal %q, want it to start %q", cell, err, need)
					}
				}
			}
		}
	}
	if want := 5*5 + 5*5*5 + 4*5*5; cells != want {
		t.Fatalf("walked %d cells, want %d", cells, want)
	}
}

func TestMemberChangeRefusals(t *testing.T) {
	for _, tc := range []struct {
		c    model.MemberChange
		want string
	}{
		{change("add", "workspace-admin", "", "security-admin"), "You need to be a Primary Owner to add a Security Admin."},
		{change("add", "workspace-admin", "", "primary-owner"), "You need to be a Primary Owner to add a Primary Owner."},
		{change("set-type", "workspace-admin", "builder", "security-admin"), "You need to be a Primary Owner to make someone a Security Admin."},
		{change("set-type", "workspace-admin", "builder", "primary-owner"), "You need to be a Primary Owner to make someone a Primary Owner."},
		{change("set-type", "workspace-admin", "security-admin", "builder"), "You need to be a Primary Owner to change the account type of a Security Admin."},
		{change("set-type", "workspace-admin", "primary-owner", "builder"), "You need to be a Primary Owner to change the account type of a Primary Owner."},
		{change("deactivate", "workspace-admin", "security-admin", ""), "You need to be a Primary Owner to deactivate a Security Admin."},
		{change("reactivate", "workspace-admin", "primary-owner", ""), "You need to be a Primary Owner to reactivate a Primary Owner."},
		{change("add-ssh-key", "workspace-admin", "security-admin", ""), "You need to be a Primary Owner to add an SSH key to a Security Admin."},
		{change("remove-ssh-key", "workspace-admin", "primary-owner", ""), "You need to be a Primary Owner to remove an SSH key of a Primary Owner."},
		{change("deactivate", "security-admin", "builder", ""), "You need to be a Workspace Admin to manage members."},
		{change("add", "member", "", "member"), "You need to be a Workspace Admin to manage members."},
		{change("add", "primary-owner", "", "root"), "Unknown account type “root”: use one of primary-owner, security-admin, workspace-admin, builder, member."},
	} {
		err := tc.c.Check()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s by %s (%s → %s) = %v, want %q", tc.c.Action, tc.c.Actor.AccountType, tc.c.Target.AccountType, tc.c.To, err, tc.want)
		}
	}
}

// On oneself: every member adds and removes their own SSH keys; nobody changes
// their own account type or status.
func TestMemberChangeOnOneself(t *testing.T) {
	for _, a := range specAccountTypes {
		me := model.Member{ID: "mem_me", Name: "Me", AccountType: a, Status: model.StatusActive,
			SSHKeys: []model.SSHKey{{Fingerprint: "SHA256:a"}, {Fingerprint: "SHA256:b"}}}
		for _, act := range specMemberActions[1:] { // add is never on oneself
			c := model.MemberChange{Action: act, Actor: me, Target: me, To: "builder", Fingerprint: "SHA256:a", ActiveOwners: 2, Source: model.SourceSSH}
			err := c.Check()
			own := act == "add-ssh-key" || act == "remove-ssh-key"
			if own != (err == nil) {
				t.Errorf("%s %s on oneself: %v, want allowed=%v", a, act, err, own)
				continue
			}
			if err == nil || !specCanManageMembers(a) {
				continue
			}
			want := map[model.MemberAction]string{
				"set-type":   "You can't change your own account type.",
				"deactivate": "You can't deactivate yourself.",
				"reactivate": "You can't reactivate yourself.",
			}[act]
			if err.Error() != want {
				t.Errorf("%s %s on oneself: %q, want %q", a, act, err, want)
			}
		}
	}
}

// The workspace keeps an active primary owner who can sign in.
func TestMemberChangeKeepsAnOwner(t *testing.T) {
	owner := model.Member{ID: "mem_o", Name: "Olive", AccountType: "primary-owner", Status: model.StatusActive,
		SSHKeys: []model.SSHKey{{Fingerprint: "SHA256:last"}}}
	other := model.Member{ID: "mem_p", AccountType: "primary-owner", Status: model.StatusActive}
	for _, tc := range []struct {
		name   string
		c      model.MemberChange
		want   string // "" for allowed
		remark string
	}{
		{"demote the last owner", model.MemberChange{Action: "set-type", Actor: other, Target: owner, To: "security-admin", ActiveOwners: 1},
			"Olive is the last active Primary Owner: make someone else Primary Owner first.", ""},
		{"demote one of two", model.MemberChange{Action: "set-type", Actor: other, Target: owner, To: "security-admin", ActiveOwners: 2}, "", ""},
		{"keep the last owner an owner", model.MemberChange{Action: "set-type", Actor: other, Target: owner, To: "primary-owner", ActiveOwners: 1}, "", ""},
		{"deactivate the last owner", model.MemberChange{Action: "deactivate", Actor: other, Target: owner, ActiveOwners: 1},
			"Olive is the last active Primary Owner: make someone else Primary Owner first.", ""},
		{"an uncounted workspace is refused", model.MemberChange{Action: "deactivate", Actor: other, Target: owner},
			"Olive is the last active Primary Owner: make someone else Primary Owner first.", "fails closed"},
		{"deactivate one of two", model.MemberChange{Action: "deactivate", Actor: other, Target: owner, ActiveOwners: 2}, "", ""},
		{"last key of the last owner over SSH", model.MemberChange{Action: "remove-ssh-key", Actor: owner, Target: owner, Fingerprint: "SHA256:last", ActiveOwners: 1, Source: "ssh"},
			"That is the last SSH key of the last active Primary Owner: without it nobody could sign in over SSH as a Primary Owner. Add another key first.", ""},
		{"last key of the last owner from the CLI", model.MemberChange{Action: "remove-ssh-key", Actor: owner, Target: owner, Fingerprint: "SHA256:last", ActiveOwners: 1, Source: "cli"}, "", ""},
		{"last key of the last owner from the TUI", model.MemberChange{Action: "remove-ssh-key", Actor: owner, Target: owner, Fingerprint: "SHA256:last", ActiveOwners: 1, Source: "tui"}, "", "local: the machine is at hand"},
		{"last key of one of two owners over SSH", model.MemberChange{Action: "remove-ssh-key", Actor: owner, Target: owner, Fingerprint: "SHA256:last", ActiveOwners: 2, Source: "ssh"}, "", ""},
		{"a key the owner doesn't have", model.MemberChange{Action: "remove-ssh-key", Actor: owner, Target: owner, Fingerprint: "SHA256:other", ActiveOwners: 1, Source: "ssh"}, "", "the store says not found"},
		{"adding a key to the last owner over SSH", model.MemberChange{Action: "add-ssh-key", Actor: owner, Target: owner, Fingerprint: "SHA256:new", ActiveOwners: 1, Source: "ssh"}, "", ""},
	} {
		err := tc.c.Check()
		got := ""
		if err != nil {
			got = err.Error()
			if model.KindOf(err) != model.KindInvalid {
				t.Errorf("%s: kind %v, want invalid", tc.name, model.KindOf(err))
			}
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A change filled in half is refused, not let through.
func TestMemberChangeFailsClosed(t *testing.T) {
	po := model.Member{ID: "mem_o", AccountType: "primary-owner", Status: model.StatusActive}
	for name, c := range map[string]model.MemberChange{
		"no actor or target": {Action: "add-ssh-key"},
		"no actor":           {Action: "remove-ssh-key", Target: model.Member{AccountType: "builder"}},
		"an unknown action":  {Action: "promote", Actor: po, Target: model.Member{ID: "mem_b", AccountType: "builder", Status: model.StatusActive}},
		"an unknown type":    {Action: "set-type", Actor: po, Target: model.Member{ID: "mem_b", AccountType: "builder", Status: model.StatusActive}, To: "root"},
	} {
		if err := c.Check(); err == nil {
			t.Errorf("%s: allowed", name)
		}
	}
}

func TestMemberChangeStatus(t *testing.T) {
	po := model.Member{ID: "mem_o", AccountType: "primary-owner", Status: model.StatusActive}
	gone := model.Member{ID: "mem_g", Name: "Gus", AccountType: "builder", Status: model.StatusDeactivated}
	here := model.Member{ID: "mem_h", Name: "Hal", AccountType: "builder", Status: model.StatusActive}
	if err := (model.MemberChange{Action: "deactivate", Actor: po, Target: gone}).Check(); err == nil || err.Error() != "Gus is already deactivated." {
		t.Errorf("deactivating a deactivated member: %v", err)
	}
	if err := (model.MemberChange{Action: "reactivate", Actor: po, Target: here}).Check(); err == nil || err.Error() != "Hal is already active." {
		t.Errorf("reactivating an active member: %v", err)
	}
}

// AccountTypesFor is what the TUI offers: exactly the cells of the table above.
func TestAccountTypesFor(t *testing.T) {
	for _, actor := range specAccountTypes {
		var want []model.AccountType
		for _, to := range specAccountTypes {
			if specMayChange("add", actor, "", to) {
				want = append(want, to)
			}
		}
		if got := model.AccountTypesFor(change("add", actor, "", "")); !slices.Equal(got, want) {
			t.Errorf("add by %s offers %v, want %v", actor, got, want)
		}
		for _, before := range specAccountTypes {
			want = nil
			for _, to := range specAccountTypes {
				if specMayChange("set-type", actor, before, to) {
					want = append(want, to)
				}
			}
			if got := model.AccountTypesFor(change("set-type", actor, before, "")); !slices.Equal(got, want) {
				t.Errorf("set-type of a %s by %s offers %v, want %v", before, actor, got, want)
			}
		}
	}
	// Spelled out: a Workspace Admin may add only their own type and those below it.
	got := model.AccountTypesFor(change("add", "workspace-admin", "", ""))
	if !slices.Equal(got, []model.AccountType{"workspace-admin", "builder", "member"}) {
		t.Errorf("a Workspace Admin may add %v", got)
	}
}

func TestSpecMemberActionsCoverModel(t *testing.T) {
	if !slices.Equal(model.MemberActions, specMemberActions) {
		t.Errorf("model.MemberActions = %v, the spec lists %v", model.MemberActions, specMemberActions)
	}
}
