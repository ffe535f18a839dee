package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/internal/testbin"
	"bilge/model"
)

// startBilge runs the real binary against the test engine in a 160×45 tmux
// pane and waits for its first rows.
func startBilge(t *testing.T, e *enginetest.Engine, args ...string) *term {
	t.Helper()
	return startBilgeAt(t, e.Host(), args...)
}

// startBilgeAt is startBilge against the engine at host (a proxy in front
// of the test engine, say).
func startBilgeAt(t *testing.T, host string, args ...string) *term {
	t.Helper()
	bin := testbin.Build(t)
	cfg := t.TempDir()
	env := []string{"DOCKER_HOST=" + host, "DOCKER_CONTEXT=", "DOCKER_CONFIG=" + cfg, "XDG_CACHE_HOME=" + cfg, "XDG_STATE_HOME=" + cfg}
	tm := startTerm(t, 160, 45, env, append([]string{bin}, args...)...)
	tm.state = cfg
	tm.waitText("● connected", 30*time.Second)
	return tm
}

type listedImage struct {
	ID       string   `json:"Id"`
	RepoTags []string `json:"RepoTags"`
	Size     int64    `json:"Size"`
}

func engineImages(t *testing.T, e *enginetest.Engine) []listedImage {
	t.Helper()
	var imgs []listedImage
	if err := e.Do(context.Background(), http.MethodGet, "/images/json", nil, nil, &imgs); err != nil {
		t.Fatal(err)
	}
	return imgs
}

func displayName(img listedImage) string {
	var tags []string
	for _, tg := range img.RepoTags {
		if tg != "<none>:<none>" {
			tags = append(tags, tg)
		}
	}
	if len(tags) == 0 {
		return "<none>:<none>"
	}
	sort.Strings(tags)
	return tags[0]
}

// TestUIImagesBySizeAndDanglingFilter: the Images tab, sorted by size,
// shows the largest image first; the filter is:dangling shows exactly the
// dangling images.
func TestUIImagesBySizeAndDanglingFilter(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	tm := startBilge(t, e)
	imgs := engineImages(t, e)
	largest := imgs[0]
	var dangling []listedImage
	for _, img := range imgs {
		if img.Size > largest.Size {
			largest = img
		}
		if displayName(img) == "<none>:<none>" {
			dangling = append(dangling, img)
		}
	}
	tm.keys("2")
	scr := tm.waitText("SIZE ▼", 10*time.Second)
	lines := strings.Split(scr, "\n")
	first := lines[3]
	ok := false
	for _, img := range imgs {
		// Any image of the largest size may come first (ties go by name).
		if img.Size == largest.Size && strings.Contains(first, model.ShortID(img.ID)) {
			ok = true
		}
	}
	if !ok {
		t.Fatalf("first row is %q, want the largest image %s (%s, %d bytes)\n%s", first, displayName(largest), model.ShortID(largest.ID), largest.Size, scr)
	}

	tm.keys("/")
	tm.text("is:dangling")
	tm.keys("Enter")
	scr = tm.waitText(fmt.Sprintf("%d of %d", len(dangling), len(imgs)), 10*time.Second)
	for _, d := range dangling {
		if !strings.Contains(scr, model.ShortID(d.ID)) {
			t.Errorf("dangling image %s not shown:\n%s", model.ShortID(d.ID), scr)
		}
	}
	if !strings.Contains(scr, model.ShortID(s.Images["dangling"].ID)) {
		t.Errorf("the seeded dangling image is not shown")
	}
	for _, role := range []string{"alpha", "beta", "delta"} {
		if strings.Contains(scr, model.ShortID(s.Images[role].ID)) {
			t.Errorf("tagged image %s shown under is:dangling", role)
		}
	}
	// An unknown token: inline error, the previous filter stays.
	tm.keys("/")
	tm.text(" is:bogus")
	scr = tm.waitText(`unknown status "is:bogus"`, 5*time.Second)
	for _, d := range dangling {
		if !strings.Contains(scr, model.ShortID(d.ID)) {
			t.Errorf("an invalid filter changed the rows:\n%s", scr)
		}
	}
	// esc cancels the edit and keeps the filter in place; a second esc
	// clears it.
	tm.keys("Escape")
	tm.waitText(fmt.Sprintf("%d of %d", len(dangling), len(imgs)), 5*time.Second)
	tm.keys("Escape")
	tm.waitText(fmt.Sprintf("%d of %d", len(imgs), len(imgs)), 5*time.Second)
}

// TestUIReconnect stops the test's own dockerd (by its PID) under a
// running bilge: the header says reconnecting… and the rows stay; once the
// daemon is back (restarted with the same socket and data root) bilge
// shows fresh data by itself, without a crash.
func TestUIReconnect(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	d := enginetest.TestDaemon(t)
	tm := startBilge(t, e, "--interval", "500ms")
	tm.keys("4")
	before := tm.waitText("Volumes", 5*time.Second)

	pid := d.PID()
	if err := d.Stop(); err != nil {
		t.Fatalf("stop the test daemon (pid %d): %v", pid, err)
	}
	t.Cleanup(func() {
		// The rest of the package needs it.
		if d.PID() == 0 {
			if err := d.Restart(); err != nil {
				t.Errorf("restart the test daemon: %v", err)
			}
		}
	})
	scr := tm.waitText("reconnecting…", 20*time.Second)
	if !strings.Contains(scr, "stale") {
		t.Errorf("rows not marked stale:\n%s", scr)
	}
	if strings.Count(scr, "\n") < 10 || !strings.Contains(scr, "NAME") {
		t.Errorf("rows vanished while offline:\n%s\nbefore:\n%s", scr, before)
	}

	if err := d.Restart(); err != nil {
		t.Fatalf("restart the test daemon: %v", err)
	}
	e2, err := enginetest.ConnectHost(d.Host())
	if err != nil {
		t.Fatal(err)
	}
	// Fresh data: a volume made after the restart shows up by itself.
	name := "bilge-test-reconnect-" + enginetest.NewRunID()
	body := fmt.Sprintf(`{"Name":%q,"Labels":{%q:"reconnect"}}`, name, enginetest.Label)
	if err := e2.Do(context.Background(), http.MethodPost, "/volumes/create", nil, strings.NewReader(body), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e2.Do(context.Background(), http.MethodDelete, "/volumes/"+name, nil, nil, nil) })
	tm.waitText("● connected", 30*time.Second)
	tm.waitText(name, 30*time.Second)
	if strings.Contains(tm.screen(), "[bilge exited") {
		t.Fatal("bilge exited")
	}
}
