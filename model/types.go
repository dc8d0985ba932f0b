package model

import (
	"fmt"
	"strings"
)

// KeyType is what an API key is for. Its string form is the stable id.
type KeyType string

// The key types a workspace issues, one per integration.
const (
	KeyAuditLogs        KeyType = "audit-logs"
	KeyImport           KeyType = "import"
	KeyExport           KeyType = "export"
	KeyModelingMetadata KeyType = "modeling-metadata"
)

// KeyTypes lists every key type in display order.
var KeyTypes = []KeyType{KeyAuditLogs, KeyImport, KeyExport, KeyModelingMetadata}

// keyTypeNames are each type's label, its short label and the tag inside its
// secrets.
var keyTypeNames = map[KeyType]struct{ label, short, prefix string }{
	KeyAuditLogs:        {"Audit logs", "Audit", "aud"},
	KeyImport:           {"Import", "Import", "imp"},
	KeyExport:           {"Export", "Export", "exp"},
	KeyModelingMetadata: {"Modeling metadata", "Modeling", "mdm"},
}

// Label is the human name: "Audit logs", "Import", "Export", "Modeling metadata".
func (t KeyType) Label() string {
	if n, ok := keyTypeNames[t]; ok {
		return n.label
	}
	return string(t)
}

// Short is the label where room is short: "Audit", "Import", "Export",
// "Modeling" (at most 8 cells).
func (t KeyType) Short() string {
	if n, ok := keyTypeNames[t]; ok {
		return n.short
	}
	return string(t)
}

// ShortLabel is the short form of a type's label or id ("Audit logs" →
// "Audit"); text that names no type is returned as it is.
func ShortLabel(label string) string {
	if t, err := ParseKeyType(label); err == nil {
		return t.Short()
	}
	return label
}

// Prefix is the three-letter tag inside a secret: aud, imp, exp, mdm.
func (t KeyType) Prefix() string { return keyTypeNames[t].prefix }

// Valid reports whether t is one of KeyTypes.
func (t KeyType) Valid() bool { return t.Prefix() != "" }

// ParseKeyType accepts a type's id or its label, case-insensitively.
func ParseKeyType(s string) (KeyType, error) {
	s = strings.TrimSpace(s)
	for _, t := range KeyTypes {
		if strings.EqualFold(s, string(t)) || strings.EqualFold(s, t.Label()) {
			return t, nil
		}
	}
	return "", Invalid("type", "Unknown key type %s: use one of %s.", Quote(s), KeyTypeList())
}

// KeyTypeList is every key type's id, for messages and help:
// "audit-logs, import, export, modeling-metadata".
func KeyTypeList() string { return list(KeyTypes) }

// AccountType is a member's role in the workspace.
type AccountType string

// The account types a member may have, most powerful first.
const (
	PrimaryOwner   AccountType = "primary-owner"
	SecurityAdmin  AccountType = "security-admin"
	WorkspaceAdmin AccountType = "workspace-admin"
	Builder        AccountType = "builder"
	RegularMember  AccountType = "member"
)

// WithArticle is the label after "is now", "as", "Make … ": "a Builder",
// "an …" should a type's label ever start with a vowel.
func (a AccountType) WithArticle() string {
	l := a.Label()
	if l != "" && strings.ContainsRune("AEIOU", rune(l[0])) {
		return "an " + l
	}
	return "a " + l
}

// AccountTypes lists every account type, most powerful first.
var AccountTypes = []AccountType{PrimaryOwner, SecurityAdmin, WorkspaceAdmin, Builder, RegularMember}

// Label is the human name: "Primary Owner", "Security Admin", …
func (a AccountType) Label() string {
	switch a {
	case PrimaryOwner:
		return "Primary Owner"
	case SecurityAdmin:
		return "Security Admin"
	case WorkspaceAdmin:
		return "Workspace Admin"
	case Builder:
		return "Builder"
	case RegularMember:
		return "Member"
	}
	return string(a)
}

// Valid reports whether a is one of AccountTypes.
func (a AccountType) Valid() bool {
	for _, t := range AccountTypes {
		if a == t {
			return true
		}
	}
	return false
}

// ParseAccountType accepts an account type's id or label, case-insensitively.
func ParseAccountType(s string) (AccountType, error) {
	s = strings.TrimSpace(s)
	for _, t := range AccountTypes {
		if strings.EqualFold(s, string(t)) || strings.EqualFold(s, t.Label()) {
			return t, nil
		}
	}
	return "", Invalid("type", "Unknown account type %s: use one of %s.", Quote(s), list(AccountTypes))
}

// list joins ids with commas: "a, b, c".
func list[T ~string](ts []T) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// Source says where a change came from; it is recorded on every audit event.
type Source string

// The sources of an audited change: where the actor made it.
const (
	SourceTUI Source = "tui"
	SourceSSH Source = "ssh"
	SourceCLI Source = "cli"
	SourceAPI Source = "api"
)

// MemberStatus is active or deactivated.
type MemberStatus string

// Member statuses.
const (
	StatusActive      MemberStatus = "active"
	StatusDeactivated MemberStatus = "deactivated"
)

// String makes %v print the id.
func (t KeyType) String() string { return string(t) }

// String makes %v print the id.
func (a AccountType) String() string { return string(a) }

var _ fmt.Stringer = KeyAuditLogs
