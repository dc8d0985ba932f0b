// Package model holds the domain of apikeys: keys, members, account types, the
// permission matrix, expiry rules, the secret format and typed errors. It does no I/O.
package model

import (
	"errors"
	"fmt"
)

// Kind classifies an Error so callers can tell refusals apart without parsing text.
type Kind int

// The kinds of error the backend returns.
const (
	KindInternal        Kind = iota
	KindNotFound             // the thing named does not exist (or is deleted)
	KindForbidden            // the actor's account type does not allow the action
	KindInvalid              // the input breaks a rule; Field names the input
	KindConflict             // the row changed since the caller read it
	KindUnauthenticated      // no, malformed, unknown, revoked or expired credential
)

func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not_found"
	case KindForbidden:
		return "forbidden"
	case KindInvalid:
		return "invalid"
	case KindConflict:
		return "conflict"
	case KindUnauthenticated:
		return "unauthenticated"
	}
	return "internal"
}

// Error is the typed error of the domain. Msg is written for people, in sentence
// style, and never holds a secret.
type Error struct {
	Kind  Kind
	Field string // the input at fault, for KindInvalid ("name", "expires", …)
	Msg   string
}

func (e *Error) Error() string { return e.Msg }

// Is lets errors.Is(err, model.ErrNotFound) and friends match on kind.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Kind == e.Kind && t.Msg == "" && t.Field == ""
	}
	return false
}

// Sentinels for errors.Is; they match any *Error of the same kind.
var (
	ErrNotFound        = &Error{Kind: KindNotFound}
	ErrForbidden       = &Error{Kind: KindForbidden}
	ErrInvalid         = &Error{Kind: KindInvalid}
	ErrConflict        = &Error{Kind: KindConflict}
	ErrUnauthenticated = &Error{Kind: KindUnauthenticated}
)

// KindOf reports the kind of err, KindInternal for errors that are not *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// NotFound builds a KindNotFound error.
func NotFound(format string, a ...any) error {
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf(format, a...)}
}

// Forbidden builds a KindForbidden error.
func Forbidden(format string, a ...any) error {
	return &Error{Kind: KindForbidden, Msg: fmt.Sprintf(format, a...)}
}

// Invalid builds a KindInvalid error about one input field.
func Invalid(field, format string, a ...any) error {
	return &Error{Kind: KindInvalid, Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Conflict builds a KindConflict error.
func Conflict(format string, a ...any) error {
	return &Error{Kind: KindConflict, Msg: fmt.Sprintf(format, a...)}
}

// Unauthenticated builds a KindUnauthenticated error.
func Unauthenticated(format string, a ...any) error {
	return &Error{Kind: KindUnauthenticated, Msg: fmt.Sprintf(format, a...)}
}
