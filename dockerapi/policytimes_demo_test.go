package dockerapi

import (
	"context"
	"testing"
	"time"

	"bilge/dockerapi/demo"
	"bilge/model"
)

// PolicyTimes gives every ID asked for: stopped containers with when
// they stopped, a gone one with zero times.
func TestPolicyTimesDemo(t *testing.T) {
	e := serveDemo(t, demo.New(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := e.Lists(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var stopped []string
	for _, c := range snap.Containers {
		if c.State == model.StateExited {
			stopped = append(stopped, c.ID)
		}
	}
	if len(stopped) == 0 {
		t.Fatal("the demo host has no exited container")
	}
	imgs := []string{snap.Images[0].ID}
	gone := "0000000000000000000000000000000000000000000000000000000000000000"
	pt, err := e.PolicyTimes(ctx, append(stopped, gone), imgs)
	if err != nil {
		t.Fatal(err)
	}
	if !pt.Covers(append(stopped, gone), imgs) {
		t.Fatalf("times do not cover what was asked: %+v", pt)
	}
	for _, id := range stopped {
		if pt.Containers[id].Finished.IsZero() {
			t.Errorf("exited container %s has no finish time", model.ShortID(id))
		}
	}
	if ct := pt.Containers[gone]; !ct.Finished.IsZero() || !ct.Started.IsZero() {
		t.Errorf("a gone container has times %+v", ct)
	}
}
