package app_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// Every status with text that the TUI's packages make is numbered where
// Update made it (Info, Fail, Problem, or a Later stamp around the literal):
// an unnumbered one, sent from a command, shows whenever its goroutine gets
// to run and can put an older message back over a newer one (a bulk
// rotation's "Rotated 20 keys." over the C pressed just after it).
func TestStatusesFromCommandsAreNumbered(t *testing.T) {
	fset := token.NewFileSet()
	var checked int
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			filepath.Dir(path) == "." {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		stamped := map[*ast.CompositeLit]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				for _, a := range c.Args {
					if l, ok := a.(*ast.CompositeLit); ok {
						stamped[l] = true
					}
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			l, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			sel, ok := l.Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Status" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "app" {
				return true
			}
			checked++
			if len(l.Elts) > 0 && !stamped[l] {
				t.Errorf("%s: an app.Status literal with text: use app.Info, app.Fail, app.Problem or app.Later", fset.Position(l.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 3 {
		t.Fatalf("found only %d app.Status literals: is the scan broken?", checked)
	}
}
