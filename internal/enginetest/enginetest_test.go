package enginetest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSeed(t *testing.T) {
	e := Require(t)
	Lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// Objects of another run: cleanup must leave them alone.
	other := NewRunID()
	byVol, byNet := "bilge-test-"+other+"-bystander", "bilge-test-"+other+"-bystander"
	var s *State
	// Registered before Seed, so it runs after Seed's cleanup.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if s != nil {
			checkGone(ctx, t, e, s)
		}
		if err := e.Do(ctx, http.MethodGet, "/volumes/"+byVol, nil, nil, nil); err != nil {
			t.Errorf("bystander volume of another run: %v", err)
		}
		if err := e.Do(ctx, http.MethodGet, "/networks/"+byNet, nil, nil, nil); err != nil {
			t.Errorf("bystander network of another run: %v", err)
		}
		if err := e.Cleanup(ctx, other); err != nil {
			t.Errorf("cleanup of the bystanders: %v", err)
		}
	})
	lbl := map[string]string{Label: other, RoleLabel: "bystander"}
	if err := e.doJSON(ctx, http.MethodPost, "/volumes/create", nil, map[string]any{"Name": byVol, "Labels": lbl}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.doJSON(ctx, http.MethodPost, "/networks/create", nil, map[string]any{"Name": byNet, "Driver": "bridge", "Labels": lbl}, nil); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	s = Seed(t, e)
	t.Logf("seeded run %s in %s (API %s)", s.RunID, time.Since(start).Round(time.Millisecond), e.APIVersion())

	du, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Sizes are exact on a graph driver. The containerd image store counts
	// an image's packed content besides its unpacked snapshots (about
	// twice the files' bytes for incompressible data) and a writable
	// layer's disk usage in blocks: there the seeded bytes are a lower
	// bound, and the figure must stay near it.
	sizeOK := func(got, want int64, slack int64) bool {
		if !e.ContainerdStore() {
			return got == want
		}
		return got >= want && got <= want+slack
	}

	// Images.
	wantUsers := map[string]int64{"alpha": 2, "beta": 1, "gamma": 1, "delta": 0, "dangling": 0, "built": 0}
	for role, img := range s.Images {
		i := slices.IndexFunc(du.Images, func(x ImageUsage) bool { return x.ID == img.ID })
		if i < 0 {
			t.Errorf("image %s (%s) missing from /system/df", role, img.ID)
			continue
		}
		got := du.Images[i]
		t.Logf("image %-8s %.19s size %9d shared %9d containers %d tags %v", role, got.ID, got.Size, got.SharedSize, got.Containers, got.RepoTags)
		if !sizeOK(got.Size, img.Size, img.Size+256<<10) {
			t.Errorf("image %s: size %d, want %d", role, got.Size, img.Size)
		}
		if got.Labels[Label] != s.RunID {
			t.Errorf("image %s: labels %v", role, got.Labels)
		}
		if got.Containers != wantUsers[role] {
			t.Errorf("image %s: %d containers, want %d", role, got.Containers, wantUsers[role])
		}
		tags := slices.DeleteFunc(slices.Clone(got.RepoTags), func(s string) bool { return s == "<none>:<none>" })
		slices.Sort(tags)
		want := slices.Sorted(slices.Values(img.Tags))
		if !slices.Equal(tags, want) {
			t.Errorf("image %s: tags %v, want %v", role, tags, want)
		}
	}
	if len(s.Images) != 6 {
		t.Errorf("%d images, want 6", len(s.Images))
	}
	if n := len(s.Images["beta"].Tags); n != 3 {
		t.Errorf("beta has %d tags, want 3", n)
	}
	if n := len(s.Images["dangling"].Tags); n != 0 {
		t.Errorf("dangling has %d tags", n)
	}
	// Layer sharing: gamma = alpha's layers + one.
	if a, g := s.Images["alpha"].Layers, s.Images["gamma"].Layers; len(g) != 3 || g[0] != a[0] || g[1] != a[1] {
		t.Errorf("gamma does not extend alpha: %v / %v", a, g)
	}

	// Containers.
	for role, c := range s.Containers {
		i := slices.IndexFunc(du.Containers, func(x ContainerUsage) bool { return x.ID == c.ID })
		if i < 0 {
			t.Errorf("container %s missing from /system/df", role)
			continue
		}
		got := du.Containers[i]
		t.Logf("container %-8s %.12s %-8s SizeRw %8d %q", role, got.ID, got.State, got.SizeRw, got.Status)
		if got.State != c.State {
			t.Errorf("container %s: state %s, want %s", role, got.State, c.State)
		}
		if !sizeOK(got.SizeRw, c.SizeRw, 64<<10) {
			t.Errorf("container %s: SizeRw %d, want %d", role, got.SizeRw, c.SizeRw)
		}
		if got.ImageID != s.Images[c.Image].ID {
			t.Errorf("container %s: image %s, want %s", role, got.ImageID, s.Images[c.Image].ID)
		}
		var ins struct{ State struct{ ExitCode int } }
		if err := e.Do(ctx, http.MethodGet, "/containers/"+c.ID+"/json", nil, nil, &ins); err != nil {
			t.Fatal(err)
		}
		if ins.State.ExitCode != c.ExitCode {
			t.Errorf("container %s: exit code %d, want %d", role, ins.State.ExitCode, c.ExitCode)
		}
	}
	if len(s.Containers) != 4 {
		t.Errorf("%d containers, want 4", len(s.Containers))
	}

	// Volumes.
	wantRefs := map[string]int64{"data": 1, "anon": 1, "unused": 0, "empty": 0}
	for role, v := range s.Volumes {
		i := slices.IndexFunc(du.Volumes, func(x VolumeUsage) bool { return x.Name == v.Name })
		if i < 0 || du.Volumes[i].UsageData == nil {
			t.Errorf("volume %s (%s) missing from /system/df", role, v.Name)
			continue
		}
		got := du.Volumes[i]
		t.Logf("volume    %-8s %.24s size %8d refs %d", role, got.Name, got.UsageData.Size, got.UsageData.RefCount)
		if got.UsageData.Size != v.Size {
			t.Errorf("volume %s: size %d, want %d", role, got.UsageData.Size, v.Size)
		}
		if got.UsageData.RefCount != wantRefs[role] {
			t.Errorf("volume %s: %d refs, want %d", role, got.UsageData.RefCount, wantRefs[role])
		}
		if got.Labels[Label] != s.RunID {
			t.Errorf("volume %s: labels %v", role, got.Labels)
		}
	}
	if len(s.Volumes) != 4 || !s.Volumes["anon"].Anonymous {
		t.Errorf("volumes: %v", s.Volumes)
	}

	// Networks.
	for role, n := range s.Networks {
		var got struct {
			Labels     map[string]string
			Containers map[string]any
		}
		if err := e.Do(ctx, http.MethodGet, "/networks/"+n.ID, nil, nil, &got); err != nil {
			t.Fatal(err)
		}
		want := 0
		if role == "app" {
			want = 1
			if _, ok := got.Containers[s.Containers["running"].ID]; !ok {
				t.Errorf("network app: running container not attached: %v", got.Containers)
			}
		}
		if len(got.Containers) != want || got.Labels[Label] != s.RunID {
			t.Errorf("network %s: %d containers (want %d), labels %v", role, len(got.Containers), want, got.Labels)
		}
	}
	if len(s.Networks) != 3 {
		t.Errorf("%d networks, want 3", len(s.Networks))
	}

	// Build cache.
	var cacheSize int64
	for _, id := range s.BuildCache {
		i := slices.IndexFunc(du.BuildCache, func(x BuildCacheRecord) bool { return x.ID == id })
		if i < 0 {
			t.Errorf("build-cache record %s missing", id)
			continue
		}
		r := du.BuildCache[i]
		t.Logf("cache     %-25s %-10s size %7d shared %-5v inuse %-5v %q", r.ID, r.Type, r.Size, r.Shared, r.InUse, r.Description)
		cacheSize += r.Size
	}
	if cacheSize < BuiltBlobSize {
		t.Errorf("build cache of the run holds %d bytes, want ≥ %d", cacheSize, BuiltBlobSize)
	}
	if !sizeOK(s.Images["built"].Size, BuiltBlobSize, BuiltBlobSize+64<<10) {
		t.Errorf("built image: %d bytes, want %d", s.Images["built"].Size, BuiltBlobSize)
	}
}

// checkGone verifies that nothing of the run remains.
func checkGone(ctx context.Context, t *testing.T, e *Engine, s *State) {
	t.Helper()
	f := LabelFilters(s.RunID)
	for _, p := range []string{"/containers/json?all=1", "/images/json?all=1", "/networks"} {
		path, all, _ := strings.Cut(p, "?")
		q := f
		if all != "" {
			q = map[string][]string{"filters": f["filters"], "all": {"1"}}
		}
		var items []json.RawMessage
		if err := e.Do(ctx, http.MethodGet, path, q, nil, &items); err != nil {
			t.Errorf("after cleanup: %s: %v", path, err)
		} else if len(items) != 0 {
			t.Errorf("after cleanup: %s still lists %d objects of the run", path, len(items))
		}
	}
	var vs struct{ Volumes []json.RawMessage }
	if err := e.Do(ctx, http.MethodGet, "/volumes", f, nil, &vs); err != nil || len(vs.Volumes) != 0 {
		t.Errorf("after cleanup: %d volumes of the run remain (%v)", len(vs.Volumes), err)
	}
	for role, img := range s.Images {
		if err := e.Do(ctx, http.MethodGet, "/images/"+img.ID+"/json", nil, nil, nil); StatusCode(err) != http.StatusNotFound {
			t.Errorf("after cleanup: image %s: %v, want 404", role, err)
		}
	}
	if v := s.Volumes["anon"]; v != nil {
		if err := e.Do(ctx, http.MethodGet, "/volumes/"+v.Name, nil, nil, nil); StatusCode(err) != http.StatusNotFound {
			t.Errorf("after cleanup: anonymous volume: %v, want 404", err)
		}
	}
	du, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range du.BuildCache {
		if slices.Contains(s.BuildCache, r.ID) {
			t.Errorf("after cleanup: build-cache record %s remains", r.ID)
		}
	}
}

// TestCleanupPartial: cleanup of a run that was barely started, or never.
func TestCleanupPartial(t *testing.T) {
	e := Require(t)
	Lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := NewRunID()
	t.Cleanup(func() { _ = e.Cleanup(context.Background(), run) })
	name := "bilge-test-" + run + "-partial"
	lbl := map[string]string{Label: run}
	if err := e.doJSON(ctx, http.MethodPost, "/volumes/create", nil, map[string]any{"Name": name, "Labels": lbl}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.doJSON(ctx, http.MethodPost, "/networks/create", nil, map[string]any{"Name": name, "Driver": "bridge", "Labels": lbl}, nil); err != nil {
		t.Fatal(err)
	}
	e.recordImages(run, "sha256:"+strings.Repeat("0", 64)) // recorded, never made
	for i := 0; i < 2; i++ {
		if err := e.Cleanup(ctx, run); err != nil {
			t.Fatalf("cleanup #%d: %v", i+1, err)
		}
	}
	if err := e.Do(ctx, http.MethodGet, "/volumes/"+name, nil, nil, nil); StatusCode(err) != http.StatusNotFound {
		t.Errorf("volume: %v, want 404", err)
	}
	if err := e.Do(ctx, http.MethodGet, "/networks/"+name, nil, nil, nil); StatusCode(err) != http.StatusNotFound {
		t.Errorf("network: %v, want 404", err)
	}
	if err := e.Cleanup(ctx, ""); err == nil {
		t.Error("cleanup of the empty run ID accepted")
	}
}

// TestSaveTar checks the generated docker-save archive without a daemon.
func TestSaveTar(t *testing.T) {
	prog := bytes.Repeat([]byte{0x7f}, 1234)
	archive, images, err := saveTar("0123456789", "bilge-test/0123456789", "amd64", prog, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name] = b
	}
	var manifest []manifestEntry
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest) != len(imageSpecs) {
		t.Fatalf("%d manifest entries", len(manifest))
	}
	for i, m := range manifest {
		img := images[imageSpecs[i].role]
		cfg := files[m.Config]
		sum := sha256.Sum256(cfg)
		if "sha256:"+hex.EncodeToString(sum[:]) != img.ID {
			t.Errorf("%s: config digest ≠ ID", img.Role)
		}
		var c imageConfig
		if err := json.Unmarshal(cfg, &c); err != nil {
			t.Fatal(err)
		}
		if len(c.RootFS.DiffIDs) != len(m.Layers) || c.Config.Labels[Label] != "0123456789" {
			t.Errorf("%s: config %+v", img.Role, c)
		}
		nonEmpty := 0
		for _, h := range c.History {
			if !h.EmptyLayer {
				nonEmpty++
			}
		}
		if nonEmpty != len(m.Layers) {
			t.Errorf("%s: %d layer history entries for %d layers", img.Role, nonEmpty, len(m.Layers))
		}
		var total int64
		for j, lp := range m.Layers {
			lt := files[lp]
			sum := sha256.Sum256(lt)
			if d := "sha256:" + hex.EncodeToString(sum[:]); d != c.RootFS.DiffIDs[j] || d != img.Layers[j].DiffID {
				t.Errorf("%s layer %d: digest %s, config %s", img.Role, j, d, c.RootFS.DiffIDs[j])
			}
			total += img.Layers[j].Size
		}
		if total != img.Size {
			t.Errorf("%s: size %d ≠ Σ layers %d", img.Role, img.Size, total)
		}
	}
	if got := images["base"]; got != nil {
		t.Error("unexpected image base")
	}
	if a := images["alpha"]; a.Size != int64(len(prog))+1*MB+3*MB {
		t.Errorf("alpha: %d bytes", a.Size)
	}
	if len(images["dangling"].Tags) != 0 || len(manifest[4].RepoTags) != 0 {
		t.Error("dangling image has tags")
	}
}
