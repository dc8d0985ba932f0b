//go:build !unix

package sqlite

// writable can't ask the OS here; readOnly's mode-bit check still applies.
func writable(string) bool { return true }
