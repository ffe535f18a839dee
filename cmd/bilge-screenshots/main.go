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

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/fleet"
	"bilge/internal/fleetsrc"
	"bilge/internal/shot"
	"bilge/internal/uidriver"
	"bilge/internal/uihistory"
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
	if err := runFleet(*out, *cols, 16); err != nil { // the engines fill a short screen
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
	// The demo's generated history (as bilge --demo has it), ending now:
	// the Overview's sparklines and the History view.
	hist, release, err := uihistory.Demo(ctx, e, seed, now)
	if err != nil {
		return fmt.Errorf("the demo's history: %w", err)
	}
	defer release()
	app := ui.New(ctx, e, ui.Options{Title: "demo engine (bilge --demo)", Interval: time.Hour, History: hist})
	d := uidriver.New(app, cols, rows)
	d.Keys("1")
	if err := d.Until("sizes, layers and the history's sparklines", time.Minute, func(s string) bool {
		return strings.Contains(s, "sizes from the engine") && !strings.Contains(s, "listing") && strings.Contains(s, "▁")
	}); err != nil {
		return err
	}
	d.Settle(500 * time.Millisecond)
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

	d.Keys("1")
	if err := snap("overview"); err != nil {
		return err
	}
	// The History view: growth by repository over 30 days, clean-ups.
	d.Keys("h")
	if err := d.Until("the History view", time.Minute, func(s string) bool { return strings.Contains(s, "Repositories that changed") }); err != nil {
		return err
	}
	if err := snap("history"); err != nil {
		return err
	}
	d.Keys("esc")
	// Images by size, a few marked.
	d.Keys("2", "space", "space", "down", "space", "space")
	if err := snap("images-marked"); err != nil {
		return err
	}
	// Details of an image that shares layers with others.
	d.Keys("g", "down", "enter")
	if err := snap("image-details"); err != nil {
		return err
	}
	d.Keys("esc")
	// A stopped container and an unused volume too, found with the filter.
	d.Keys("3", "/")
	d.Type("is:stopped")
	d.Keys("enter", "space", "esc", "4", "/")
	d.Type("is:unused")
	d.Keys("enter", "space", "esc", "2")
	// The confirmation.
	d.Keys("d")
	if err := snap("confirm"); err != nil {
		return err
	}
	// Deletion in progress: slow the engine's image deletions down.
	eng.SetLatency("/images/sha256", 700*time.Millisecond)
	d.Keys("y")
	if strings.Contains(app.View().Content, "named volume") {
		d.Keys("y") // the named volume's own confirmation
	}
	if err := d.Until("deletion progress", time.Minute, func(s string) bool {
		return strings.Contains(s, "Deleting") && strings.Contains(s, "freed") && !strings.Contains(s, " 0/")
	}); err != nil {
		return err
	}
	if err := snap("deleting"); err != nil {
		return err
	}
	// The outcomes show first; the measure after follows.
	if err := d.Until("before/after", time.Minute, func(s string) bool { return strings.Contains(s, "measured before and after") }); err != nil {
		return err
	}
	d.Settle(300 * time.Millisecond)
	return snap("after")
}

// demoFleet is the fleet view's source for the picture: demo engines under
// the names a team might give its contexts, and one engine that is gone.
type demoFleet struct{ fleetsrc.Measurer }

func (f demoFleet) Open(ctx context.Context, i int) (ui.Engine, ui.Options, func(), error) {
	m := f.List[i]
	e, err := dockerapi.New(m.Endpoint)
	if err != nil {
		return nil, ui.Options{}, nil, err
	}
	e.UseLayerCache(dockerapi.MemoryLayerCache())
	return e, ui.Options{Title: m.Name + ": " + m.Where(), Interval: time.Hour}, func() { e.Close() }, nil
}

// runFleet renders the fleet view (bilge --fleet) over four demo engines
// and a context whose engine is gone.
func runFleet(out string, cols, rows int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var members []fleet.Member
	for i, name := range []string{"ci-runner-1", "ci-runner-2", "staging", "laptop"} {
		eng := demo.New(int64(i+1), demo.WithNow(now))
		host, err := eng.Serve(ctx)
		if err != nil {
			return err
		}
		defer eng.Close()
		members = append(members, fleet.Member{Name: name, Endpoint: dockerapi.Endpoint{Host: host, Source: "demo engine"},
			Shown: fmt.Sprintf("demo engine (seed %d)", i+1), Demo: true})
	}
	gone := "unix:///run/old-runner/docker.sock"
	members = append(members, fleet.Member{Name: "old-runner", Endpoint: dockerapi.Endpoint{Host: gone, Source: "context"}})
	fl := ui.NewFleet(ctx, demoFleet{fleetsrc.Measurer{List: members}}, ui.FleetOptions{Refresh: time.Hour})
	d := uidriver.New(fl, cols, rows)
	if err := d.Until("every engine measured", time.Minute, func(s string) bool {
		return strings.Contains(s, "4 connected") && strings.Contains(s, "1 unreachable")
	}); err != nil {
		return err
	}
	d.Keys("e", "g") // the most to reclaim first
	d.Settle(300 * time.Millisecond)
	img, err := shot.Render(fl.View().Content, cols, rows, shot.Dark)
	if err != nil {
		return err
	}
	path := filepath.Join(out, "fleet.png")
	fmt.Println(path)
	return shot.WritePNG(path, img)
}
