//go:build unix

package sqlite

import "syscall"

// writable asks the OS whether this process may write path (access(2) W_OK):
// it knows about ownership, groups, ACLs and read-only mounts.
func writable(path string) bool { return syscall.Access(path, 0x2) == nil }
