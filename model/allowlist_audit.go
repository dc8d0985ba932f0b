package model

import "errors"

// Audit event types of IP allow lists (SPEC §10).
const (
	EventIpAllowListCreated        EventType = "IpAllowListCreated"
	EventIpAllowListUpdated        EventType = "IpAllowListUpdated"
	EventIpAllowListDeleted        EventType = "IpAllowListDeleted"
	EventApiKeyAllowListsChanged   EventType = "ApiKeyAllowListsChanged"
	EventDefaultIpAllowListChanged EventType = "DefaultIpAllowListChanged"
)

// AllowListRef names the list an event is about.
type AllowListRef struct {
	ListID string `json:"listId"`
	Name   string `json:"name"`
}

// AllowListRefOf is the reference to l.
func AllowListRefOf(l AllowList) AllowListRef { return AllowListRef{ListID: l.ID, Name: l.Name} }

// Subject is the list's name.
func (r AllowListRef) Subject() string { return r.Name }

// IpAllowListCreatedPayload is the payload of IpAllowListCreated.
type IpAllowListCreatedPayload struct {
	AllowListRef
	Description string   `json:"description,omitempty"`
	Entries     []string `json:"entries"`
}

// AllowListChanges are the fields an edit changed; the others are nil. Entries
// holds the whole list before and after.
type AllowListChanges struct {
	Name        *Change[string]   `json:"name,omitempty"`
	Description *Change[string]   `json:"description,omitempty"`
	Entries     *Change[[]string] `json:"entries,omitempty"`
}

// IpAllowListUpdatedPayload is the payload of IpAllowListUpdated; Name is the
// name after the edit.
type IpAllowListUpdatedPayload struct {
	AllowListRef
	Changes AllowListChanges `json:"changes"`
}

// IpAllowListDeletedPayload is the payload of IpAllowListDeleted: the list as it
// was, the keys it was linked to, and whether it was the default.
type IpAllowListDeletedPayload struct {
	AllowListRef
	Entries    []string `json:"entries"`
	KeyIDs     []string `json:"keyIds,omitempty"`
	WasDefault bool     `json:"wasDefault,omitempty"`
}

// ApiKeyAllowListsChangedPayload is the payload of ApiKeyAllowListsChanged: a
// key's own lists before and after a link or unlink.
type ApiKeyAllowListsChangedPayload struct {
	KeyRef
	AllowLists Change[[]AllowListRef] `json:"allowLists"`
}

// DefaultIpAllowListChangedPayload is the payload of DefaultIpAllowListChanged;
// nil is no default.
type DefaultIpAllowListChangedPayload struct {
	Old *AllowListRef `json:"old"`
	New *AllowListRef `json:"new"`
}

// EventType implements Payload.
func (IpAllowListCreatedPayload) EventType() EventType { return EventIpAllowListCreated }

// EventType implements Payload.
func (IpAllowListUpdatedPayload) EventType() EventType { return EventIpAllowListUpdated }

// EventType implements Payload.
func (IpAllowListDeletedPayload) EventType() EventType { return EventIpAllowListDeleted }

// EventType implements Payload.
func (ApiKeyAllowListsChangedPayload) EventType() EventType { return EventApiKeyAllowListsChanged }

// EventType implements Payload.
func (DefaultIpAllowListChangedPayload) EventType() EventType { return EventDefaultIpAllowListChanged }

// Subject is the new default list, or "none".
func (p DefaultIpAllowListChangedPayload) Subject() string {
	if p.New != nil {
		return p.New.Name
	}
	return "none"
}

// ReasonIPNotAllowed is the refusal of a key used from outside its allow lists,
// as verify and the Audit Logs API name it.
const ReasonIPNotAllowed = "ip_not_allowed"

// IPNotAllowed is the refusal of a key used from addr, outside its allow lists:
// a KindForbidden error whose Field is "address" (IsIPNotAllowed).
func IPNotAllowed(addr string) error {
	if addr == "" {
		addr = "an unknown address"
	}
	return &Error{Kind: KindForbidden, Field: "address",
		Msg: "This API key can't be used from " + Sanitize(addr) + ": the key's IP allow lists don't include it."}
}

// IsIPNotAllowed reports whether err is IPNotAllowed's refusal.
func IsIPNotAllowed(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindForbidden && e.Field == "address"
}
