// Command gendocs writes the man pages of apikeys, one per command, from its
// command tree, into docs/man (or the directory given):
//
//	go run ./cmd/gendocs [DIR]
//
// The command tree lives in package main of cmd/apikeys, so this runs its hidden
// `__gendocs` command. .ci/run regenerates the pages and fails if they differ
// from the ones checked in.
package main

import (
	"fmt"
	"os"
	"os/exec"
)

func main() {
	dir := "docs/man"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	cmd := exec.Command("go", "run", "./cmd/apikeys", "__gendocs", dir)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
