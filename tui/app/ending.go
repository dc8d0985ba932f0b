package app

import "time"

// Precious is a page or flow holding something that ending it now would lose
// for good: a secret shown once and not yet copied or saved. The root asks it
// before anything ends the program (q, ctrl+c, a Quit from outside, a server
// shutting down), so every flow that holds such a thing is protected alike.
type Precious interface {
	// Precious says what would be lost, as the start of a question ("The
	// secret of “ci” hasn't been copied."); "" when nothing would be.
	Precious() string
}

// Quit asks the program to end, as q does: the root asks first when something
// precious is on screen. Whatever outside the TUI wants it ended sends this
// rather than killing the program.
type Quit struct{}

// ShuttingDown says the server is shutting down and ends this session within
// In. The root ends the program at once when nothing precious is on screen;
// otherwise it says so and ends once the precious thing is dealt with.
type ShuttingDown struct{ In time.Duration }

// IdleWarning says the session ends after Left without a keystroke; the next
// keystroke takes the warning away (and resets the server's clock).
type IdleWarning struct{ Left time.Duration }
