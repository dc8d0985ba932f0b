package model

import (
	"slices"
	"strings"
)

// Action is something a member may or may not do, by account type (permissions).
type Action string

// The actions of the permission table. Key management is per key type.
const (
	ActViewKeys      Action = "view-keys"          // open the API Keys page, see every key's metadata
	ActManageKeys    Action = "manage-keys"        // create, edit, delete, rotate keys of one type
	ActViewMembers   Action = "view-members"       // see members
	ActManageMembers Action = "manage-members"     // add, change type, deactivate, SSH keys
	ActReadAudit     Action = "read-audit"         // read the audit log
	ActManageHooks   Action = "manage-webhooks"    // manage webhooks and read their deliveries
	ActManageAllow   Action = "manage-allow-lists" // create, edit, delete IP allow lists; set the default (§10)
	ActViewUsage     Action = "view-usage"         // see key usage, the hygiene view and the credential report (§12)
)

// Actions lists every action.
var Actions = []Action{ActViewKeys, ActManageKeys, ActViewMembers, ActManageMembers, ActReadAudit, ActManageHooks, ActManageAllow, ActViewUsage}

// permissions is the product's permission table as data: which account types may do what. Key
// management is keyed by key type; everything else by the empty key type.
var permissions = map[Action]map[KeyType][]AccountType{
	ActViewKeys: {"": {PrimaryOwner, SecurityAdmin, WorkspaceAdmin}},
	ActManageKeys: {
		KeyAuditLogs:        {PrimaryOwner, SecurityAdmin},
		KeyImport:           {PrimaryOwner, WorkspaceAdmin},
		KeyExport:           {PrimaryOwner, WorkspaceAdmin},
		KeyModelingMetadata: {PrimaryOwner, WorkspaceAdmin},
	},
	ActViewMembers:   {"": {PrimaryOwner, SecurityAdmin, WorkspaceAdmin}},
	ActManageMembers: {"": {PrimaryOwner, WorkspaceAdmin}},
	ActReadAudit:     {"": {PrimaryOwner, SecurityAdmin}},
	ActManageHooks:   {"": {PrimaryOwner, SecurityAdmin}},
	ActManageAllow:   {"": {PrimaryOwner, SecurityAdmin, WorkspaceAdmin}},
	ActViewUsage:     {"": {PrimaryOwner, SecurityAdmin, WorkspaceAdmin}},
}

// Can reports whether an account type may perform act. For ActManageKeys, kt names
// the key type; other actions ignore it.
func Can(a AccountType, act Action, kt KeyType) bool {
	if act != ActManageKeys {
		kt = ""
	}
	for _, t := range permissions[act][kt] {
		if t == a {
			return true
		}
	}
	return false
}

// Allowed lists the account types that may perform act (on kt).
func Allowed(act Action, kt KeyType) []AccountType {
	if act != ActManageKeys {
		kt = ""
	}
	// A copy: a caller that appends or sorts must not rewrite the matrix.
	return slices.Clone(permissions[act][kt])
}

// ManageableKeyTypes lists the key types an account type may create and manage.
func ManageableKeyTypes(a AccountType) []KeyType {
	var out []KeyType
	for _, t := range KeyTypes {
		if Can(a, ActManageKeys, t) {
			out = append(out, t)
		}
	}
	return out
}

// Require returns nil when a may perform act, and otherwise a Forbidden error that
// names the account types that may, e.g. "You need to be a Security Admin to manage
// Audit logs API keys."
func Require(a AccountType, act Action, kt KeyType) error {
	if Can(a, act, kt) {
		return nil
	}
	return Forbidden("You need to be %s to %s.", needed(act, kt), act.phrase(kt))
}

// needed names the account types other than the primary owner that may do act:
// "a Security Admin", "a Workspace Admin or Security Admin".
func needed(act Action, kt KeyType) string {
	var names []string
	for _, t := range Allowed(act, kt) {
		if t != PrimaryOwner {
			names = append(names, t.Label())
		}
	}
	if len(names) == 0 {
		return "the Primary Owner"
	}
	// Workspace Admin reads first where both may: it is the broader everyday role.
	if len(names) == 2 && names[0] == SecurityAdmin.Label() {
		names[0], names[1] = names[1], names[0]
	}
	return "a " + strings.Join(names, " or ")
}

func (act Action) phrase(kt KeyType) string {
	switch act {
	case ActViewKeys:
		return "manage API keys"
	case ActManageKeys:
		return "manage " + kt.Label() + " API keys"
	case ActViewMembers:
		return "see members"
	case ActManageMembers:
		return "manage members"
	case ActReadAudit:
		return "read the audit log"
	case ActManageHooks:
		return "manage webhooks"
	case ActManageAllow:
		return "manage IP allow lists"
	case ActViewUsage:
		return "see key usage"
	}
	return string(act)
}
