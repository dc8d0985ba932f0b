package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

// A store wraps what the driver returns; a timed-out call must still read as one.
func TestMessage(t *testing.T) {
	retry := "The backend did not answer in time; press ctrl+r to retry."
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"bare deadline", context.DeadlineExceeded, retry},
		{"wrapped deadline", fmt.Errorf("sqlite: list keys: %w", context.DeadlineExceeded), retry},
		{"joined deadline", errors.Join(errors.New("rollback"), context.DeadlineExceeded), retry},
		{"model error", model.Forbidden("You need to be a Security Admin."), "You need to be a Security Admin."},
		{"other", errors.New("disk I/O error"), "Unexpected error: disk I/O error"},
	}
	for _, c := range cases {
		if got := Message(c.err); got != c.want {
			t.Errorf("%s: Message = %q, want %q", c.name, got, c.want)
		}
	}
}
