package app

import "time"

// Quit asks the program to end, as q does: the root asks first when a flow on a
// stack is Precious. Whatever outside the TUI wants it ended sends this
// rather than killing the program.
type Quit struct{}

// ShuttingDown says the server is shutting down and ends this session within
// In. The root ends the program at once when nothing precious is on screen;
// otherwise it says so and ends once the precious thing is dealt with.
type ShuttingDown struct{ In time.Duration }

// IdleWarning says the session ends after Left without a keystroke; the next
// keystroke takes the warning away (and resets the server's clock).
type IdleWarning struct{ Left time.Duration }
