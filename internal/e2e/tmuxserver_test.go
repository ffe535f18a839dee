package e2e

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTermPrivateServer: each term runs in a tmux server of its own, even
// when a surrounding tmux's TMUX points elsewhere; stopping one term's
// server leaves the other's running, and its server process is gone.
func TestTermPrivateServer(t *testing.T) {
	// No t.Parallel: t.Setenv. A surrounding tmux that must be ignored.
	t.Setenv("TMUX", "/nonexistent/bilge-outer-tmux,1,0")
	t.Setenv("TMUX_PANE", "%99")

	a := startTerm(t, 80, 24, nil, "printenv", "TMUX")
	b := startTerm(t, 80, 24, nil, "printenv", "TMUX")
	for _, tm := range []*term{a, b} {
		scr := tm.waitText("[bilge exited 0]", 10*time.Second)
		if !strings.Contains(scr, tm.sock+",") {
			t.Errorf("the pane's TMUX is not its private server %s:\n%s", tm.sock, scr)
		}
		if got := tm.display("#{socket_path}"); got != tm.sock {
			t.Errorf("tmux answered from %q, want the term's own socket %q", got, tm.sock)
		}
	}
	if a.sock == b.sock || a.server == b.server {
		t.Fatalf("two terms share a tmux server: %s (pid %d) and %s (pid %d)", a.sock, a.server, b.sock, b.server)
	}

	a.close()
	if !gone(a.server, 0) {
		t.Errorf("tmux server %d still running after close", a.server)
	}
	if out, err := a.tmux("list-sessions"); err == nil {
		t.Errorf("the closed term's server still answers: %s", out)
	}
	if got := b.display("#{session_name}"); got != b.name {
		t.Errorf("the other term's server lost its session: %q", got)
	}
}

// TestTmuxOnlyThroughTmuxCommand: every tmux this package runs goes through
// tmuxCommand (its own socket, no configuration, a deadline). A tmux run
// without the socket talks to the user's server or to none, and a poll on
// it never sees the screen it waits for.
func TestTmuxOnlyThroughTmuxCommand(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources: %v", err)
	}
	fset := token.NewFileSet()
	seen := 0
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "LookPath" {
					return true
				}
				for _, arg := range call.Args {
					lit, ok := arg.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					if s, _ := strconv.Unquote(lit.Value); s != "tmux" {
						continue
					}
					if fn.Name.Name == "tmuxCommand" {
						seen++
						continue
					}
					t.Errorf("%s: %s runs tmux itself: use tm.tmux (tmuxCommand)", fset.Position(lit.Pos()), fn.Name.Name)
				}
				return true
			})
		}
	}
	if seen == 0 {
		t.Errorf("tmuxCommand no longer names tmux: this check checks nothing")
	}
}
