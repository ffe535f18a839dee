package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/internal/enginetest"
	"bilge/model"
)

// bilgeSnapshot reads the whole engine the way bilge does: dockerapi's
// lists and disk usage, then the layers of every image (through a layer
// cache private to the test), applied to the snapshot.
func bilgeSnapshot(ctx context.Context, t *testing.T, e *enginetest.Engine) (*dockerapi.Engine, *model.Snapshot) {
	t.Helper()
	eng, err := dockerapi.Connect(ctx, dockerapi.Selection{Host: e.Host()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	cache, err := dockerapi.OpenLayerCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	eng.UseLayerCache(cache)
	snap, err := eng.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := eng.LayersOf(ctx, snap)
	if err != nil {
		t.Fatalf("layers: %v", err)
	}
	if missing := snap.ApplyLayers(layers); len(missing) > 0 {
		t.Fatalf("layers of %d images unknown: %v", len(missing), missing)
	}
	return eng, snap
}

// dfTotals is the SIZE column of docker system df, from the engine's own
// /system/df (not bilge's reading of it).
type dfTotals struct{ images, containers, volumes, buildCache int64 }

func totalsOf(du *enginetest.DiskUsage) dfTotals {
	t := dfTotals{images: du.LayersSize}
	for _, c := range du.Containers {
		t.containers += c.SizeRw
	}
	for _, v := range du.Volumes {
		if v.UsageData != nil && v.UsageData.Size > 0 {
			t.volumes += v.UsageData.Size
		}
	}
	for _, r := range du.BuildCache {
		if !r.Shared {
			t.buildCache += r.Size
		}
	}
	return t
}

// layerSize is the generated size of one named layer of the seed.
func layerSize(t *testing.T, s *enginetest.State, name string) int64 {
	t.Helper()
	for _, img := range s.Images {
		for _, l := range img.Layers {
			if l.Name == name {
				return l.Size
			}
		}
	}
	t.Fatalf("no layer %q in the seed", name)
	return 0
}

// reclaimCase is one selection: objects of the seed by role.
type reclaimCase struct {
	name                        string
	images, containers, volumes []string
	// pruneAll takes the images from ix.PruneImages(true), restricted to
	// the run's images, instead of images.
	pruneAll              bool
	cascade, namedVolumes bool
	// failImages are images whose deletion must fail, with the text the
	// engine's refusal must contain.
	failImages map[string]string
	// want is the seed's own figure for the selection (from the package
	// documentation of enginetest), so the model is checked against the
	// seed as well as against the engine.
	want func(s *enginetest.State) model.Reclaim
}

// TestExactReclaimMatchesEngine predicts with bilge's exact-reclaim model
// what deleting a selection frees, deletes exactly that selection through
// bilge's plan and worker, and measures the change of the engine's system
// df. Each selection runs on a fresh seeded state.
//
// The figures must match to the byte (tolerance 0), on every engine. On
// the containerd image store df's images SIZE is each snapshot and each
// content blob counted once (daemon/containerd/service.go ImageDiskUsage),
// which is what bilge counts there (model/cstore.go). On overlay2 the engine
// sizes a layer as the sum of its regular files (directories, and so the
// directory entries a layer or a container's mount points add, count 0),
// and df's images SIZE counts each layer referenced by an image once, so
// nothing engine-side blurs the comparison; the whole engine's df includes
// other objects, but lock(t) keeps other tests from changing them between
// the two df calls.
func TestExactReclaimMatchesEngine(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	cases := []reclaimCase{
		{
			// Its own layer only: base stays (alpha, beta, gamma, dangling
			// use it).
			name:   "a/one image",
			images: []string{"delta"},
			want: func(s *enginetest.State) model.Reclaim {
				return model.Reclaim{Images: layerSize(t, s, "delta")}
			},
		},
		{
			// Two images sharing base: their own layers go, the shared
			// base stays because other images use it.
			name:   "b/two images sharing layers",
			images: []string{"delta", "dangling"},
			want: func(s *enginetest.State) model.Reclaim {
				return model.Reclaim{Images: layerSize(t, s, "delta") + layerSize(t, s, "beta-old")}
			},
		},
		{
			// A base image, the image built on it and every container using
			// them: the alpha and gamma layers and the writable layers go;
			// base stays (beta, delta, dangling). The anonymous volume of
			// "failed" is not selected and stays (removed without v=1).
			name:       "c/base and everything on it",
			images:     []string{"alpha", "gamma"},
			containers: []string{"created", "exited", "failed"},
			cascade:    true,
			want: func(s *enginetest.State) model.Reclaim {
				return model.Reclaim{
					Images:     layerSize(t, s, "alpha") + layerSize(t, s, "gamma"),
					Containers: s.Containers["created"].SizeRw + s.Containers["exited"].SizeRw + s.Containers["failed"].SizeRw,
				}
			},
		},
		{
			// A stopped container and its image while another container
			// ("created") still uses the image: the image is blocked and
			// frees nothing; without cascade the engine refuses it.
			name:       "d/image blocked by a stopped container",
			images:     []string{"alpha"},
			containers: []string{"exited"},
			failImages: map[string]string{"alpha": "image is being used by stopped container"},
			want: func(s *enginetest.State) model.Reclaim {
				return model.Reclaim{Containers: s.Containers["exited"].SizeRw}
			},
		},
		{
			// docker image prune -a: every image no container uses.
			name:     "e/image prune -a",
			pruneAll: true,
			cascade:  true,
			want: func(s *enginetest.State) model.Reclaim {
				built := s.Images["built"].Size
				return model.Reclaim{
					Images:           layerSize(t, s, "delta") + layerSize(t, s, "beta-old") + built,
					HeldByBuildCache: built,
				}
			},
		},
		{
			// Volumes: a stopped container with its anonymous volume, and
			// the unused named volumes (one empty).
			name:         "f/container with its volume, named volumes",
			containers:   []string{"failed"},
			volumes:      []string{"anon", "unused", "empty"},
			namedVolumes: true,
			want: func(s *enginetest.State) model.Reclaim {
				return model.Reclaim{
					Containers: s.Containers["failed"].SizeRw,
					Volumes:    s.Volumes["anon"].Size + s.Volumes["unused"].Size + s.Volumes["empty"].Size,
				}
			},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := enginetest.Seed(t, e)
			t.Logf("run %s", s.RunID)
			eng, snap := bilgeSnapshot(ctx, t, e)
			ix := model.NewReclaimIndex(snap)

			// The selection, by the seeded IDs.
			marks := model.NewMarks()
			req := model.PlanRequest{Cascade: tc.cascade, NamedVolumes: tc.namedVolumes}
			imageRoles := tc.images
			if tc.pruneAll {
				_, ids := ix.PruneImages(true)
				imageRoles = runImageRoles(s, ids)
				// The engine-wide preset, restricted to this run, is
				// exactly the run's unused images.
				if want := []string{"built", "dangling", "delta"}; !slices.Equal(imageRoles, want) {
					t.Fatalf("PruneImages(true) holds the run's images %v, want %v", imageRoles, want)
				}
			}
			for _, role := range imageRoles {
				id := s.Images[role].ID
				marks.Set(model.KindImage, id, true)
				req.Images = append(req.Images, id)
			}
			for _, role := range tc.containers {
				id := s.Containers[role].ID
				marks.Set(model.KindContainer, id, true)
				req.Containers = append(req.Containers, id)
			}
			for _, role := range tc.volumes {
				name := s.Volumes[role].Name
				marks.Set(model.KindVolume, name, true)
				req.Volumes = append(req.Volumes, name)
			}
			pred := ix.Compute(marks)
			if pred.Pending {
				t.Fatalf("prediction pending (%b): %+v", pred.PendingKinds, pred)
			}
			if tc.pruneAll {
				if bi := snapImage(snap, s.Images["built"].ID); bi == nil || !bi.BuildKit {
					t.Errorf("bilge does not see the built image as BuildKit-built: %+v", bi)
				}
			}

			// The seed's own figures. On the containerd image store the
			// engine measures what the snapshotter uses on disk (blocks,
			// directories) and adds the packed content, so the seed's
			// file bytes are not its figures: there bilge is held to the
			// engine's measure alone, below.
			want := tc.want(s)
			if e.ContainerdStore() {
				want = pred
			}
			if pred.Images != want.Images || pred.Containers != want.Containers || pred.Volumes != want.Volumes ||
				pred.HeldByBuildCache != want.HeldByBuildCache || pred.BuildCache != 0 {
				t.Errorf("prediction %+v, the seed says images %d containers %d volumes %d held %d",
					pred, want.Images, want.Containers, want.Volumes, want.HeldByBuildCache)
			}
			checkBlocked(t, s, tc, pred)

			plan := model.NewPlan(snap, req)
			if n := len(imageRoles) + len(tc.containers) + len(tc.volumes); plan.Len() != n {
				t.Fatalf("plan has %d items, want %d: %+v", plan.Len(), n, plan.Items)
			}

			beforeDF, err := e.SystemDF(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before := totalsOf(beforeDF)
			var outcomes []model.Outcome
			for o := range eng.Delete(ctx, plan, 4) {
				if o.Status == model.Started {
					continue // progress, not an outcome
				}
				outcomes = append(outcomes, o)
			}
			afterDF, err := e.SystemDF(ctx)
			if err != nil {
				t.Fatal(err)
			}
			after := totalsOf(afterDF)

			if len(outcomes) != plan.Len() {
				t.Errorf("%d outcomes for %d items", len(outcomes), plan.Len())
			}
			for _, o := range outcomes {
				role := roleOf(s, o.Item.Kind, o.Item.ID)
				if text, ok := tc.failImages[role]; ok && o.Item.Kind == model.KindImage {
					// The refusal names the container that keeps the image
					// (the one the prediction reports as blocking it).
					blocker := ""
					for _, b := range pred.Blocked {
						if b.Kind == model.KindImage && b.ID == o.Item.ID && len(b.By) > 0 {
							blocker = model.ShortID(b.By[0])
						}
					}
					if o.Status != model.Failed || !strings.Contains(o.Err, text) || blocker == "" || !strings.Contains(o.Err, blocker) {
						t.Errorf("%v %s: %v %q, want failed with %q naming %s", o.Item.Kind, role, o.Status, o.Err, text, blocker)
					} else {
						t.Logf("%v %s: failed as expected: %s", o.Item.Kind, role, o.Err)
					}
					if err := e.Do(ctx, http.MethodGet, "/images/"+o.Item.ID+"/json", nil, nil, nil); err != nil {
						t.Errorf("image %s should still be there: %v", role, err)
					}
					continue
				}
				if o.Status != model.Deleted {
					t.Errorf("%v %s (%s): %v %s", o.Item.Kind, role, model.ShortID(o.Item.ID), o.Status, o.Err)
				}
			}

			// Measured. Build cache grows (negative drop) when BuildKit
			// bytes move from images to build cache.
			got := dfTotals{
				images:     before.images - after.images,
				containers: before.containers - after.containers,
				volumes:    before.volumes - after.volumes,
				buildCache: after.buildCache - before.buildCache,
			}
			t.Logf("predicted: images %d containers %d volumes %d held by build cache %d total %d",
				pred.Images, pred.Containers, pred.Volumes, pred.HeldByBuildCache, pred.Total)
			t.Logf("measured:  images %d containers %d volumes %d build cache grew %d total %d",
				got.images, got.containers, got.volumes, got.buildCache,
				got.images+got.containers+got.volumes-got.buildCache)
			if pred.Images != got.images {
				t.Errorf("images: predicted %d, df's images SIZE dropped %d (%d → %d)", pred.Images, got.images, before.images, after.images)
			}
			if pred.Containers != got.containers {
				t.Errorf("containers: predicted %d, df's containers SIZE dropped %d", pred.Containers, got.containers)
			}
			if pred.Volumes != got.volumes {
				t.Errorf("volumes: predicted %d, df's volumes SIZE dropped %d", pred.Volumes, got.volumes)
			}
			if pred.HeldByBuildCache != got.buildCache {
				t.Errorf("build cache: predicted %d held by build cache, df's build-cache SIZE grew %d", pred.HeldByBuildCache, got.buildCache)
			}
			if total := got.images + got.containers + got.volumes - got.buildCache; pred.Total != total {
				t.Errorf("total: predicted %d, df's total dropped %d", pred.Total, total)
			}
		})
	}
}

// checkBlocked checks the prediction's blocked list: for each image that
// must fail, exactly that image, blocked by the run's containers that use
// it and are not selected; nothing otherwise.
func checkBlocked(t *testing.T, s *enginetest.State, tc reclaimCase, pred model.Reclaim) {
	t.Helper()
	var want []string
	for role := range tc.failImages {
		want = append(want, role)
	}
	var got []string
	for _, b := range pred.Blocked {
		role := roleOf(s, b.Kind, b.ID)
		got = append(got, role)
		if b.Kind != model.KindImage {
			continue
		}
		var by, wantBy []string
		for _, id := range b.By {
			by = append(by, roleOf(s, model.KindContainer, id))
		}
		for role2, c := range s.Containers {
			if c.Image == role && !slices.Contains(tc.containers, role2) {
				wantBy = append(wantBy, role2)
			}
		}
		slices.Sort(by)
		slices.Sort(wantBy)
		if !slices.Equal(by, wantBy) {
			t.Errorf("image %s blocked by %v, want %v", role, by, wantBy)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("blocked %v, want %v", got, want)
	}
}

// runImageRoles maps image IDs to the roles of the run's images, sorted,
// leaving out images of others.
func runImageRoles(s *enginetest.State, ids []string) []string {
	var roles []string
	for _, id := range ids {
		for role, img := range s.Images {
			if img.ID == id {
				roles = append(roles, role)
			}
		}
	}
	slices.Sort(roles)
	return roles
}

// roleOf names a seeded object by its role ("" when it is not the run's):
// images and containers by ID, volumes by name, networks by ID or name.
func roleOf(s *enginetest.State, k model.Kind, id string) string {
	switch k {
	case model.KindImage:
		for role, img := range s.Images {
			if img.ID == id {
				return role
			}
		}
	case model.KindContainer:
		for role, c := range s.Containers {
			if c.ID == id {
				return role
			}
		}
	case model.KindVolume:
		for role, v := range s.Volumes {
			if v.Name == id {
				return role
			}
		}
	case model.KindNetwork:
		for role, n := range s.Networks {
			if n.ID == id || n.Name == id {
				return role
			}
		}
	case model.KindBuildCache:
		if slices.Contains(s.BuildCache, id) {
			return "build-cache " + model.ShortID(id)
		}
	}
	return ""
}

func snapImage(snap *model.Snapshot, id string) *model.Image {
	for i := range snap.Images {
		if snap.Images[i].ID == id {
			return &snap.Images[i]
		}
	}
	return nil
}

// TestFreesAloneMatchesRmi deletes the seeded images no container uses,
// one at a time, and checks each time that FREES ALONE (ReclaimIndex.
// FreesAlone, the Images table's column) is what df's images SIZE drops
// by, and HeldAlone what its build-cache SIZE grows by. Each deletion is
// predicted on a fresh snapshot, so the later ones see what the earlier
// freed (the dangling image's base is then shared by fewer images). To
// the byte, on every engine (see TestExactReclaimMatchesEngine for how
// each engine measures).
func TestFreesAloneMatchesRmi(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	s := enginetest.Seed(t, e)
	t.Logf("run %s", s.RunID)
	for _, role := range []string{"built", "delta", "dangling"} {
		id := s.Images[role].ID
		eng, snap := bilgeSnapshot(ctx, t, e)
		ix := model.NewReclaimIndex(snap)
		frees, known := ix.FreesAlone(id)
		held := ix.HeldAlone(id)
		if !known {
			t.Fatalf("%s: FREES ALONE not known", role)
		}
		if img := snapImage(snap, id); img == nil || len(img.Containers) > 0 {
			t.Fatalf("%s: not in the snapshot, or used by a container: %+v", role, img)
		}
		req := model.PlanRequest{Images: []string{id}}
		plan := model.NewPlan(snap, req)
		beforeDF, err := e.SystemDF(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for o := range eng.Delete(ctx, plan, 1) {
			if o.Status != model.Started && o.Status != model.Deleted {
				t.Fatalf("%s: %v %s", role, o.Status, o.Err)
			}
		}
		afterDF, err := e.SystemDF(ctx)
		if err != nil {
			t.Fatal(err)
		}
		before, after := totalsOf(beforeDF), totalsOf(afterDF)
		drop, grew := before.images-after.images, after.buildCache-before.buildCache
		t.Logf("%s: FREES ALONE %d (held by build cache %d); rmi: df images SIZE dropped %d, build cache grew %d", role, frees, held, drop, grew)
		if frees != drop {
			t.Errorf("%s: FREES ALONE %d, df's images SIZE dropped %d", role, frees, drop)
		}
		if held != grew {
			t.Errorf("%s: held by build cache %d, df's build-cache SIZE grew %d", role, held, grew)
		}
	}
}
