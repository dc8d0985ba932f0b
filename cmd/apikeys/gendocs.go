package main

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manDate is the date the man pages carry. It is fixed, not today, so that
// regenerating them changes nothing unless the commands did (CI checks that).
var manDate = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// newGenDocsCmd is the hidden `apikeys __gendocs DIR`, run by `go run
// ./cmd/gendocs`: it writes one man page per command into DIR, from a command
// tree built with an empty environment so the pages don't depend on who runs it.
func newGenDocsCmd() *cobra.Command {
	return &cobra.Command{
		Use:         "__gendocs DIR",
		Hidden:      true,
		Args:        exactArgs("DIR"),
		Annotations: map[string]string{localOnlyAnnotation: "true"},
		RunE: func(_ *cobra.Command, args []string) error {
			return genMan(args[0])
		},
	}
}

func genMan(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "apikeys*.1"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	root := newRootCmd(newApp(&env{getenv: func(string) string { return "" }}))
	root.DisableAutoGenTag = true
	return doc.GenManTreeFromOpts(root, doc.GenManTreeOptions{
		Header: &doc.GenManHeader{
			Title:   strings.ToUpper(root.Name()),
			Section: "1",
			Date:    &manDate,
			Source:  "apikeys",
			Manual:  "apikeys manual",
		},
		Path:             dir,
		CommandSeparator: "-",
	})
}
