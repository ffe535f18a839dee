package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/<test>.golden, or rewrites it with -update.
func golden(t *testing.T, got string) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(t.Name())+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -run %s -update to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("view differs from %s (run with -update if the change is intended)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// TestViewGolden pins every screen at a small and a large size, without
// colour codes.
func TestViewGolden(t *testing.T) {
	screens := []struct {
		name string
		keys []string
	}{
		{"overview", []string{"1"}},
		{"images", []string{"2"}},
		{"images-details", []string{"2", "down", "enter"}},
		{"containers", []string{"3"}},
		{"volumes", []string{"4"}},
		{"networks", []string{"5"}},
		{"buildcache", []string{"6"}},
		{"filter-error", []string{"2", "/", "i", "s", ":", "x"}},
		{"help", []string{"?"}},
	}
	for _, size := range [][2]int{{80, 24}, {160, 45}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			for _, sc := range screens {
				t.Run(sc.name, func(t *testing.T) {
					a, _ := newLoaded(t, size[0], size[1])
					press(a, sc.keys...)
					golden(t, ansi.Strip(a.View().Content))
				})
			}
		})
	}
}

// TestViewGoldenColors pins the colours on dark and light backgrounds.
func TestViewGoldenColors(t *testing.T) {
	for _, bg := range []struct {
		name string
		dark bool
	}{{"dark", true}, {"light", false}} {
		t.Run(bg.name, func(t *testing.T) {
			for _, tab := range []string{"1", "2"} {
				t.Run("tab"+tab, func(t *testing.T) {
					a, _ := newLoaded(t, 80, 24)
					a.setStyles(bg.dark)
					press(a, tab)
					out := a.View().Content
					if !strings.Contains(out, "\x1b[") {
						t.Fatal("no colour codes in the coloured view")
					}
					golden(t, strings.ReplaceAll(out, "\x1b", "\\e"))
				})
			}
		})
	}
}

// TestViewFitsEverySize draws every tab at many sizes: no line may overflow
// the width and the line count must equal the height.
func TestViewFitsEverySize(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 40)
	for w := 40; w <= 200; w += 7 {
		for h := 8; h <= 60; h += 5 {
			a.Update(tea.WindowSizeMsg{Width: w, Height: h})
			for tab := 0; tab < 6; tab++ {
				a.setActive(tab)
				for _, details := range []bool{false, true} {
					a.showDetails = details && tab > 0
					a.layout() // as Update does after any change
					out := ansi.Strip(a.View().Content)
					lines := strings.Split(out, "\n")
					if w >= minWidth && h >= minHeight && len(lines) != h {
						t.Fatalf("%dx%d tab %d: %d lines", w, h, tab, len(lines))
					}
					for i, l := range lines {
						if ansi.StringWidth(l) > w {
							t.Fatalf("%dx%d tab %d details=%v: line %d is %d wide", w, h, tab, details, i, ansi.StringWidth(l))
						}
					}
				}
			}
		}
	}
}
