package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// sshCommandWords is, for the SSH server's logs, the leading words of a remote
// command line that name a command of this tree ("keys edit" of `keys edit
// apk_… --name x`), flags skipped. Nothing else a member typed is logged: an
// argument can be a secret.
func sshCommandWords(args []string) []string {
	root := newRootCmd(newApp(&env{remote: &remote{}}))
	var words []string
	if len(args) > 0 && args[0] == "apikeys" {
		words = append(words, "apikeys")
		args = args[1:]
	}
	c := root
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		next := subcommand(c, a)
		if next == nil {
			break
		}
		words = append(words, a)
		c = next
	}
	return words
}

func subcommand(c *cobra.Command, name string) *cobra.Command {
	for _, sub := range c.Commands() {
		if sub.Name() == name || sub.HasAlias(name) {
			return sub
		}
	}
	return nil
}
