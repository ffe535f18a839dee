package dockerapi

import (
	"context"
	"slices"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"

	"bilge/model"
)

func TestExtraRefs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tags, digests, want []string
	}{
		{[]string{"a:1"}, []string{"a@sha256:1"}, nil},
		{[]string{"a:1", "a:2"}, []string{"a@sha256:1"}, []string{"a:2"}},
		{[]string{"a:1", "b:1"}, []string{"a@sha256:1", "b@sha256:1", "c@sha256:1"}, []string{"b:1", "b@sha256:1", "c@sha256:1"}},
		{nil, []string{"a@sha256:1", "b@sha256:1"}, []string{"b@sha256:1"}},
		{[]string{"localhost:5000/app:1", "localhost:5000/app:2"}, nil, []string{"localhost:5000/app:2"}},
		{[]string{"<none>:<none>"}, []string{"<none>@<none>"}, nil},
	}
	for _, c := range cases {
		if got := extraRefs(c.tags, c.digests); !slices.Equal(got, c.want) {
			t.Errorf("extraRefs(%v, %v) = %v, want %v", c.tags, c.digests, got, c.want)
		}
	}
}

// imageEngine is a fake engine holding one image's references, as the
// engine answers about them.
type imageEngine struct {
	recorder
	mu      sync.Mutex
	id      string
	refs    map[string]string // reference → image ID it names now
	users   []container.Summary
	removed []string
	forced  bool
}

func (f *imageEngine) ImageInspect(ctx context.Context, ref string, o ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ref == f.id {
		var res client.ImageInspectResult
		res.ID = f.id
		for r, id := range f.refs {
			if id != f.id {
				continue
			}
			if slices.Contains([]byte(r), '@') {
				res.RepoDigests = append(res.RepoDigests, r)
			} else {
				res.RepoTags = append(res.RepoTags, r)
			}
		}
		slices.Sort(res.RepoTags)
		slices.Sort(res.RepoDigests)
		return res, nil
	}
	id, ok := f.refs[ref]
	if !ok {
		return client.ImageInspectResult{}, cerrdefs.ErrNotFound
	}
	return client.ImageInspectResult{InspectResponse: image.InspectResponse{ID: id}}, nil
}

func (f *imageEngine) ContainerList(ctx context.Context, o client.ContainerListOptions) (client.ContainerListResult, error) {
	return client.ContainerListResult{Items: f.users}, nil
}

func (f *imageEngine) ImageRemove(ctx context.Context, ref string, o client.ImageRemoveOptions) (client.ImageRemoveResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forced = f.forced || o.Force
	f.removed = append(f.removed, ref)
	if ref != f.id {
		delete(f.refs, ref)
		return client.ImageRemoveResult{}, nil
	}
	n := 0
	for _, id := range f.refs {
		if id == f.id {
			n++
		}
	}
	if n > 1 {
		return client.ImageRemoveResult{}, cerrdefs.ErrConflict.WithMessage("conflict: unable to delete 0123456789ab (must be forced) - image is referenced in multiple repositories")
	}
	return client.ImageRemoveResult{}, nil
}

// TestMovedTagLeftAlone: a tag that names another image by the time it
// would be removed is not touched; the others go one by one, then the
// image by ID, never with force.
func TestMovedTagLeftAlone(t *testing.T) {
	t.Parallel()
	f := &imageEngine{id: "sha256:mine", refs: map[string]string{
		"a:1": "sha256:mine", "b:1": "sha256:mine", "c@sha256:9": "sha256:mine",
	}}
	// b:1 moves to another image between the inspect of the image and the
	// check of the tag.
	it := model.PlanItem{Kind: model.KindImage, ID: "sha256:mine", Name: "a:1"}
	w := &worker{d: &movingTag{f}, opts: workerOpts{timeout: DefaultCallTimeout}}
	o := w.removeImage(context.Background(), it)
	if o.Status != model.Deleted {
		t.Fatalf("outcome %+v", o)
	}
	if f.forced {
		t.Error("a removal was forced")
	}
	if want := []string{"sha256:mine", "c@sha256:9", "sha256:mine"}; !slices.Equal(f.removed, want) {
		t.Errorf("removed %v, want %v (b:1 moved away, left alone)", f.removed, want)
	}
	if f.refs["b:1"] != "sha256:other" {
		t.Error("the moved tag was touched")
	}
}

// movingTag moves b:1 to another image once the image itself has been
// inspected.
type movingTag struct{ *imageEngine }

func (m *movingTag) ImageInspect(ctx context.Context, ref string, o ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	res, err := m.imageEngine.ImageInspect(ctx, ref, o...)
	if ref == m.id {
		m.mu.Lock()
		m.refs["b:1"] = "sha256:other"
		m.mu.Unlock()
	}
	return res, err
}

// TestUsedImageNothingUntagged: a container using the image, seen before
// any untagging, leaves every tag in place.
func TestUsedImageNothingUntagged(t *testing.T) {
	t.Parallel()
	f := &imageEngine{id: "sha256:mine", refs: map[string]string{"a:1": "sha256:mine", "b:1": "sha256:mine"},
		users: []container.Summary{{ID: "c0ffee0123456789", Names: []string{"/late"}, State: "exited"}}}
	w := &worker{d: f, opts: workerOpts{timeout: DefaultCallTimeout}}
	o := w.removeImage(context.Background(), model.PlanItem{Kind: model.KindImage, ID: "sha256:mine"})
	if o.Status != model.Failed || o.Err != "image kept, nothing untagged: used by exited container late (c0ffee012345)" {
		t.Fatalf("outcome %+v", o)
	}
	if len(f.refs) != 2 || f.forced || !slices.Equal(f.removed, []string{"sha256:mine"}) {
		t.Errorf("refs %v, removed %v, forced %v", f.refs, f.removed, f.forced)
	}
}
