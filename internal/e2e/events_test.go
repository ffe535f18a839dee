package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/internal/enginetest"
	"bilge/internal/uidriver"
	"bilge/ui"
)

// TestUntaggedCommitRefreshesImages: an untagged `docker commit` (POST
// /commit without repo) sends only a container "commit" event on engines
// before 27; bilge must re-list images on it. The UI runs with the ping,
// the fallback poll and the full resync an hour apart, so only an event
// can bring the new image within the test.
func TestUntaggedCommitRefreshesImages(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	be, err := dockerapi.Connect(ctx, dockerapi.Selection{Host: e.Host()})
	must(t, err)
	defer be.Close()
	be.UseLayerCache(dockerapi.MemoryLayerCache())
	app := ui.New(ctx, be, ui.Options{Interval: time.Hour, Resync: time.Hour})
	drv := uidriver.New(app, 160, 40)
	must(t, drv.Until("connected", 60*time.Second, func(s string) bool { return strings.Contains(s, "● connected") }))

	// The event stream is up once a change made now shows: a volume of
	// this run (the seed's clean-up removes it).
	probe := s.Prefix + "-probe"
	must(t, e.Do(ctx, http.MethodPost, "/volumes/create", nil, strings.NewReader(`{"Name":"`+probe+`","Labels":{"`+enginetest.Label+`":"`+s.RunID+`"}}`), nil))
	drv.Keys("4", "/")
	drv.Type(probe)
	must(t, drv.Until("the probe volume", 60*time.Second, func(s string) bool { return strings.Contains(s, "1 of ") }))
	drv.Keys("esc", "esc")

	var stopped *enginetest.Container
	for _, c := range s.Containers {
		if c.State == "exited" {
			stopped = c
			break
		}
	}
	if stopped == nil {
		t.Fatal("the seed has no stopped container")
	}
	var commit struct {
		ID string `json:"Id"`
	}
	must(t, e.Do(ctx, http.MethodPost, "/commit", url.Values{"container": {stopped.ID}}, nil, &commit))
	if !strings.HasPrefix(commit.ID, "sha256:") {
		t.Fatalf("commit returned %q", commit.ID)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.Do(ctx, http.MethodDelete, "/images/"+commit.ID, nil, nil, nil); err != nil && enginetest.StatusCode(err) != http.StatusNotFound {
			t.Errorf("remove the committed image: %v", err)
		}
	})

	drv.Keys("2", "/")
	drv.Type(strings.TrimPrefix(commit.ID, "sha256:")[:12])
	if err := drv.Until("the committed image", 60*time.Second, func(s string) bool { return strings.Contains(s, "1 of ") }); err != nil {
		t.Fatalf("%v: the untagged commit did not refresh the images list:\n%s", err, drv.Screen())
	}
}
