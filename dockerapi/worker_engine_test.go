package dockerapi

import (
	"archive/tar"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/model"
)

// TestImageNeverForcedPastContainerRealDaemon: on a real engine, an image
// with several tags is marked and the plan made; then a stopped container
// is created from it — before the deletion starts (the event debounce
// before y), or between the untagging and the removal by ID. Both times
// the image and the container survive and the outcome says why.
func TestImageNeverForcedPastContainerRealDaemon(t *testing.T) {
	// A daemon of the test's own: it makes and deletes images.
	d := enginetest.StartTestDaemon(t)
	te, err := enginetest.ConnectHost(d.Host())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runID := enginetest.NewRunID()
	prefix, repo := "bilge-test-"+runID, "bilge-test/"+runID
	var made struct{ images, containers []string }
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, id := range made.containers {
			_ = te.Do(ctx, http.MethodDelete, "/containers/"+id, url.Values{"force": {"1"}}, nil, nil)
		}
		for _, id := range made.images {
			_ = te.Do(ctx, http.MethodDelete, "/images/"+id, url.Values{"force": {"1"}}, nil, nil)
		}
	})
	// importImage makes a one-file image of this run (no registry, no
	// container started) and returns its ID.
	importImage := func(name string) string {
		t.Helper()
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		data := []byte(runID + " " + name)
		_ = tw.WriteHeader(&tar.Header{Name: "data", Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0)})
		_, _ = tw.Write(data)
		_ = tw.Close()
		q := url.Values{"fromSrc": {"-"}, "repo": {repo + "/" + name}, "tag": {"1"}, "changes": {"LABEL " + enginetest.Label + "=" + runID}}
		if err := te.Do(ctx, http.MethodPost, "/images/create", q, &buf, nil); err != nil {
			t.Fatal(err)
		}
		var img struct{ ID string }
		if err := te.Do(ctx, http.MethodGet, "/images/"+repo+"/"+name+":1/json", nil, nil, &img); err != nil {
			t.Fatal(err)
		}
		made.images = append(made.images, img.ID)
		return img.ID
	}
	e, err := New(Endpoint{Host: te.Host(), Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	tag := func(id, repo, tag string) {
		t.Helper()
		if err := te.Do(ctx, http.MethodPost, "/images/"+id+"/tag", url.Values{"repo": {repo}, "tag": {tag}}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	create := func(id, name string) string {
		t.Helper()
		var res struct{ ID string }
		body := `{"Image": "` + id + `", "Cmd": ["/data"], "Labels": {"` + enginetest.Label + `": "` + runID + `"}}`
		if err := te.Do(ctx, http.MethodPost, "/containers/create", url.Values{"name": {name}}, strings.NewReader(body), &res); err != nil {
			t.Fatal(err)
		}
		made.containers = append(made.containers, res.ID)
		return res.ID
	}
	inspect := func(id string) (tags []string, ok bool) {
		t.Helper()
		var img struct{ RepoTags []string }
		err := te.Do(ctx, http.MethodGet, "/images/"+id+"/json", nil, nil, &img)
		if enginetest.StatusCode(err) == http.StatusNotFound {
			return nil, false
		}
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(img.RepoTags)
		return img.RepoTags, true
	}
	containerExists := func(id string) bool {
		err := te.Do(ctx, http.MethodGet, "/containers/"+id+"/json", nil, nil, nil)
		if err != nil && enginetest.StatusCode(err) != http.StatusNotFound {
			t.Fatal(err)
		}
		return err == nil
	}
	plan := func(id string) model.Plan {
		t.Helper()
		snap, err := e.Lists(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := model.NewPlan(snap, model.PlanRequest{Images: []string{id}})
		if p.Len() != 1 {
			t.Fatalf("plan of %d items", p.Len())
		}
		return p
	}

	// Created before the deletion starts: nothing is untagged.
	delta := importImage("delta")
	tag(delta, repo+"/delta-again", "x")
	tagsBefore, _ := inspect(delta)
	if len(tagsBefore) != 2 {
		t.Fatalf("delta has tags %v, want 2", tagsBefore)
	}
	p := plan(delta)
	early := create(delta, prefix+"-early")
	o := only(t, e.Delete(ctx, p, 1))
	if o.Status != model.Failed || !strings.Contains(o.Err, "image kept, nothing untagged: used by created container "+prefix+"-early") {
		t.Errorf("outcome %+v", o)
	}
	if tags, ok := inspect(delta); !ok || !slices.Equal(tags, tagsBefore) || !containerExists(early) {
		t.Errorf("image (tags %v, there %v) or container (%v) did not survive", tags, ok, containerExists(early))
	}

	// Created between the untagging and the removal by ID: the engine's
	// own check stops the removal; the outcome names the tags that went.
	dangling := importImage("late")
	tag(dangling, repo+"/late", "b")
	p = plan(dangling)
	var late string
	o = only(t, runPlan(ctx, e.api, p, 1, workerOpts{beforeFinal: func(id string) { late = create(id, prefix+"-late") }}))
	if o.Status != model.Failed || !strings.HasPrefix(o.Err, "untagged "+repo+"/late:") || !strings.Contains(o.Err, "; image kept: ") ||
		!strings.Contains(o.Err, "image is being used by stopped container") {
		t.Errorf("outcome %+v", o)
	}
	if tags, ok := inspect(dangling); !ok || len(tags) != 1 || late == "" || !containerExists(late) {
		t.Errorf("image (tags %v, there %v) or its late container did not survive", tags, ok)
	}

	// Nothing uses it: the image goes, without force, with every tag.
	alpha := delta
	if err := te.Do(ctx, http.MethodDelete, "/containers/"+early, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if o := only(t, e.Delete(ctx, plan(alpha), 1)); o.Status != model.Deleted {
		t.Errorf("unused multi-tag image: %+v", o)
	}
	if _, ok := inspect(alpha); ok {
		t.Error("unused multi-tag image still there")
	}
}
