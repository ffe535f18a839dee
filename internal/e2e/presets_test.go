package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/model"
)

// pruneReport is the answer of any of the engine's prune endpoints.
type pruneReport struct {
	ImagesDeleted []struct {
		Untagged string
		Deleted  string
	}
	ContainersDeleted []string
	VolumesDeleted    []string
	NetworksDeleted   []string
	SpaceReclaimed    int64
}

// enginePrune runs one of the engine's prune endpoints restricted to run
// s by its label (plus extra filters). Never call it without the label.
func enginePrune(ctx context.Context, t *testing.T, e *enginetest.Engine, s *enginetest.State, path string, extra map[string][]string) pruneReport {
	t.Helper()
	if s.RunID == "" {
		t.Fatal("refusing a prune without a run label")
	}
	f := map[string][]string{"label": {enginetest.Label + "=" + s.RunID}}
	for k, v := range extra {
		f[k] = v
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var rep pruneReport
	if err := e.Do(ctx, http.MethodPost, path, url.Values{"filters": {string(b)}}, nil, &rep); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return rep
}

// rolesOf maps IDs to the roles of run s, sorted; IDs that are not the
// run's are left out.
func rolesOf(s *enginetest.State, k model.Kind, ids []string) []string {
	var roles []string
	for _, id := range ids {
		if r := roleOf(s, k, id); r != "" {
			roles = append(roles, r)
		}
	}
	slices.Sort(roles)
	return roles
}

// deletedImageRoles maps an image prune's answer to roles of run s. Its
// Deleted entries name image IDs and also the layers (chain IDs) the
// deletion released: only image IDs are mapped; the number of other
// entries is returned.
func deletedImageRoles(s *enginetest.State, rep pruneReport) (roles []string, layers int) {
	for _, d := range rep.ImagesDeleted {
		if d.Deleted == "" {
			continue
		}
		if r := roleOf(s, model.KindImage, d.Deleted); r != "" {
			roles = append(roles, r)
		} else {
			layers++
		}
	}
	slices.Sort(roles)
	return roles, layers
}

// marksOf marks ids of one kind.
func marksOf(k model.Kind, ids []string) *model.Marks {
	m := model.NewMarks()
	for _, id := range ids {
		m.Set(k, id, true)
	}
	return m
}

// inRun maps ids of one run to the IDs of the same roles in run to. Each
// preset's figure is predicted on the run the engine prunes: the two runs
// are alike but not to the byte on the containerd store, where the
// BuildKit-built image's config (its timestamps) and so its blobs differ
// in size by a few bytes from run to run.
func inRun(from, to *enginetest.State, k model.Kind, ids []string) []string {
	var out []string
	for _, role := range rolesOf(from, k, ids) {
		switch k {
		case model.KindImage:
			out = append(out, to.Images[role].ID)
		case model.KindContainer:
			out = append(out, to.Containers[role].ID)
		}
	}
	return out
}

// restrict keeps the ids of run s.
func restrict(s *enginetest.State, k model.Kind, ids []string) []string {
	var out []string
	for _, id := range ids {
		if roleOf(s, k, id) != "" {
			out = append(out, id)
		}
	}
	return out
}

func apiAtLeast(v, min string) bool {
	pv, pm := strings.Split(v, "."), strings.Split(min, ".")
	for i := 0; i < len(pv) || i < len(pm); i++ {
		var x, y int
		if i < len(pv) {
			x, _ = strconv.Atoi(pv[i])
		}
		if i < len(pm) {
			y, _ = strconv.Atoi(pm[i])
		}
		if x != y {
			return x > y
		}
	}
	return true
}

// sameRoles reports a difference between bilge's set, the engine's and
// the seed's.
func sameRoles(t *testing.T, what string, bilge, engine, seed []string) {
	t.Helper()
	t.Logf("%s: bilge %v, engine %v", what, bilge, engine)
	if !slices.Equal(bilge, engine) {
		t.Errorf("%s: bilge would remove %v, the engine removed %v", what, bilge, engine)
	}
	if !slices.Equal(bilge, seed) {
		t.Errorf("%s: bilge would remove %v, the seeded state implies %v", what, bilge, seed)
	}
}

// heldSnapshots is, on the containerd image store, the part of what the
// build cache holds after deleting the images ids that the engine's image
// prune still reports as reclaimed: the unpacked snapshots of the
// BuildKit-built images among them. There a build-cache record's size is
// its layer's snapshot and blob; after the image goes, df's build-cache
// SIZE grows by both (bilge's HeldByBuildCache), but the prune's
// SpaceReclaimed counts every snapshot whose chain ID is gone and every
// blob no longer in the content store (daemon/containerd/image_prune.go
// pruneAll): the image's snapshot goes (BuildKit keeps its own), the blob
// stays (leased). Measured on the seed with du of the data root: the
// prune report is the disk's figure (7,348,216 reported, 7,385,088 by
// du, the rest metadata); df's images drop less build-cache growth
// (7,041,016) is short by the snapshot. The seed's BuildKit image shares
// no layer, so its layers are the held snapshots. 0 on a graph driver.
func heldSnapshots(s *model.Snapshot, ids []string, pred model.Reclaim) int64 {
	if !s.ContainerdStore || pred.HeldByBuildCache == 0 {
		return 0
	}
	var n int64
	for i := range s.Images {
		img := &s.Images[i]
		if img.BuildKit && slices.Contains(ids, img.ID) {
			for _, l := range img.Layers {
				n += l.Size
			}
		}
	}
	return n
}

// TestPresetsMatchEnginePrune checks bilge's prune presets against the
// engine's own prune endpoints: two identical runs A and B are seeded;
// bilge computes each preset on a snapshot, restricted to A's objects; the
// engine runs the prune on B, restricted by B's label; the two sets must
// name the same roles. A is only read, so it serves every preset; B is
// seeded afresh for each, so the comparisons are independent.
func TestPresetsMatchEnginePrune(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	a := enginetest.Seed(t, e)
	t.Logf("run A: %s", a.RunID)

	// setup seeds B and reads the engine (A and B) as bilge does.
	setup := func(t *testing.T) (*enginetest.State, *model.Snapshot, *model.ReclaimIndex) {
		b := enginetest.Seed(t, e)
		t.Logf("run B: %s", b.RunID)
		_, snap := bilgeSnapshot(ctx, t, e)
		return b, snap, model.NewReclaimIndex(snap)
	}

	t.Run("image prune", func(t *testing.T) {
		b, _, ix := setup(t)
		_, ids := ix.PruneImages(false)
		ids = restrict(a, model.KindImage, ids)
		pred := ix.Compute(marksOf(model.KindImage, inRun(a, b, model.KindImage, ids)))
		rep := enginePrune(ctx, t, e, b, "/images/prune", nil)
		got, layers := deletedImageRoles(b, rep)
		sameRoles(t, "dangling images", rolesOf(a, model.KindImage, ids), got, []string{"dangling"})
		// The engine counts the layers it released: BuildKit-held bytes
		// are not released.
		if want := pred.Images - pred.HeldByBuildCache; rep.SpaceReclaimed != want {
			t.Errorf("space reclaimed: engine %d, bilge %d", rep.SpaceReclaimed, want)
		}
		t.Logf("engine reclaimed %d (%d layers), bilge predicts %d", rep.SpaceReclaimed, layers, pred.Images)
	})

	t.Run("image prune -a", func(t *testing.T) {
		b, snap, ix := setup(t)
		_, ids := ix.PruneImages(true)
		ids = restrict(a, model.KindImage, ids)
		pred := ix.Compute(marksOf(model.KindImage, inRun(a, b, model.KindImage, ids)))
		rep := enginePrune(ctx, t, e, b, "/images/prune", map[string][]string{"dangling": {"false"}})
		got, layers := deletedImageRoles(b, rep)
		sameRoles(t, "unused images", rolesOf(a, model.KindImage, ids), got, []string{"built", "dangling", "delta"})
		// The built image's layer stays in the build cache: the engine's
		// figure leaves it out, as bilge's Images − HeldByBuildCache does.
		if want := pred.Images - pred.HeldByBuildCache + heldSnapshots(snap, inRun(a, b, model.KindImage, ids), pred); rep.SpaceReclaimed != want {
			t.Errorf("space reclaimed: engine %d, bilge %d (images %d, held by build cache %d)",
				rep.SpaceReclaimed, want, pred.Images, pred.HeldByBuildCache)
		}
		t.Logf("engine reclaimed %d (%d layers), bilge predicts %d of which %d stays in build cache",
			rep.SpaceReclaimed, layers, pred.Images, pred.HeldByBuildCache)
	})

	t.Run("container prune", func(t *testing.T) {
		b, _, ix := setup(t)
		_, ids := ix.PruneContainers()
		ids = restrict(a, model.KindContainer, ids)
		pred := ix.Compute(marksOf(model.KindContainer, ids))
		rep := enginePrune(ctx, t, e, b, "/containers/prune", nil)
		sameRoles(t, "stopped containers", rolesOf(a, model.KindContainer, ids),
			rolesOf(b, model.KindContainer, rep.ContainersDeleted), []string{"created", "exited", "failed"})
		if rep.SpaceReclaimed != pred.Containers {
			t.Errorf("space reclaimed: engine %d, bilge %d", rep.SpaceReclaimed, pred.Containers)
		}
	})

	t.Run("volume prune", func(t *testing.T) {
		b, _, ix := setup(t)
		// On API 1.41 a plain volume prune removes unused NAMED volumes
		// too (engines from 23.0 answer requests below 1.42 the same way;
		// on 1.42+ only all=true does): it is bilge's PruneVolumes(true),
		// not PruneVolumes(false), the anonymous-only prune of docker 23+.
		var extra map[string][]string
		if apiAtLeast(e.APIVersion(), "1.42") {
			extra = map[string][]string{"all": {"true"}}
		}
		_, ids := ix.PruneVolumes(true)
		ids = restrict(a, model.KindVolume, ids)
		pred := ix.Compute(marksOf(model.KindVolume, ids))
		rep := enginePrune(ctx, t, e, b, "/volumes/prune", extra)
		sameRoles(t, "unused volumes", rolesOf(a, model.KindVolume, ids),
			rolesOf(b, model.KindVolume, rep.VolumesDeleted), []string{"empty", "unused"})
		if rep.SpaceReclaimed != pred.Volumes {
			t.Errorf("space reclaimed: engine %d, bilge %d", rep.SpaceReclaimed, pred.Volumes)
		}
		// The anonymous-only preset: the run's anonymous volume is mounted
		// by the stopped "failed" container, so it keeps nothing of A.
		if _, anon := ix.PruneVolumes(false); len(restrict(a, model.KindVolume, anon)) != 0 {
			t.Errorf("PruneVolumes(false) removes %v of the run", rolesOf(a, model.KindVolume, anon))
		}
	})

	t.Run("network prune", func(t *testing.T) {
		b, _, ix := setup(t)
		ids := restrict(a, model.KindNetwork, ix.PruneNetworks())
		rep := enginePrune(ctx, t, e, b, "/networks/prune", nil)
		// NetworksDeleted names networks by name; roleOf maps either.
		sameRoles(t, "unused networks", rolesOf(a, model.KindNetwork, ids),
			rolesOf(b, model.KindNetwork, rep.NetworksDeleted), []string{"idle-1", "idle-2"})
	})

	t.Run("system prune -a", func(t *testing.T) {
		// docker system prune -a, in the CLI's order: containers, networks,
		// images (volumes left out: on 1.41 the engine's volume prune is
		// not the anonymous-only one PruneSystem(true) models; build cache
		// cannot be restricted to a run).
		b, snap, ix := setup(t)
		_, m := ix.PruneSystem(false)
		ctrs := restrict(a, model.KindContainer, m.IDs(model.KindContainer))
		nets := restrict(a, model.KindNetwork, m.IDs(model.KindNetwork))
		imgs := restrict(a, model.KindImage, m.IDs(model.KindImage))
		if v := restrict(a, model.KindVolume, m.IDs(model.KindVolume)); len(v) > 0 {
			t.Errorf("PruneSystem(false) marks volumes %v", v)
		}
		rm := model.NewMarks()
		for _, id := range inRun(a, b, model.KindContainer, ctrs) {
			rm.Set(model.KindContainer, id, true)
		}
		for _, id := range inRun(a, b, model.KindImage, imgs) {
			rm.Set(model.KindImage, id, true)
		}
		predA := ix.Compute(rm) // the preset's selection, on run B

		cr := enginePrune(ctx, t, e, b, "/containers/prune", nil)
		nr := enginePrune(ctx, t, e, b, "/networks/prune", nil)
		ir := enginePrune(ctx, t, e, b, "/images/prune", map[string][]string{"dangling": {"false"}})
		gotImgs, _ := deletedImageRoles(b, ir)
		sameRoles(t, "containers", rolesOf(a, model.KindContainer, ctrs),
			rolesOf(b, model.KindContainer, cr.ContainersDeleted), []string{"created", "exited", "failed"})
		sameRoles(t, "networks", rolesOf(a, model.KindNetwork, nets),
			rolesOf(b, model.KindNetwork, nr.NetworksDeleted), []string{"idle-1", "idle-2"})
		sameRoles(t, "images", rolesOf(a, model.KindImage, imgs), gotImgs,
			[]string{"alpha", "built", "dangling", "delta", "gamma"})
		if cr.SpaceReclaimed != predA.Containers {
			t.Errorf("containers reclaimed: engine %d, bilge %d", cr.SpaceReclaimed, predA.Containers)
		}
		if want := predA.Images - predA.HeldByBuildCache + heldSnapshots(snap, inRun(a, b, model.KindImage, imgs), predA); ir.SpaceReclaimed != want {
			t.Errorf("images reclaimed: engine %d, bilge %d", ir.SpaceReclaimed, want)
		}
		t.Logf("engine reclaimed containers %d images %d; bilge (A's selection on run B) containers %d images %d of which %d stays in build cache",
			cr.SpaceReclaimed, ir.SpaceReclaimed, predA.Containers, predA.Images, predA.HeldByBuildCache)
	})

	t.Run("build cache", func(t *testing.T) {
		// The engine's build-cache prune cannot be restricted by label on
		// 20.10 (the filter is ignored: it would prune every unused record
		// on the machine), so it is not run. Instead: bilge's preset holds
		// every record A's build recorded that is not in use, and the
		// system preset does too.
		_, snap := bilgeSnapshot(ctx, t, e)
		ix := model.NewReclaimIndex(snap)
		_, ids := ix.PruneBuildCache()
		_, sys := ix.PruneSystem(false)
		if len(a.BuildCache) == 0 {
			t.Fatal("run A recorded no build-cache records")
		}
		for _, id := range a.BuildCache {
			var rec *model.BuildRecord
			for i := range snap.BuildCache {
				if snap.BuildCache[i].ID == id {
					rec = &snap.BuildCache[i]
				}
			}
			if rec == nil {
				t.Errorf("build-cache record %s of run A is not in bilge's snapshot", id)
				continue
			}
			t.Logf("record %s: %s %q size %d shared %v in use %v", model.ShortID(id), rec.Type, rec.Description, rec.Size, rec.Shared, rec.InUse)
			if rec.InUse {
				if slices.Contains(ids, id) {
					t.Errorf("record %s is in use but in the build-cache preset", id)
				}
				continue
			}
			if !slices.Contains(ids, id) {
				t.Errorf("record %s (not in use) is missing from the build-cache preset", id)
			}
			if !sys.Has(model.KindBuildCache, id) {
				t.Errorf("record %s (not in use) is missing from the system preset", id)
			}
		}
	})
}

// TestNetworkPruneTakesStoppedContainersNetworks: the engine's network
// prune removes a network that only a stopped container is attached to —
// a stopped container has no endpoint — and bilge's network preset (ReclaimIndex.PruneNetworks)
// marks exactly what the engine removes, that network included.
func TestNetworkPruneTakesStoppedContainersNetworks(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s := enginetest.Seed(t, e)
	labels := map[string]string{enginetest.Label: s.RunID, enginetest.RoleLabel: "stale"}
	name := s.Prefix + "-stale"
	var nw struct {
		ID string `json:"Id"`
	}
	if err := e.Do(ctx, http.MethodPost, "/networks/create", nil, jsonBody(t, map[string]any{"Name": name, "Driver": "bridge", "Labels": labels}), &nw); err != nil {
		t.Fatal(err)
	}
	alpha := s.Images["alpha"]
	var ctr struct {
		ID string `json:"Id"`
	}
	body := map[string]any{
		"Image": alpha.ID, "Cmd": []string{"exit", "0"}, "Labels": labels,
		"HostConfig":       map[string]any{"NetworkMode": name},
		"NetworkingConfig": map[string]any{"EndpointsConfig": map[string]any{name: map[string]any{}}},
	}
	if err := e.Do(ctx, http.MethodPost, "/containers/create", url.Values{"name": {name}}, jsonBody(t, body), &ctr); err != nil {
		t.Fatal(err)
	}
	// Run it to its end: a container never started names no network ID.
	if _, err := e.RunToExit(ctx, ctr.ID); err != nil {
		t.Fatal(err)
	}

	_, snap := bilgeSnapshot(ctx, t, e)
	for i := range snap.Networks {
		if n := &snap.Networks[i]; n.ID == nw.ID && !slices.Equal(n.Containers, []string{ctr.ID}) {
			t.Fatalf("bilge sees %v attached to %s, want the stopped container %.12s", n.Containers, name, ctr.ID)
		}
	}
	ix := model.NewReclaimIndex(snap)
	ours := map[string]string{nw.ID: name} // the run's networks, ID → name
	for _, n := range s.Networks {
		ours[n.ID] = n.Name
	}
	var bilge []string
	for _, id := range ix.PruneNetworks() {
		if n, ok := ours[id]; ok {
			bilge = append(bilge, n)
		}
	}
	slices.Sort(bilge)
	rep := enginePrune(ctx, t, e, s, "/networks/prune", nil)
	engine := slices.Clone(rep.NetworksDeleted)
	slices.Sort(engine)
	t.Logf("bilge %v, engine %v", bilge, engine)
	if !slices.Contains(engine, name) {
		t.Fatalf("the engine kept %s, which only a stopped container is attached to: %v", name, engine)
	}
	if !slices.Equal(bilge, engine) {
		t.Errorf("bilge's network preset marks %v, the engine's prune removed %v", bilge, engine)
	}
}

func jsonBody(t *testing.T, v any) *bytes.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}
