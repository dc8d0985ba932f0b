package model_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

func asModelError(err error, target **model.Error) bool { return errors.As(err, target) }

func TestErrorKinds(t *testing.T) {
	sentinels := map[model.Kind]error{
		model.KindNotFound:        model.ErrNotFound,
		model.KindForbidden:       model.ErrForbidden,
		model.KindInvalid:         model.ErrInvalid,
		model.KindConflict:        model.ErrConflict,
		model.KindUnauthenticated: model.ErrUnauthenticated,
	}
	tests := []struct {
		err  error
		kind model.Kind
		name string
		msg  string
	}{
		{model.NotFound("No key %q.", "key_1"), model.KindNotFound, "not_found", `No key "key_1".`},
		{model.Forbidden("You need to be %s.", "a Security Admin"), model.KindForbidden, "forbidden", "You need to be a Security Admin."},
		{model.Invalid("name", "Name is required."), model.KindInvalid, "invalid", "Name is required."},
		{model.Conflict("Changed by %s since you opened it — reload.", "Ana"), model.KindConflict, "conflict", "Changed by Ana since you opened it — reload."},
		{model.Unauthenticated("The API key is malformed."), model.KindUnauthenticated, "unauthenticated", "The API key is malformed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err.Error() != tt.msg {
				t.Errorf("message = %q, want %q", tt.err, tt.msg)
			}
			if got := model.KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %v, want %v", got, tt.kind)
			}
			if got := tt.kind.String(); got != tt.name {
				t.Errorf("Kind.String = %q, want %q", got, tt.name)
			}
			wrapped := fmt.Errorf("create key: %w", tt.err)
			if got := model.KindOf(wrapped); got != tt.kind {
				t.Errorf("KindOf(wrapped) = %v, want %v", got, tt.kind)
			}
			for k, s := range sentinels {
				if got, want := errors.Is(tt.err, s), k == tt.kind; got != want {
					t.Errorf("errors.Is(err, sentinel %v) = %v, want %v", k, got, want)
				}
				if got, want := errors.Is(wrapped, s), k == tt.kind; got != want {
					t.Errorf("errors.Is(wrapped, sentinel %v) = %v, want %v", k, got, want)
				}
			}
		})
	}
}

func TestErrorIsDoesNotMatchOtherMessages(t *testing.T) {
	a := model.Invalid("name", "Name is required.")
	b := model.Invalid("name", "Name is required.")
	if errors.Is(a, b) {
		t.Error("two distinct errors with messages matched each other: only the bare sentinels should match by kind")
	}
	if !errors.Is(a, a) {
		t.Error("an error does not match itself")
	}
	if model.ErrInvalid.Is(a) {
		t.Error("the sentinel matched a specific error")
	}
}

func TestInvalidCarriesField(t *testing.T) {
	var e *model.Error
	if !errors.As(model.Invalid("expires", "x"), &e) || e.Field != "expires" {
		t.Fatalf("Invalid did not record the field: %#v", e)
	}
}

func TestKindOfForeignErrors(t *testing.T) {
	for _, err := range []error{nil, io.EOF, errors.New("boom"), fmt.Errorf("wrap: %w", io.EOF)} {
		if got := model.KindOf(err); got != model.KindInternal {
			t.Errorf("KindOf(%v) = %v, want internal", err, got)
		}
	}
	if got := model.KindInternal.String(); got != "internal" {
		t.Errorf("KindInternal.String() = %q", got)
	}
	if got := model.Kind(99).String(); got != "internal" {
		t.Errorf("unknown Kind.String() = %q", got)
	}
}
