package apikeys

// The golden package defines -update; importing it here lets
// "go test ./tui/... -update" run across every package of the TUI.
import _ "github.com/charmbracelet/x/exp/golden"
