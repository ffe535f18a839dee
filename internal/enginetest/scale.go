package enginetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Seeding at scale, for the benchmark (cmd/bilge-bench): a host with
// hundreds of images and thousands of containers, built in a few minutes
// on a small machine. Everything carries the run's label, like the
// end-to-end seed, and CleanupScale removes it (in parallel) afterwards.
//
// Images are generated in Go and loaded in a few docker-save archives: five
// base chains (the test program, plus one of four "OS" layers of 0.5–2 MB)
// shared by every image, each image adding one small unique layer
// (1–64 kB). A few images are loaded without a tag (dangling). Containers
// come from the tagged images: running ones sleep (the test program's sleep
// mode), exited ones wrote a few kB into their writable layer (and into
// their volume, if they mount one), created ones were never started.

// ScaleNetworks is how many user networks SeedScale creates.
const ScaleNetworks = 30

// ScaleParallel is how many engine calls SeedScale, SeedDeleteSet and
// CleanupScale make at once.
var ScaleParallel = 12

// ScaleState is what SeedScale made.
type ScaleState struct {
	RunID  string
	Prefix string // "bilge-test-<run ID>": names of containers, volumes, networks
	Repo   string // "bilge-test/<run ID>": image repositories

	Images   []string // IDs of the loaded images (tagged and dangling) and the built one
	Tagged   int      // loaded images with a tag
	Dangling int      // loaded images without one
	Archives int      // docker-save archives loaded

	Containers               []string
	Running, Exited, Created int

	Volumes         []string // names
	VolumesMounted  int      // mounted by a container
	VolumesWithData int      // holding a few kB

	Networks   []string // IDs
	BuildCache []string // IDs of the records the build created

	// ContainerImage is a tag of an image holding the test program, for
	// more containers (SeedDeleteSet).
	ContainerImage string

	// Steps says how long each part of the seed took, in order.
	Steps []ScaleStep

	arch  string
	bases map[string]*genLayer // the shared base layers, by name
}

// ScaleStep is one timed part of a seed.
type ScaleStep struct {
	Name string
	Took time.Duration
}

type progressKey struct{}

// WithProgress returns a context under which SeedScale, SeedDeleteSet and
// CleanupScale report progress lines to fn.
func WithProgress(ctx context.Context, fn func(msg string)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

func progress(ctx context.Context, format string, a ...any) {
	if fn, ok := ctx.Value(progressKey{}).(func(string)); ok && fn != nil {
		fn(fmt.Sprintf(format, a...))
	}
}

// genLayer is one generated layer tar.
type genLayer struct {
	tar    []byte
	diffID string // sha256:…
	size   int64
}

func newGenLayer(files []layerFile) (*genLayer, error) {
	tb, size, err := tarFiles(files)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(tb)
	return &genLayer{tar: tb, diffID: "sha256:" + hex.EncodeToString(sum[:]), size: size}, nil
}

// genImage is one generated image; id is set by writeArchive.
type genImage struct {
	layers  []*genLayer // oldest first
	tags    []string    // full references; none for a dangling image
	created time.Time
	labels  map[string]string
	id      string
}

// writeArchive builds a docker-save archive of imgs (each layer once) and
// sets their IDs.
func writeArchive(arch string, imgs []*genImage) ([]byte, error) {
	w := newSaveWriter(true)
	for _, img := range imgs {
		var c imageConfig
		c.Architecture, c.OS, c.Created = arch, "linux", img.created
		c.Author = "bilge enginetest (scale)"
		c.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
		c.Config.Entrypoint = []string{ProgPath}
		c.Config.Cmd = []string{"sleep"}
		c.Config.WorkingDir = "/"
		c.Config.Labels = img.labels
		c.RootFS.Type = "layers"
		var paths []string
		for i, l := range img.layers {
			path, err := w.layer(l.diffID, l.tar)
			if err != nil {
				return nil, err
			}
			paths = append(paths, path)
			c.RootFS.DiffIDs = append(c.RootFS.DiffIDs, l.diffID)
			c.History = append(c.History, history{Created: img.created, CreatedBy: fmt.Sprintf("COPY layer%d / # buildkit", i)})
			if i == 0 {
				c.History = append(c.History, history{Created: img.created, CreatedBy: `ENTRYPOINT ["` + ProgPath + `"]`, EmptyLayer: true})
			}
		}
		c.History = append(c.History, history{Created: img.created, CreatedBy: `CMD ["sleep"]`, EmptyLayer: true})
		id, err := w.image(c, img.tags, paths)
		if err != nil {
			return nil, err
		}
		img.id = id
	}
	return w.bytes()
}

// loadArchive loads a docker-save archive.
func (e *Engine) loadArchive(ctx context.Context, archive []byte) error {
	return e.stream(ctx, http.MethodPost, "/images/load", url.Values{"quiet": {"1"}}, bytes.NewReader(archive), "application/x-tar", nil)
}

// parallel runs fn(i) for i in [0, n) with at most ScaleParallel calls at
// once; it stops starting new ones after the first error, which it
// returns. tick, if not nil, is called after each success.
func parallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error, tick func(done int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, done atomic.Int64
		mu         sync.Mutex
		first      error
		wg         sync.WaitGroup
	)
	p := max(ScaleParallel, 1)
	for range min(p, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
					return
				}
				d := done.Add(1)
				if tick != nil {
					tick(int(d))
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// ticker returns a tick function for parallel that reports "what d/n" at
// most every 5 s (and at the end).
func ticker(ctx context.Context, what string, n int) func(int) {
	var mu sync.Mutex
	last := time.Now()
	return func(d int) {
		mu.Lock()
		defer mu.Unlock()
		if d == n || time.Since(last) >= 5*time.Second {
			last = time.Now()
			progress(ctx, "%s %d/%d", what, d, n)
		}
	}
}

// SeedScale seeds run runID at scale: images images (a few of them
// dangling), containers containers of which running run (the rest split
// into exited and created, about 1:2), volumes named volumes (one for every
// five containers mounted, a few kB in those written by a started
// container and in ten unused ones), ScaleNetworks user networks (the
// first twenty with running containers attached) and the build cache of
// one BuildKit build. The caller must call CleanupScale (or Cleanup) on the
// same Engine, also when SeedScale fails: the returned state is never nil.
func (e *Engine) SeedScale(ctx context.Context, runID string, images, containers, running, volumes int) (*ScaleState, error) {
	if runID == "" || strings.ContainsAny(runID, "=,\" /:") {
		return nil, fmt.Errorf("enginetest: bad run ID %q", runID)
	}
	s := &ScaleState{RunID: runID, Prefix: "bilge-test-" + runID, Repo: "bilge-test/" + runID, arch: e.arch}
	if images < 1 || containers < 0 || running < 0 || running > containers || volumes < 0 {
		return s, fmt.Errorf("enginetest: bad scale: %d images, %d containers (%d running), %d volumes", images, containers, running, volumes)
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"images", func() error { return e.scaleImages(ctx, s, images) }},
		{"networks", func() error { return e.scaleNetworks(ctx, s) }},
		{"volumes", func() error { return e.scaleVolumes(ctx, s, volumes, containers) }},
		{"containers", func() error { return e.scaleContainers(ctx, s, containers, running) }},
		{"build cache", func() error { return e.scaleBuild(ctx, s) }},
	}
	for _, st := range steps {
		start := time.Now()
		progress(ctx, "seeding %s…", st.name)
		err := st.fn()
		s.Steps = append(s.Steps, ScaleStep{Name: st.name, Took: time.Since(start)})
		if err != nil {
			return s, fmt.Errorf("seeding %s: %w", st.name, err)
		}
		progress(ctx, "seeded %s in %.1f s", st.name, time.Since(start).Seconds())
	}
	return s, nil
}

func (s *ScaleState) labels(role string) map[string]string {
	return map[string]string{Label: s.RunID, RoleLabel: role}
}

// baseLayers generates the shared base layers: "base" (the test program)
// and os-1…os-4.
func (e *Engine) baseLayers(s *ScaleState) error {
	prog, err := testProgram(s.arch)
	if err != nil {
		return err
	}
	s.bases = map[string]*genLayer{}
	base, err := newGenLayer([]layerFile{
		{path: ProgPath, mode: 0o755, data: prog},
		{path: "/etc/bilge-bench/base", mode: 0o644, data: randomBytes(s.RunID, "scale:base", 64<<10)},
	})
	if err != nil {
		return err
	}
	s.bases["base"] = base
	for k := 1; k <= 4; k++ {
		l, err := newGenLayer([]layerFile{{path: fmt.Sprintf("/opt/os-%d/blob", k), mode: 0o644, data: randomBytes(s.RunID, fmt.Sprintf("scale:os-%d", k), k*512_000)}})
		if err != nil {
			return err
		}
		s.bases[fmt.Sprintf("os-%d", k)] = l
	}
	return nil
}

// chain returns base chain k (0–4) of the shared layers.
func (s *ScaleState) chain(k int) []*genLayer {
	if k == 0 {
		return []*genLayer{s.bases["base"]}
	}
	return []*genLayer{s.bases["base"], s.bases[fmt.Sprintf("os-%d", k)]}
}

// uniqueLayer is the small layer of its own image key adds (1–64 kB).
func uniqueLayer(runID, key string, i int) (*genLayer, error) {
	n := 1000 + (i*7919)%63_000
	return newGenLayer([]layerFile{{path: "/app/" + key + ".bin", mode: 0o644, data: randomBytes(runID, "scale:"+key, n)}})
}

const scaleArchiveImages = 250 // images per docker-save archive

func (e *Engine) scaleImages(ctx context.Context, s *ScaleState, n int) error {
	if err := e.baseLayers(s); err != nil {
		return err
	}
	s.Dangling = max(1, n/80)
	now := time.Now().UTC().Truncate(time.Second)
	imgs := make([]*genImage, n)
	for i := range imgs {
		u, err := uniqueLayer(s.RunID, fmt.Sprintf("img-%d", i), i)
		if err != nil {
			return err
		}
		img := &genImage{
			layers:  append(s.chain(i%5), u),
			created: now.Add(-time.Duration((i*37)%900)*24*time.Hour - time.Duration(i)*time.Minute),
			labels:  map[string]string{Label: s.RunID, RoleLabel: "scale", "app.tier": []string{"web", "worker", "db", "cache"}[i%4]},
		}
		if i >= s.Dangling {
			img.tags = []string{fmt.Sprintf("%s/svc-%02d:v%d", s.Repo, i%40, i)}
		}
		imgs[i] = img
	}
	for lo := 0; lo < n; lo += scaleArchiveImages {
		hi := min(lo+scaleArchiveImages, n)
		archive, err := writeArchive(s.arch, imgs[lo:hi])
		if err != nil {
			return err
		}
		ids := make([]string, 0, hi-lo)
		for _, img := range imgs[lo:hi] {
			ids = append(ids, img.id)
		}
		e.recordImages(s.RunID, ids...)
		if err := e.loadArchive(ctx, archive); err != nil {
			return err
		}
		s.Archives++
		progress(ctx, "images %d/%d (archive %d, %.1f MB)", hi, n, s.Archives, float64(len(archive))/1e6)
	}
	s.Tagged = n - s.Dangling
	s.ContainerImage = imgs[s.Dangling].tags[0]
	// Check: every generated image is there.
	ids, err := e.labelledImages(ctx, s.RunID, n)
	if err != nil {
		return err
	}
	s.Images = append(s.Images, ids...)
	return nil
}

// labelledImages returns the IDs, as the engine knows them, of the n
// images labelled with run runID, and records them for Cleanup. They are
// the generated config digests on a graph driver, the manifest digests on
// the containerd image store (where a config digest is no image ID).
func (e *Engine) labelledImages(ctx context.Context, runID string, n int) ([]string, error) {
	var ls []struct {
		ID string `json:"Id"`
	}
	if err := e.Do(ctx, http.MethodGet, "/images/json", LabelFilters(runID), nil, &ls); err != nil {
		return nil, err
	}
	if len(ls) != n {
		return nil, fmt.Errorf("loaded %d images, the engine lists %d with the label of run %s", n, len(ls), runID)
	}
	ids := make([]string, len(ls))
	for i, im := range ls {
		ids[i] = im.ID
	}
	e.recordImages(runID, ids...)
	return ids, nil
}

func (e *Engine) scaleNetworks(ctx context.Context, s *ScaleState) error {
	s.Networks = make([]string, ScaleNetworks)
	return parallel(ctx, ScaleNetworks, func(ctx context.Context, i int) error {
		var out struct {
			ID string `json:"Id"`
		}
		body := map[string]any{"Name": fmt.Sprintf("%s-net-%02d", s.Prefix, i), "CheckDuplicate": true, "Driver": "bridge", "Labels": s.labels("scale")}
		if err := e.doJSON(ctx, http.MethodPost, "/networks/create", nil, body, &out); err != nil {
			return err
		}
		s.Networks[i] = out.ID
		return nil
	}, nil)
}

// volumeName is the name of scale volume j.
func (s *ScaleState) volumeName(j int) string { return fmt.Sprintf("%s-vol-%03d", s.Prefix, j) }

func (e *Engine) scaleVolumes(ctx context.Context, s *ScaleState, n, containers int) error {
	s.Volumes = make([]string, n)
	err := parallel(ctx, n, func(ctx context.Context, j int) error {
		name := s.volumeName(j)
		if err := e.doJSON(ctx, http.MethodPost, "/volumes/create", nil, map[string]any{"Name": name, "Labels": s.labels("scale")}, nil); err != nil {
			return err
		}
		s.Volumes[j] = name
		return nil
	}, ticker(ctx, "volumes", n))
	if err != nil {
		return err
	}
	// Ten unused volumes get a few kB each, from a container removed
	// afterwards.
	s.VolumesMounted = min(n, (containers+4)/5)
	fill := min(10, n-s.VolumesMounted)
	err = parallel(ctx, fill, func(ctx context.Context, k int) error {
		j := s.VolumesMounted + k
		id, err := e.scaleContainer(ctx, s, fmt.Sprintf("fill-%d", k), s.ContainerImage, "none",
			[]string{"write", "/data/blob", fmt.Sprint(2000 + 1000*k)},
			[]map[string]any{{"Type": "volume", "Source": s.volumeName(j), "Target": "/data"}})
		if err != nil {
			return err
		}
		if code, err := e.runToExit(ctx, id); err != nil {
			return err
		} else if code != 0 {
			return fmt.Errorf("filling volume %s: exit code %d", s.volumeName(j), code)
		}
		return e.Do(ctx, http.MethodDelete, "/containers/"+id, url.Values{"v": {"0"}}, nil, nil)
	}, nil)
	s.VolumesWithData += fill
	return err
}

// scaleContainer creates a labelled container Prefix-name from image ref.
func (e *Engine) scaleContainer(ctx context.Context, s *ScaleState, name, ref, network string, cmd []string, mounts []map[string]any) (string, error) {
	host := map[string]any{"NetworkMode": network}
	if mounts != nil {
		host["Mounts"] = mounts
	}
	body := map[string]any{"Image": ref, "Cmd": cmd, "Labels": s.labels("scale"), "HostConfig": host}
	if network != "none" && network != "bridge" && network != "default" {
		body["NetworkingConfig"] = map[string]any{"EndpointsConfig": map[string]any{network: map[string]any{}}}
	}
	var out struct {
		ID string `json:"Id"`
	}
	err := e.doJSON(ctx, http.MethodPost, "/containers/create", url.Values{"name": {s.Prefix + "-" + name}}, body, &out)
	return out.ID, err
}

func (e *Engine) scaleContainers(ctx context.Context, s *ScaleState, n, running int) error {
	// States: running ones first, the rest one exited for two created;
	// shuffled (deterministically) so that every kind of image, volume
	// and network meets every state.
	states := make([]string, n)
	for i := range states {
		switch {
		case i < running:
			states[i] = "running"
		case (i-running)%3 == 0:
			states[i] = "exited"
		default:
			states[i] = "created"
		}
	}
	rng := rand.New(rand.NewPCG(uint64(len(s.RunID)), 7))
	rng.Shuffle(n, func(a, b int) { states[a], states[b] = states[b], states[a] })

	var hasBridge bool
	var nets []struct{ Name string }
	if err := e.Do(ctx, http.MethodGet, "/networks", url.Values{"filters": {filterJSON("name", "bridge")}}, nil, &nets); err != nil {
		return err
	}
	for _, nw := range nets {
		hasBridge = hasBridge || nw.Name == "bridge"
	}
	used := max(1, s.Tagged*3/5) // images used by containers: the first 60% of the tagged ones
	ids := make([]string, n)
	var mu sync.Mutex
	err := parallel(ctx, n, func(ctx context.Context, i int) error {
		st := states[i]
		ref := fmt.Sprintf("%s/svc-%02d:v%d", s.Repo, (s.Dangling+(i*7)%used)%40, s.Dangling+(i*7)%used)
		var mounts []map[string]any
		var cmd []string
		if i%5 == 0 && i/5 < len(s.Volumes) {
			mounts = []map[string]any{{"Type": "volume", "Source": s.volumeName(i / 5), "Target": "/data"}}
			if st != "created" {
				cmd = append(cmd, "write", "/data/blob", fmt.Sprint(1000+(i*131)%31_000))
			}
		}
		network := "none"
		switch st {
		case "running":
			cmd = append(cmd, "write", "/var/lib/app/state", fmt.Sprint(1000+(i*977)%63_000), "sleep")
			switch {
			case i%20 < 4 && len(s.Networks) > 0:
				network = fmt.Sprintf("%s-net-%02d", s.Prefix, (i/20)%min(20, len(s.Networks)))
			case i%20 == 4 && hasBridge:
				network = "bridge"
			}
		case "exited":
			code := 0
			if i%7 == 0 {
				code = 1
			}
			cmd = append(cmd, "write", "/var/lib/app/state", fmt.Sprint(1000+(i*977)%63_000), "exit", fmt.Sprint(code))
		default:
			cmd = []string{"sleep"}
		}
		id, err := e.scaleContainer(ctx, s, fmt.Sprintf("c-%04d", i), ref, network, cmd, mounts)
		if err != nil {
			return err
		}
		mu.Lock()
		ids[i] = id
		mu.Unlock()
		switch st {
		case "running":
			if err := e.Do(ctx, http.MethodPost, "/containers/"+id+"/start", nil, nil, nil); err != nil {
				return err
			}
		case "exited":
			if _, err := e.runToExit(ctx, id); err != nil {
				return err
			}
		}
		mu.Lock()
		switch st {
		case "running":
			s.Running++
		case "exited":
			s.Exited++
		default:
			s.Created++
		}
		if mounts != nil && st != "created" {
			s.VolumesWithData++
		}
		mu.Unlock()
		return nil
	}, ticker(ctx, "containers", n))
	for _, id := range ids {
		if id != "" {
			s.Containers = append(s.Containers, id)
		}
	}
	return err
}

// scaleBuild runs one BuildKit build of six COPY steps: its records are
// the run's build cache.
func (e *Engine) scaleBuild(ctx context.Context, s *ScaleState) error {
	var df strings.Builder
	df.WriteString("FROM scratch\n")
	files := []layerFile{}
	for k := range 6 {
		name := fmt.Sprintf("blob%d", k)
		fmt.Fprintf(&df, "COPY %s /%s\n", name, name)
		files = append(files, layerFile{path: name, mode: 0o644, data: randomBytes(s.RunID, "scale:build:"+name, 100_000*(k+1))})
	}
	fmt.Fprintf(&df, "LABEL %s=%s %s=built\n", Label, s.RunID, RoleLabel)
	files = append(files, layerFile{path: "Dockerfile", mode: 0o644, data: []byte(df.String())})
	imageID, err := e.build(ctx, s.RunID, s.Repo+"/built:latest", s.labels("built"), files, &s.BuildCache)
	if imageID != "" {
		s.Images = append(s.Images, imageID)
	}
	if err != nil {
		return err
	}
	if len(s.BuildCache) == 0 {
		return fmt.Errorf("the build created no build-cache record")
	}
	return nil
}

// DeleteSet is what SeedDeleteSet made: objects to delete in a benchmark.
type DeleteSet struct {
	RunID      string
	Containers []string // stopped: most created, a tenth exited
	Images     []string // unused, one tag each
	Took       time.Duration
}

// SeedDeleteSet seeds run runID on top of a scale seed: containers stopped
// containers (a tenth started once and exited, having written 16 kB; the
// rest created) of the scale's ContainerImage, and images unused images,
// each the scale's base layer plus a small layer of its own, tagged
// bilge-test/<run ID>/del-<i>:latest. Everything carries the label
// Label=runID. The caller must Cleanup(ctx, runID) afterwards.
func (e *Engine) SeedDeleteSet(ctx context.Context, s *ScaleState, runID string, containers, images int) (*DeleteSet, error) {
	if runID == "" || strings.ContainsAny(runID, "=,\" /:") {
		return nil, fmt.Errorf("enginetest: bad run ID %q", runID)
	}
	if s == nil || s.bases == nil || s.ContainerImage == "" {
		return nil, fmt.Errorf("enginetest: SeedDeleteSet needs the state of a successful SeedScale")
	}
	start := time.Now()
	d := &DeleteSet{RunID: runID}
	set := &ScaleState{RunID: runID, Prefix: "bilge-test-" + runID, Repo: "bilge-test/" + runID}
	now := time.Now().UTC().Truncate(time.Second)
	imgs := make([]*genImage, images)
	for i := range imgs {
		u, err := uniqueLayer(runID, fmt.Sprintf("del-%d", i), i)
		if err != nil {
			return d, err
		}
		imgs[i] = &genImage{
			layers:  append(s.chain(0), u),
			tags:    []string{fmt.Sprintf("%s/del-%03d:latest", set.Repo, i)},
			created: now.Add(-time.Duration(i) * time.Hour),
			labels:  set.labels("delete"),
		}
	}
	if images > 0 {
		archive, err := writeArchive(s.arch, imgs)
		if err != nil {
			return d, err
		}
		for _, img := range imgs {
			e.recordImages(runID, img.id)
		}
		if err := e.loadArchive(ctx, archive); err != nil {
			return d, err
		}
		if d.Images, err = e.labelledImages(ctx, runID, images); err != nil {
			return d, err
		}
	}
	ids := make([]string, containers)
	err := parallel(ctx, containers, func(ctx context.Context, i int) error {
		cmd := []string{"sleep"}
		if i%10 == 0 {
			cmd = []string{"write", "/var/lib/app/state", "16000", "exit", "0"}
		}
		id, err := e.scaleContainer(ctx, set, fmt.Sprintf("del-%03d", i), s.ContainerImage, "none", cmd, nil)
		if err != nil {
			return err
		}
		ids[i] = id
		if i%10 == 0 {
			if _, err := e.runToExit(ctx, id); err != nil {
				return err
			}
		}
		return nil
	}, ticker(ctx, "delete-set containers", containers))
	for _, id := range ids {
		if id != "" {
			d.Containers = append(d.Containers, id)
		}
	}
	d.Took = time.Since(start)
	return d, err
}

// CleanupScale removes everything of run runID like Cleanup does, but
// removes containers, images and volumes ScaleParallel at a time first
// (forced, with anonymous volumes), which matters with thousands of them;
// Cleanup then sweeps the rest and the recorded build cache.
func (e *Engine) CleanupScale(ctx context.Context, runID string) error {
	if runID == "" || strings.ContainsAny(runID, "=,\"") {
		return fmt.Errorf("enginetest: refusing to clean up run ID %q", runID)
	}
	gone := func(err error) error {
		if err == nil || StatusCode(err) == http.StatusNotFound {
			return nil
		}
		return err
	}
	filters := LabelFilters(runID)
	var cs []struct {
		ID string `json:"Id"`
	}
	if err := e.Do(ctx, http.MethodGet, "/containers/json", url.Values{"all": {"1"}, "filters": filters["filters"]}, nil, &cs); err != nil {
		return err
	}
	if len(cs) > 0 {
		progress(ctx, "cleanup %s: %d containers", runID, len(cs))
	}
	// Errors here are left for Cleanup's sweep to retry and report.
	_ = parallel(ctx, len(cs), func(ctx context.Context, i int) error {
		_ = gone(e.Do(ctx, http.MethodDelete, "/containers/"+cs[i].ID, url.Values{"force": {"1"}, "v": {"1"}}, nil, nil))
		return nil
	}, ticker(ctx, "cleanup containers", len(cs)))

	var is []struct {
		ID string `json:"Id"`
	}
	if err := e.Do(ctx, http.MethodGet, "/images/json", url.Values{"all": {"1"}, "filters": filters["filters"]}, nil, &is); err != nil {
		return err
	}
	if len(is) > 0 {
		progress(ctx, "cleanup %s: %d images", runID, len(is))
	}
	_ = parallel(ctx, len(is), func(ctx context.Context, i int) error {
		_ = gone(e.Do(ctx, http.MethodDelete, "/images/"+is[i].ID, url.Values{"force": {"1"}}, nil, nil))
		return nil
	}, ticker(ctx, "cleanup images", len(is)))

	var vs struct {
		Volumes []struct{ Name string }
	}
	if err := e.Do(ctx, http.MethodGet, "/volumes", filters, nil, &vs); err != nil {
		return err
	}
	_ = parallel(ctx, len(vs.Volumes), func(ctx context.Context, i int) error {
		_ = gone(e.Do(ctx, http.MethodDelete, "/volumes/"+vs.Volumes[i].Name, nil, nil, nil))
		return nil
	}, nil)
	return e.Cleanup(ctx, runID)
}
