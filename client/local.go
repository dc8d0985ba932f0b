package client

import "github.com/apikeys-dev/apikeys/backend"

// Local is the in-process Client: the backend session of one member. The TUI and
// the CLI use it on the admin's own machine and inside the SSH server alike.
type Local = backend.Session

var _ Client = (*Local)(nil)

var _ Hygiene = (*Local)(nil)
