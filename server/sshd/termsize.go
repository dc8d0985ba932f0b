package sshd

import "github.com/charmbracelet/ssh"

// The largest terminal a session may have. Every size a client sends (its
// pty-req and each window-change) is clamped to this before anything else sees
// it: the TUI renders a frame of width × height cells, so an unclamped
// 30000×30000 request made the server allocate until it died.
const (
	MaxColumns = 1000
	MaxRows    = 500
	maxPixels  = 1 << 16
)

// defaultWindow is used for a pty-req that gives no size (OpenSSH sends 0×0
// for `ssh -tt` from a script).
var defaultWindow = ssh.Window{Width: 80, Height: 24}

// clampWindow is the size a session may use for what the client asked: at most
// MaxColumns × MaxRows (and a bounded pixel size). ok is false for a size with
// no columns or no rows, which is no size at all.
func clampWindow(cols, rows, wpx, hpx uint32) (w ssh.Window, ok bool) {
	if cols == 0 || rows == 0 {
		return ssh.Window{}, false
	}
	return ssh.Window{
		Width:        int(min(cols, MaxColumns)),
		Height:       int(min(rows, MaxRows)),
		WidthPixels:  int(min(wpx, maxPixels)),
		HeightPixels: int(min(hpx, maxPixels)),
	}, true
}
