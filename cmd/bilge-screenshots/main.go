// Command bilge-screenshots renders the README's pictures from the real UI:
// it runs bilge's UI model in-process against the built-in demo engine
// (served on a private socket, so the real client code runs), presses keys
// as a user would, and turns each View() into a PNG of terminal cells.
//
//	go run ./cmd/bilge-screenshots [-out screenshots] [-cols 120] [-rows 36]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/shot"
	"bilge/ui"
)

func main() {
	out := flag.String("out", "screenshots", "directory to write the PNGs to")
	cols := flag.Int("cols", 120, "terminal width in cells")
	rows := flag.Int("rows", 36, "terminal height in cells")
	seed := flag.Int64("seed", 0, "demo engine seed")
	flag.Parse()
	if err := run(*out, *cols, *rows, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "bilge-screenshots:", err)
		os.Exit(1)
	}
}

// now anchors the demo host's dates; the UI runs on the real clock, like
// the engine client, so "updated 0s ago" stays true.
var now = time.Now().UTC().Truncate(time.Second)

func run(out string, cols, rows int, seed int64) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng := demo.New(seed, demo.WithNow(now))
	host, err := eng.Serve(ctx)
	if err != nil {
		return err
	}
	e, err := dockerapi.Connect(ctx, dockerapi.Selection{Host: host})
	if err != nil {
		return err
	}
	e.UseLayerCache(dockerapi.MemoryLayerCache())
	app := ui.New(ctx, e, ui.Options{Title: "demo engine (bilge --demo)", Interval: time.Hour})
	d := newDriver(app)
	d.send(tea.WindowSizeMsg{Width: cols, Height: rows})
	d.exec(app.Init())
	d.send(keyPress("1"))
	if err := d.until("sizes and layers", func(s string) bool {
		return strings.Contains(s, "sizes from the engine") && !strings.Contains(s, "listing")
	}); err != nil {
		return err
	}
	d.settle(500 * time.Millisecond)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	snap := func(name string) error {
		img, err := shot.Render(app.View().Content, cols, rows, shot.Dark)
		if err != nil {
			return err
		}
		path := filepath.Join(out, name+".png")
		fmt.Println(path)
		return shot.WritePNG(path, img)
	}

	d.keys("1")
	if err := snap("overview"); err != nil {
		return err
	}
	// Images by size, a few marked.
	d.keys("2", "space", "space", "down", "space", "space")
	if err := snap("images-marked"); err != nil {
		return err
	}
	// Details of an image that shares layers with others.
	d.keys("g", "down", "enter")
	if err := snap("image-details"); err != nil {
		return err
	}
	d.keys("esc")
	// A stopped container and an unused volume too, found with the filter.
	d.keys("3", "/")
	d.typeText("is:stopped")
	d.keys("enter", "space", "esc", "4", "/")
	d.typeText("is:unused")
	d.keys("enter", "space", "esc", "2")
	// The confirmation.
	d.keys("d")
	if err := snap("confirm"); err != nil {
		return err
	}
	// Deletion in progress: slow the engine's image deletions down.
	eng.SetLatency("/images/sha256", 700*time.Millisecond)
	d.keys("y")
	if strings.Contains(app.View().Content, "named volume") {
		d.keys("y") // the named volume's own confirmation
	}
	if err := d.until("deletion progress", func(s string) bool {
		return strings.Contains(s, "Deleting") && strings.Contains(s, "freed") && !strings.Contains(s, " 0/")
	}); err != nil {
		return err
	}
	if err := snap("deleting"); err != nil {
		return err
	}
	if err := d.until("before/after", func(s string) bool { return strings.Contains(s, "Last clean-up") }); err != nil {
		return err
	}
	d.settle(300 * time.Millisecond)
	return snap("after")
}

// driver plays the part of Bubble Tea's program loop: it runs commands in
// goroutines and delivers their messages to Update one at a time.
type driver struct {
	app  tea.Model
	msgs chan tea.Msg
}

func newDriver(app tea.Model) *driver { return &driver{app: app, msgs: make(chan tea.Msg, 1024)} }

func (d *driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if msg != nil {
			d.msgs <- msg
		}
	}()
}

func (d *driver) send(msg tea.Msg) {
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			d.exec(c)
		}
		return
	}
	var cmd tea.Cmd
	d.app, cmd = d.app.Update(msg)
	d.exec(cmd)
}

// settle delivers messages until none arrive for quiet.
func (d *driver) settle(quiet time.Duration) {
	for {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-time.After(quiet):
			return
		}
	}
}

// until delivers messages until the screen satisfies cond.
func (d *driver) until(what string, cond func(string) bool) error {
	deadline := time.After(60 * time.Second)
	for !cond(d.app.View().Content) {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			return fmt.Errorf("timed out waiting for %s", what)
		}
	}
	return nil
}

func (d *driver) keys(keys ...string) {
	for _, k := range keys {
		d.send(keyPress(k))
		d.settle(150 * time.Millisecond)
	}
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	d.settle(100 * time.Millisecond)
}

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}
