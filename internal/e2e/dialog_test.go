package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/internal/testbin"
)

var ofCount = regexp.MustCompile(`(\d+) of (\d+)`)

// flat is the screen as one line of words, without the dialog's frame:
// a phrase is found wherever the dialog wrapped it.
func flat(scr string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("│", " ", "╭", " ", "╮", " ", "╰", " ", "╯", " ").Replace(scr)), " ")
}

// TestDemoTooSmallKeysDoNothing: at 50×12 the screen says it is too small
// and `2 d y` must not delete the image the user never saw (issue 10,
// item 2); made bigger again, the Overview is still there and every image
// too.
func TestDemoTooSmallKeysDoNothing(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t)
	dir := t.TempDir()
	nowhere := "unix://" + filepath.Join(dir, "no-docker-here.sock")
	tm := startTerm(t, 120, 40, []string{"DOCKER_HOST=" + nowhere, "DOCKER_CONFIG=" + dir, "XDG_CACHE_HOME=" + dir}, bin, "--demo", "--demo-seed", "5")
	tm.waitText("● connected", 20*time.Second)
	tm.waitText("sizes from the engine", 20*time.Second)
	tm.keys("2")
	// The count is in the status line, drawn after the table: wait for
	// it, not for the header (a capture can catch a frame half written).
	hasCount := func(scr string) bool { return strings.Contains(scr, "SIZE ▼") && ofCount.MatchString(scr) }
	scr := tm.waitFor("the Images tab with its count", 5*time.Second, hasCount)
	before := ofCount.FindString(scr)
	tm.keys("1")
	tm.waitText("RECLAIMABLE", 5*time.Second)

	tm.resize(50, 12)
	tm.waitText("Terminal too small", 5*time.Second)
	tm.keys("2", "d", "y")
	if scr := tm.screen(); !strings.Contains(scr, "Terminal too small") {
		t.Fatalf("the too-small screen went away:\n%s", scr)
	}
	tm.resize(120, 40)
	scr = tm.waitText("RECLAIMABLE", 5*time.Second)
	if strings.Contains(scr, "Delete ") || strings.Contains(scr, "Last clean-up") || strings.Contains(scr, "Deleting") {
		t.Fatalf("keys acted behind the too-small screen:\n%s", scr)
	}
	tm.keys("2")
	scr = tm.waitFor("the Images tab with its count", 5*time.Second, hasCount)
	if after := ofCount.FindString(scr); after != before {
		t.Fatalf("images %s before, %s after:\n%s", before, after, scr)
	}
	tm.keys("q")
	tm.waitText("[bilge exited 0]", 10*time.Second)
}

// createStopped creates a stopped (created) container of image, labelled
// as the run's so its clean-up removes it; it returns the container's ID.
func createStopped(t *testing.T, e *enginetest.Engine, s *enginetest.State, role, image string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"Image":  image,
		"Cmd":    []string{"exit", "0"},
		"Labels": map[string]string{enginetest.Label: s.RunID, enginetest.RoleLabel: role},
	})
	var out struct {
		ID string `json:"Id"`
	}
	err := e.Do(context.Background(), http.MethodPost, "/containers/create", url.Values{"name": {s.Prefix + "-" + role}}, bytes.NewReader(body), &out)
	if err != nil {
		t.Fatalf("creating %s: %v", role, err)
	}
	return out.ID
}

// TestUICascadeBlockedImage: an image a running container uses cannot go,
// so cascade must not remove its stopped containers either; the dialog
// says so, and after y the stopped containers are still there (issue 10,
// item 3).
func TestUICascadeBlockedImage(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	beta := s.Images["beta"]
	stopped := []string{createStopped(t, e, s, "beta-stopped1", beta.ID), createStopped(t, e, s, "beta-stopped2", beta.ID)}
	tm := startBilge(t, e)

	filterAndMark(tm, "2", s.Repo+"/beta", false)
	tm.keys("d")
	tm.waitText("stays: used by running container", 10*time.Second)
	tm.keys("c")
	scr := tm.waitText("stopped containers of marked images — on", 10*time.Second)
	for _, want := range []string{"stays: used by running container " + s.Containers["running"].Name, "its 2 stopped containers", "are left too", "Delete 1 object?"} {
		if !strings.Contains(flat(scr), want) {
			t.Errorf("the dialog lacks %q:\n%s", want, scr)
		}
	}
	tm.keys("y")
	scr = tm.waitText("Last clean-up", 60*time.Second)
	if !strings.Contains(scr, "0 deleted, 1 failed") {
		t.Errorf("want the image alone tried and refused:\n%s", scr)
	}
	for _, id := range stopped {
		if !exists(t, e, "/containers/"+id+"/json") {
			t.Errorf("stopped container %.12s of the blocked image was removed", id)
		}
	}
	if !exists(t, e, "/images/"+beta.ID+"/json") {
		t.Error("the image used by a running container is gone")
	}
}

// TestUISetChangeUnderDialog: a stopped container of the marked image,
// created while the confirmation is open with cascade on, joins the set;
// the dialog says so, the first y deletes nothing, the second deletes the
// set shown (issue 10, item 4).
func TestUISetChangeUnderDialog(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	gamma := s.Images["gamma"]
	tm := startBilge(t, e)

	filterAndMark(tm, "2", s.Repo+"/gamma", false)
	tm.keys("d")
	tm.waitText("press c", 10*time.Second)
	tm.keys("c")
	tm.waitText("Delete 2 objects?", 10*time.Second)
	late := createStopped(t, e, s, "gamma-late", gamma.ID)
	scr := tm.waitText("The set changed while this was open", 30*time.Second)
	if !strings.Contains(flat(scr), "+1 container ("+s.Prefix+"-gamma-late") || !strings.Contains(scr, "Delete 3 objects?") {
		t.Fatalf("the dialog does not say what changed:\n%s", scr)
	}
	tm.keys("y")
	scr = tm.waitText("Press y again to confirm the new set", 10*time.Second)
	if strings.Contains(scr, "Deleting") || strings.Contains(scr, "Last clean-up") {
		t.Fatalf("the first y after the change started deleting:\n%s", scr)
	}
	for _, path := range []string{"/containers/" + late + "/json", "/containers/" + s.Containers["failed"].ID + "/json", "/images/" + gamma.ID + "/json"} {
		if !exists(t, e, path) {
			t.Fatalf("%s deleted before the second y", path)
		}
	}
	tm.keys("y")
	scr = tm.waitText("Last clean-up", 60*time.Second)
	if !strings.Contains(scr, "3 deleted, 0 failed") {
		t.Fatalf("the second y did not delete the set shown:\n%s", scr)
	}
	for _, path := range []string{"/containers/" + late + "/json", "/containers/" + s.Containers["failed"].ID + "/json", "/images/" + gamma.ID + "/json"} {
		if exists(t, e, path) {
			t.Errorf("%s is still there", path)
		}
	}
}
