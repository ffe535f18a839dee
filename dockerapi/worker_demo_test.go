package dockerapi

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi/demo"
	"bilge/model"
)

// serveDemo serves a demo engine and connects to it.
func serveDemo(t *testing.T, d *demo.Engine) *Engine {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	host, err := d.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Connect(ctx, Selection{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// unusedMultiTag is a listed image with several tags, no container and no
// child: one the engine refuses by ID without force.
func unusedMultiTag(t *testing.T, d *demo.Engine) demo.ImageInfo {
	t.Helper()
	for _, img := range d.Images() {
		if img.Listed && len(img.Tags) > 1 && len(img.Containers) == 0 && img.Children == 0 {
			return img
		}
	}
	t.Fatal("the demo host has no unused multi-tag image")
	return demo.ImageInfo{}
}

func imageByID(d *demo.Engine, id string) (demo.ImageInfo, bool) {
	for _, img := range d.Images() {
		if img.ID == id {
			return img, true
		}
	}
	return demo.ImageInfo{}, false
}

func containerExists(d *demo.Engine, id string) bool {
	for _, c := range d.Containers() {
		if c.ID == id {
			return true
		}
	}
	return false
}

// planFor builds the plan of one marked image from a snapshot taken now.
func planFor(t *testing.T, e *Engine, imageID string) model.Plan {
	t.Helper()
	snap, err := e.Lists(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := model.NewPlan(snap, model.PlanRequest{Images: []string{imageID}})
	if p.Len() != 1 {
		t.Fatalf("plan of %d items", p.Len())
	}
	return p
}

func only(t *testing.T, ch <-chan model.Outcome) model.Outcome {
	t.Helper()
	outs := collect(ch)
	if len(outs) != 1 {
		t.Fatalf("%d outcomes: %+v", len(outs), outs)
	}
	return outs[0]
}

// TestMultiTagImageDeletedWithoutForce: an image with several tags and no
// user goes (its tags removed one by one, then the image by ID).
func TestMultiTagImageDeletedWithoutForce(t *testing.T) {
	t.Parallel()
	d := demo.New(1)
	e := serveDemo(t, d)
	img := unusedMultiTag(t, d)
	o := only(t, e.Delete(context.Background(), planFor(t, e, img.ID), 1))
	if o.Status != model.Deleted {
		t.Fatalf("outcome %+v", o)
	}
	if _, ok := imageByID(d, img.ID); ok {
		t.Fatal("image still there")
	}
}

// TestImageNotForcedPastNewContainer: a container created after the plan
// was made (in the event debounce, before y) keeps the image and every
// tag; the outcome names the container.
func TestImageNotForcedPastNewContainer(t *testing.T) {
	t.Parallel()
	d := demo.New(1)
	e := serveDemo(t, d)
	img := unusedMultiTag(t, d)
	plan := planFor(t, e, img.ID)
	cid, err := d.CreateContainer(img.Tags[0], "late")
	if err != nil {
		t.Fatal(err)
	}
	o := only(t, e.Delete(context.Background(), plan, 1))
	if o.Status != model.Failed || !strings.Contains(o.Err, "image kept, nothing untagged: used by created container late") {
		t.Fatalf("outcome %+v", o)
	}
	after, ok := imageByID(d, img.ID)
	if !ok || !slices.Equal(after.Tags, img.Tags) {
		t.Fatalf("image or tags gone: %v → %+v", img.Tags, after.Tags)
	}
	if !containerExists(d, cid) {
		t.Fatal("container gone")
	}
}

// TestContainerInTheLastWindow: a container created after the extra tags
// are removed, just before the removal by ID, still stops the image; the
// outcome says which tags went.
func TestContainerInTheLastWindow(t *testing.T) {
	t.Parallel()
	d := demo.New(1)
	e := serveDemo(t, d)
	img := unusedMultiTag(t, d)
	plan := planFor(t, e, img.ID)
	var cid string
	ch := runPlan(context.Background(), e.api, plan, 1, workerOpts{beforeFinal: func(id string) {
		var err error
		if cid, err = d.CreateContainer(id, "sneaky"); err != nil {
			t.Error(err)
		}
	}})
	o := only(t, ch)
	if o.Status != model.Failed || !strings.HasPrefix(o.Err, "untagged ") || !strings.Contains(o.Err, "; image kept: ") ||
		!strings.Contains(o.Err, "image is being used by stopped container") {
		t.Fatalf("outcome %+v", o)
	}
	after, ok := imageByID(d, img.ID)
	if !ok || !containerExists(d, cid) {
		t.Fatal("the image or its new container went")
	}
	if len(after.Tags) != 1 || after.Tags[0] != img.Tags[0] {
		t.Errorf("tags left %v, want the first of %v", after.Tags, img.Tags)
	}
	for _, tag := range img.Tags[1:] {
		if !strings.Contains(o.Err, tag) {
			t.Errorf("outcome does not name untagged %s: %s", tag, o.Err)
		}
	}
}

// TestHungCallTimesOut: a frozen engine fails the call in flight with
// "timed out after …" and cancels what has not started, so the run ends.
func TestHungCallTimesOut(t *testing.T) {
	t.Parallel()
	d := demo.New(1)
	e := serveDemo(t, d)
	snap, err := e.Lists(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range snap.Containers {
		if !c.Active() {
			ids = append(ids, c.ID)
		}
	}
	plan := model.NewPlan(snap, model.PlanRequest{Containers: ids})
	d.Hang("DELETE", "/containers/")
	e.SetCallTimeout(100 * time.Millisecond)
	outs := collect(e.Delete(context.Background(), plan, 1))
	if len(outs) != plan.Len() || outs[0].Status != model.Failed || outs[0].Err != "timed out after 0.1s: the engine did not answer (the deletion may still complete)" {
		t.Fatalf("first outcome %+v of %d", outs[0], len(outs))
	}
	for _, o := range outs[1:] {
		if o.Status != model.Cancelled || o.Err != stoppedAnswering {
			t.Fatalf("after the timeout: %+v", o)
		}
	}
	if n := len(d.Containers()); n != len(snap.Containers) {
		t.Errorf("%d containers left of %d", n, len(snap.Containers))
	}
}

// TestCancelWhileHung: esc (cancelling the run's context) skips what has
// not started at once, while the hung call is waited for.
func TestCancelWhileHung(t *testing.T) {
	t.Parallel()
	d := demo.New(1)
	e := serveDemo(t, d)
	snap, err := e.Lists(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range snap.Containers {
		if !c.Active() {
			ids = append(ids, c.ID)
		}
	}
	plan := model.NewPlan(snap, model.PlanRequest{Containers: ids})
	d.Hang("DELETE", "/containers/")
	ctx, cancel := context.WithCancel(context.Background())
	ch := e.Delete(ctx, plan, 2)
	started := 0
	for started < 2 {
		if o := <-ch; o.Status == model.Started {
			started++
		}
	}
	cancel()
	// Every item not started is reported cancelled while the two calls
	// still hang.
	cancelled := 0
	for cancelled < plan.Len()-2 {
		o := <-ch
		if o.Status != model.Cancelled || o.Err != cancelledByUser {
			t.Fatalf("outcome while hung: %+v", o)
		}
		cancelled++
	}
	d.Unhang()
	rest := collect(ch)
	if len(rest) != 2 || rest[0].Status != model.Deleted || rest[1].Status != model.Deleted {
		t.Fatalf("in-flight outcomes after the engine answers: %+v", rest)
	}
}

// TestRunningContainerStoppedThenRemoved: a running container the user
// confirmed is stopped, then removed without force.
func TestRunningContainerStoppedThenRemoved(t *testing.T) {
	t.Parallel()
	d := demo.New(1)
	e := serveDemo(t, d)
	snap, err := e.Lists(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, c := range snap.Containers {
		if c.State == "running" {
			id = c.ID
			break
		}
	}
	if id == "" {
		t.Fatal("no running container in the demo host")
	}
	plan := model.NewPlan(snap, model.PlanRequest{Containers: []string{id}, StopRunning: true})
	if o := only(t, e.Delete(context.Background(), plan, 1)); o.Status != model.Deleted {
		t.Fatalf("outcome %+v", o)
	}
	if n := d.Requests("POST", "/containers/"+id+"/stop"); n != 1 {
		t.Errorf("%d stop calls, want 1 before the removal", n)
	}
	if containerExists(d, id) {
		t.Error("container still there")
	}
}
