package enginetest

import (
	"archive/tar"
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// ProgPath is where the test program sits in every generated image; it is
// the images' entrypoint.
const ProgPath = "/usr/local/bin/testprog"

// MB is the unit of the seeded sizes (decimal, as docker prints them).
const MB = 1_000_000

// State is what a seed made. Maps are keyed by role (see the package
// documentation).
type State struct {
	RunID string
	// Prefix starts the names of containers, volumes and networks:
	// "bilge-test-<run ID>".
	Prefix string
	// Repo starts the image references: "bilge-test/<run ID>".
	Repo string

	Images     map[string]*Image
	Containers map[string]*Container
	Volumes    map[string]*Volume
	Networks   map[string]*Network
	// BuildCache holds the IDs of the build-cache records the build created.
	BuildCache []string
}

// Layer is one generated layer.
type Layer struct {
	Name   string
	DiffID string // sha256:… of the uncompressed layer tar
	Size   int64  // Σ regular file sizes: what the engine reports
}

// Image is one seeded image.
type Image struct {
	Role    string
	ID      string   // sha256:…
	Tags    []string // empty for the dangling image
	Created time.Time
	Layers  []Layer // oldest first; empty for the BuildKit-built image
	Size    int64   // Σ Layers' sizes (for "built": the engine's figure)
}

// Container is one seeded container.
type Container struct {
	Role, ID, Name string
	Image          string // the image's role
	State          string // "created", "exited" or "running"
	ExitCode       int
	SizeRw         int64    // bytes written into the writable layer
	Volumes        []string // roles of the volumes it mounts
	Networks       []string // roles of the user networks it is attached to
}

// Volume is one seeded volume.
type Volume struct {
	Role, Name string
	Size       int64 // bytes of data in it
	Anonymous  bool
}

// Network is one seeded user network.
type Network struct {
	Role, ID, Name string
}

// NewRunID returns a fresh run ID: 10 lowercase hex digits, valid in image
// references and object names.
func NewRunID() string {
	var b [5]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// startRun names a new run and registers a t.Cleanup that removes what it
// makes — before anything is made, so a partial seed goes too — and
// returns the context seeding runs under.
func startRun(t testing.TB, e *Engine) (string, context.Context, context.CancelFunc) {
	runID := NewRunID()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := e.Cleanup(ctx, runID); err != nil {
			t.Errorf("enginetest: cleanup of run %s: %v", runID, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	return runID, ctx, cancel
}

// Seed seeds a new run on the daemon (see the package documentation),
// registers a t.Cleanup that removes it, and fails the test if seeding fails.
// The cleanup is registered before anything is created, so a partial seed is
// removed too.
func Seed(t testing.TB, e *Engine) *State {
	t.Helper()
	runID, ctx, cancel := startRun(t, e)
	defer cancel()
	s, err := e.SeedRun(ctx, runID)
	if err != nil {
		t.Fatalf("enginetest: seeding run %s: %v", runID, err)
	}
	return s
}

// SeedRun seeds run runID without a testing.TB. The caller must call
// Cleanup(ctx, runID) on the same Engine, also when SeedRun fails.
func (e *Engine) SeedRun(ctx context.Context, runID string) (*State, error) {
	if runID == "" {
		return nil, fmt.Errorf("empty run ID")
	}
	s := newState(runID)
	steps := []struct {
		name string
		fn   func(context.Context, *State) error
	}{
		{"images", e.seedImages},
		{"networks", e.seedNetworks},
		{"volumes", e.seedVolumes},
		{"containers", e.seedContainers},
		{"build", e.seedBuild},
	}
	for _, st := range steps {
		if err := st.fn(ctx, s); err != nil {
			return s, fmt.Errorf("%s: %w", st.name, err)
		}
	}
	return s, nil
}

func (s *State) labels(role string) map[string]string {
	return map[string]string{Label: s.RunID, RoleLabel: role}
}

// ---- images ----

// imageSpec describes one generated image.
type imageSpec struct {
	role   string
	layers []string
	tags   []string // tags in the load manifest (repo-relative)
	extra  []string // tags added afterwards with POST /images/{id}/tag
	age    time.Duration
}

var imageSpecs = []imageSpec{
	{role: "alpha", layers: []string{"base", "alpha"}, tags: []string{"alpha:latest"}, age: 40 * 24 * time.Hour},
	{role: "beta", layers: []string{"base", "beta"}, tags: []string{"beta:latest"}, extra: []string{"beta:v2", "beta-mirror:stable"}, age: 2 * time.Hour},
	{role: "gamma", layers: []string{"base", "alpha", "gamma"}, tags: []string{"gamma:1.0"}, age: 400 * 24 * time.Hour},
	{role: "delta", layers: []string{"base", "delta"}, tags: []string{"delta:latest"}, age: 400 * 24 * time.Hour},
	{role: "dangling", layers: []string{"base", "beta-old"}, age: 40 * 24 * time.Hour},
}

type layerFile struct {
	path string
	mode int64
	data []byte
}

// layerFiles returns the files of the named layer for a run.
func layerFiles(runID, name string, prog []byte) []layerFile {
	blob := func(p string, n int) layerFile {
		return layerFile{path: p, mode: 0o644, data: randomBytes(runID, name+":"+p, n)}
	}
	switch name {
	case "base":
		return []layerFile{{path: ProgPath, mode: 0o755, data: prog}, blob("/opt/base/filler", 1*MB)}
	case "alpha":
		return []layerFile{blob("/opt/alpha/blob", 3*MB)}
	case "beta":
		return []layerFile{blob("/opt/beta/blob", 2*MB)}
	case "gamma":
		return []layerFile{blob("/opt/gamma/blob", 1*MB)}
	case "delta":
		return []layerFile{blob("/opt/delta/blob", 5*MB/2)}
	case "beta-old":
		return []layerFile{blob("/opt/beta/blob", 1*MB)}
	}
	panic("enginetest: unknown layer " + name)
}

// randomBytes returns n incompressible bytes, deterministic for (runID, key).
func randomBytes(runID, key string, n int) []byte {
	seed := sha256.Sum256([]byte(runID + "\x00" + key))
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(seed).Read(b)
	return b
}

// layerEpoch is the modification time of every generated file.
var layerEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// tarFiles writes files (with their parent directories) as a tar and
// returns it with the sum of the regular files' sizes.
func tarFiles(files []layerFile) ([]byte, int64, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	var size int64
	for _, f := range files {
		rel := strings.TrimPrefix(path.Clean(f.path), "/")
		var parents []string
		for d := path.Dir(rel); d != "." && !dirs[d]; d = path.Dir(d) {
			parents = append(parents, d)
			dirs[d] = true
		}
		for i := len(parents) - 1; i >= 0; i-- {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: parents[i] + "/", Mode: 0o755, ModTime: layerEpoch}); err != nil {
				return nil, 0, err
			}
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: f.mode, Size: int64(len(f.data)), ModTime: layerEpoch}); err != nil {
			return nil, 0, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, 0, err
		}
		size += int64(len(f.data))
	}
	if err := tw.Close(); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), size, nil
}

// imageConfig is the part of the OCI/Docker image configuration we write.
type imageConfig struct {
	Architecture string    `json:"architecture"`
	OS           string    `json:"os"`
	Created      time.Time `json:"created"`
	Author       string    `json:"author,omitempty"`
	Config       struct {
		Env        []string          `json:"Env"`
		Entrypoint []string          `json:"Entrypoint"`
		Cmd        []string          `json:"Cmd"`
		WorkingDir string            `json:"WorkingDir"`
		Labels     map[string]string `json:"Labels"`
	} `json:"config"`
	RootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
	History []history `json:"history"`
}

type history struct {
	Created    time.Time `json:"created"`
	CreatedBy  string    `json:"created_by"`
	EmptyLayer bool      `json:"empty_layer,omitempty"`
}

// manifestEntry is one entry of a docker-save manifest.json.
type manifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// saveTar builds a docker-save ("classic" format: manifest.json,
// <config digest>.json, <diff ID>/layer.tar) archive holding the seeded
// images, and returns it with the Image records (IDs, layers, sizes).
func saveTar(runID, repo, arch string, prog []byte, now time.Time) ([]byte, map[string]*Image, error) {
	type built struct {
		tar []byte
		l   Layer
	}
	layers := map[string]built{}
	var order []string
	for _, sp := range imageSpecs {
		for _, name := range sp.layers {
			if _, ok := layers[name]; ok {
				continue
			}
			tb, size, err := tarFiles(layerFiles(runID, name, prog))
			if err != nil {
				return nil, nil, err
			}
			sum := sha256.Sum256(tb)
			layers[name] = built{tar: tb, l: Layer{Name: name, DiffID: "sha256:" + hex.EncodeToString(sum[:]), Size: size}}
			order = append(order, name)
		}
	}

	w := newSaveWriter(true)
	for _, name := range order {
		if _, err := w.layer(layers[name].l.DiffID, layers[name].tar); err != nil {
			return nil, nil, err
		}
	}

	images := map[string]*Image{}
	for _, sp := range imageSpecs {
		created := now.Add(-sp.age).UTC().Truncate(time.Second)
		var c imageConfig
		c.Architecture, c.OS, c.Created = arch, "linux", created
		c.Author = "bilge enginetest"
		c.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
		c.Config.Entrypoint = []string{ProgPath}
		c.Config.Cmd = []string{"sleep"}
		c.Config.WorkingDir = "/"
		c.Config.Labels = map[string]string{Label: runID, RoleLabel: sp.role}
		c.RootFS.Type = "layers"
		img := &Image{Role: sp.role, Created: created}
		var paths, tags []string
		for i, name := range sp.layers {
			l := layers[name].l
			img.Layers = append(img.Layers, l)
			img.Size += l.Size
			c.RootFS.DiffIDs = append(c.RootFS.DiffIDs, l.DiffID)
			path, err := w.layer(l.DiffID, layers[name].tar) // written above: its path
			if err != nil {
				return nil, nil, err
			}
			paths = append(paths, path)
			by := fmt.Sprintf("COPY %s /opt/%s/ # buildkit", name, name)
			if name == "base" {
				by = "COPY testprog filler / # buildkit"
			}
			c.History = append(c.History, history{Created: created, CreatedBy: by})
			if i == 0 {
				// Metadata entries between layers, as real builds make.
				c.History = append(c.History,
					history{Created: created, CreatedBy: `ENTRYPOINT ["` + ProgPath + `"]`, EmptyLayer: true},
					history{Created: created, CreatedBy: "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", EmptyLayer: true})
			}
		}
		c.History = append(c.History,
			history{Created: created, CreatedBy: fmt.Sprintf("LABEL %s=%s %s=%s", Label, runID, RoleLabel, sp.role), EmptyLayer: true},
			history{Created: created, CreatedBy: `CMD ["sleep"]`, EmptyLayer: true})
		for _, tg := range sp.tags {
			tags = append(tags, repo+"/"+tg)
		}
		img.Tags = tags
		id, err := w.image(c, tags, paths)
		if err != nil {
			return nil, nil, err
		}
		img.ID = id
		images[sp.role] = img
	}
	archive, err := w.bytes()
	if err != nil {
		return nil, nil, err
	}
	return archive, images, nil
}

// loadedRef returns how to find img after a load whose progress messages
// were loaded: its first tag, or the ID the engine reported for an
// untagged image whose config digest is img.ID (the graph driver) or any
// single untagged one reported (the containerd store reports the manifest
// digest).
func loadedRef(img *Image, loaded []string) (string, error) {
	if len(img.Tags) > 0 {
		for _, l := range loaded {
			if strings.TrimPrefix(l, "Loaded image: ") == img.Tags[0] {
				return img.Tags[0], nil
			}
		}
		return "", fmt.Errorf("the load did not report %s (it said %q)", img.Tags[0], loaded)
	}
	var ids []string
	for _, l := range loaded {
		if id, ok := strings.CutPrefix(l, "Loaded image ID: "); ok {
			if id == img.ID {
				return id, nil
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 1 {
		return ids[0], nil
	}
	return "", fmt.Errorf("the load reported untagged images %v, want one (it said %q)", ids, loaded)
}

// podmanLoaded splits Podman's one line for a whole load ("Loaded image:
// localhost/r/a:1,localhost/r/b:2,sha256:…") into Docker's lines ("Loaded
// image: r/a:1", "Loaded image ID: sha256:…"); Docker's lines are kept.
func podmanLoaded(l string) []string {
	rest, ok := strings.CutPrefix(l, "Loaded image: ")
	if !ok || !strings.Contains(rest, ",") && !strings.HasPrefix(rest, "localhost/") && !strings.HasPrefix(rest, "sha256:") {
		return []string{l}
	}
	var out []string
	for _, r := range strings.Split(rest, ",") {
		if strings.HasPrefix(r, "sha256:") {
			out = append(out, "Loaded image ID: "+r)
			continue
		}
		out = append(out, "Loaded image: "+strings.TrimPrefix(r, "localhost/"))
	}
	return out
}

func (e *Engine) seedImages(ctx context.Context, s *State) error {
	prog, err := testProgram(e.arch)
	if err != nil {
		return err
	}
	archive, images, err := saveTar(s.RunID, s.Repo, e.arch, prog, time.Now())
	if err != nil {
		return err
	}
	for _, img := range images {
		e.recordImages(s.RunID, img.ID)
	}
	// The engine names what it loaded: "Loaded image: <tag>" for tagged
	// images, "Loaded image ID: <id>" for untagged ones.
	var loaded []string
	if err := e.stream(ctx, http.MethodPost, "/images/load", url.Values{"quiet": {"1"}}, bytes.NewReader(archive), "application/x-tar", func(m streamMsg) {
		// One message may hold several lines (Engine 29).
		for _, l := range strings.Split(m.Stream, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				loaded = append(loaded, podmanLoaded(l)...)
			}
		}
	}); err != nil {
		return err
	}
	for _, sp := range imageSpecs {
		img := images[sp.role]
		// Find the image as the engine knows it: by the tag it loaded, or
		// by the ID the load reported for the untagged one. On the
		// containerd image store its ID is the manifest's digest, not the
		// config's (which is img.ID so far).
		ref, err := loadedRef(img, loaded)
		if err != nil {
			return fmt.Errorf("image %s: %w", sp.role, err)
		}
		var ins struct {
			ID     string `json:"Id"`
			Size   int64
			RootFS struct{ Layers []string }
		}
		if err := e.Do(ctx, http.MethodGet, "/images/"+ref+"/json", nil, nil, &ins); err != nil {
			return fmt.Errorf("image %s after load: %w", sp.role, err)
		}
		img.ID = ins.ID
		if e.podman {
			// Podman qualifies local names: what it lists is
			// localhost/<repo>:<tag>.
			for i, tg := range img.Tags {
				img.Tags[i] = "localhost/" + tg
			}
		}
		e.recordImages(s.RunID, img.ID)
		var diffIDs []string
		for _, l := range img.Layers {
			diffIDs = append(diffIDs, l.DiffID)
		}
		if !slices.Equal(ins.RootFS.Layers, diffIDs) {
			return fmt.Errorf("image %s: engine has layers %v, generated %v", sp.role, ins.RootFS.Layers, diffIDs)
		}
		// On a graph driver an image's size is its layers' bytes; the
		// containerd store adds the packed content (see issue 11).
		if e.podman {
			// Podman's sizes are its layers' tar streams (headers and
			// padding included), a little over the files' bytes: the
			// engine's figure is the one to compare with.
			img.Size = ins.Size
		} else if !e.containerdStore && ins.Size != img.Size {
			return fmt.Errorf("image %s: engine says %d bytes, generated %d", sp.role, ins.Size, img.Size)
		}
		for _, tg := range sp.extra {
			repo, tag, _ := strings.Cut(s.Repo+"/"+tg, ":")
			if err := e.Do(ctx, http.MethodPost, "/images/"+img.ID+"/tag", url.Values{"repo": {repo}, "tag": {tag}}, nil, nil); err != nil {
				return err
			}
			if e.podman {
				repo = "localhost/" + repo
			}
			img.Tags = append(img.Tags, repo+":"+tag)
		}
		s.Images[sp.role] = img
	}
	return nil
}

// ---- the test program ----

var (
	progMu    sync.Mutex
	progCache = map[string][]byte{}
)

// testProgram builds testprog statically for linux/arch, once per process.
func testProgram(arch string) ([]byte, error) {
	progMu.Lock()
	defer progMu.Unlock()
	if b, ok := progCache[arch]; ok {
		return b, nil
	}
	dir, err := os.MkdirTemp("", "bilge-testprog-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "testprog")
	pkg := reflect.TypeFor[Engine]().PkgPath() + "/testprog"
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	if _, file, _, ok := runtime.Caller(0); ok {
		if st, err := os.Stat(filepath.Dir(file)); err == nil && st.IsDir() {
			cmd.Dir = filepath.Dir(file)
		}
	}
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building %s: %v\n%s", pkg, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	progCache[arch] = b
	return b, nil
}

// ---- networks and volumes ----

func (e *Engine) seedNetworks(ctx context.Context, s *State) error {
	for _, role := range []string{"idle-1", "idle-2", "app"} {
		n := &Network{Role: role, Name: s.Prefix + "-" + role}
		var out struct {
			ID string `json:"Id"`
		}
		body := map[string]any{"Name": n.Name, "CheckDuplicate": true, "Driver": "bridge", "Labels": s.labels(role)}
		if err := e.doJSON(ctx, http.MethodPost, "/networks/create", nil, body, &out); err != nil {
			return err
		}
		n.ID = out.ID
		s.Networks[role] = n
	}
	return nil
}

func (e *Engine) seedVolumes(ctx context.Context, s *State) error {
	for _, v := range []struct {
		role string
		size int64
	}{{"data", 2 * MB}, {"unused", 1 * MB}, {"empty", 0}} {
		vol := &Volume{Role: v.role, Name: s.Prefix + "-" + v.role}
		body := map[string]any{"Name": vol.Name, "Labels": s.labels(v.role)}
		if err := e.doJSON(ctx, http.MethodPost, "/volumes/create", nil, body, nil); err != nil {
			return err
		}
		if v.size > 0 {
			// Fill it with a throw-away container, removed without its
			// volumes (v=0): a named volume outlives it anyway.
			id, err := e.createContainer(ctx, s, "fill-"+v.role, "alpha",
				[]string{"write", "/data/blob", fmt.Sprint(v.size)},
				[]map[string]any{{"Type": "volume", "Source": vol.Name, "Target": "/data"}}, "")
			if err != nil {
				return err
			}
			if code, err := e.runToExit(ctx, id); err != nil {
				return err
			} else if code != 0 {
				return fmt.Errorf("filling volume %s: exit code %d", vol.Name, code)
			}
			if err := e.Do(ctx, http.MethodDelete, "/containers/"+id, url.Values{"v": {"0"}}, nil, nil); err != nil {
				return err
			}
			vol.Size = v.size
		}
		s.Volumes[v.role] = vol
	}
	return nil
}

// ---- containers ----

// createContainer creates a labelled container named Prefix-role from the
// image of imageRole (by its first tag, or ID).
func (e *Engine) createContainer(ctx context.Context, s *State, role, imageRole string, cmd []string, mounts []map[string]any, network string) (string, error) {
	img := s.Images[imageRole]
	ref := img.ID
	if len(img.Tags) > 0 {
		ref = img.Tags[0]
	}
	host := map[string]any{}
	if mounts != nil {
		host["Mounts"] = mounts
	}
	body := map[string]any{
		"Image":      ref,
		"Cmd":        cmd,
		"Labels":     s.labels(role),
		"HostConfig": host,
	}
	if network != "" {
		host["NetworkMode"] = network
		body["NetworkingConfig"] = map[string]any{"EndpointsConfig": map[string]any{network: map[string]any{}}}
	} else if e.podman {
		// Podman's compat API puts a container without a network mode on
		// its default bridge network: started, netavark would set up the
		// machine's firewall and keep state in /run/containers.
		host["NetworkMode"] = "none"
	}
	var out struct {
		ID string `json:"Id"`
	}
	err := e.doJSON(ctx, http.MethodPost, "/containers/create", url.Values{"name": {s.Prefix + "-" + role}}, body, &out)
	return out.ID, err
}

// runToExit starts a container and waits until it stops; it returns the
// exit code.
func (e *Engine) runToExit(ctx context.Context, id string) (int, error) {
	if err := e.Do(ctx, http.MethodPost, "/containers/"+id+"/start", nil, nil, nil); err != nil {
		return 0, err
	}
	var w struct {
		StatusCode int
		Error      *struct{ Message string }
	}
	if err := e.Do(ctx, http.MethodPost, "/containers/"+id+"/wait", url.Values{"condition": {"not-running"}}, nil, &w); err != nil {
		return 0, err
	}
	if w.Error != nil && w.Error.Message != "" {
		return w.StatusCode, fmt.Errorf("waiting for %.12s: %s", id, w.Error.Message)
	}
	return w.StatusCode, e.listedStopped(ctx, id)
}

// RunToExit starts a container and returns once the container list shows
// it stopped, with its exit code.
func (e *Engine) RunToExit(ctx context.Context, id string) (int, error) {
	return e.runToExit(ctx, id)
}

// listedStopped waits until /containers/json no longer lists the container
// as running. The engine answers /wait when the container stops but
// updates the view that lists containers a moment later (moby checkpoints
// the container into its in-memory replica after waking the waiters), so a
// list right after /wait can still say "running".
func (e *Engine) listedStopped(ctx context.Context, id string) error {
	filters := fmt.Sprintf(`{"id":[%q]}`, id)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		var list []struct{ State string }
		if err := e.Do(ctx, http.MethodGet, "/containers/json", url.Values{"all": {"1"}, "filters": {filters}}, nil, &list); err != nil {
			return err
		}
		if len(list) == 1 && list[0].State != "running" && list[0].State != "restarting" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("container %.12s still listed as running: %w", id, ctx.Err())
		case <-time.After(delay):
		}
	}
}

func (e *Engine) seedContainers(ctx context.Context, s *State) error {
	add := func(c *Container, cmd []string, mounts []map[string]any, network string) error {
		c.Name = s.Prefix + "-" + c.Role
		id, err := e.createContainer(ctx, s, c.Role, c.Image, cmd, mounts, network)
		if err != nil {
			return err
		}
		c.ID = id
		s.Containers[c.Role] = c
		return nil
	}

	// On Podman no container is started on a bridge network: its
	// network backend (netavark) would set up the machine's firewall and
	// keep state in /run/containers, which a test must not touch. There
	// the never-started "created" container is the one on "app", and the
	// running one has no network.
	created := &Container{Role: "created", Image: "alpha", State: "created"}
	createdNet := ""
	if e.podman {
		created.Networks, createdNet = []string{"app"}, s.Networks["app"].Name
	}
	if err := add(created, []string{"exit", "0"}, nil, createdNet); err != nil {
		return err
	}

	exited := &Container{Role: "exited", Image: "alpha", State: "exited", SizeRw: 3 * MB / 2}
	if err := add(exited, []string{"write", "/data/blob", fmt.Sprint(exited.SizeRw)}, nil, ""); err != nil {
		return err
	}
	if code, err := e.runToExit(ctx, exited.ID); err != nil || code != 0 {
		return fmt.Errorf("container exited: exit code %d, %v", code, err)
	}

	// The anonymous volume: a volume mount without a source; VolumeOptions
	// gives it the run's labels.
	failed := &Container{Role: "failed", Image: "gamma", State: "exited", ExitCode: 3, Volumes: []string{"anon"}}
	anon := []map[string]any{{"Type": "volume", "Target": "/anon", "VolumeOptions": map[string]any{"Labels": s.labels("anon")}}}
	if err := add(failed, []string{"write", "/anon/blob", fmt.Sprint(1 * MB), "exit", "3"}, anon, ""); err != nil {
		return err
	}
	if code, err := e.runToExit(ctx, failed.ID); err != nil || code != 3 {
		return fmt.Errorf("container failed: exit code %d (want 3), %v", code, err)
	}
	var ins struct {
		Mounts []struct{ Name, Destination string }
	}
	if err := e.Do(ctx, http.MethodGet, "/containers/"+failed.ID+"/json", nil, nil, &ins); err != nil {
		return err
	}
	for _, m := range ins.Mounts {
		if m.Destination == "/anon" {
			s.Volumes["anon"] = &Volume{Role: "anon", Name: m.Name, Size: 1 * MB, Anonymous: true}
		}
	}
	if s.Volumes["anon"] == nil {
		return fmt.Errorf("container failed has no volume at /anon")
	}

	running := &Container{Role: "running", Image: "beta", State: "running", SizeRw: MB / 2, Volumes: []string{"data"}, Networks: []string{"app"}}
	runningNet := s.Networks["app"].Name
	if e.podman {
		running.Networks, runningNet = nil, "" // "none" (createContainer)
	}
	const statePath = "/var/cache/app/state"
	data := []map[string]any{{"Type": "volume", "Source": s.Volumes["data"].Name, "Target": "/data"}}
	if err := add(running, []string{"write", statePath, fmt.Sprint(running.SizeRw), "sleep"}, data, runningNet); err != nil {
		return err
	}
	if err := e.Do(ctx, http.MethodPost, "/containers/"+running.ID+"/start", nil, nil, nil); err != nil {
		return err
	}
	// Wait until the file is there (it appears atomically).
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := e.raw(ctx, http.MethodHead, "/v"+e.version+"/containers/"+running.ID+"/archive", url.Values{"path": {statePath}}, nil, "")
		if err == nil {
			resp.Body.Close()
			break
		}
		if StatusCode(err) != http.StatusNotFound || time.Now().After(deadline) {
			return fmt.Errorf("waiting for the running container's write: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// ---- BuildKit build ----

// BuiltBlobSize is the size of the file the BuildKit build copies.
const BuiltBlobSize = 300_000

func (e *Engine) seedBuild(ctx context.Context, s *State) error {
	if e.podman {
		// Podman builds with Buildah: no BuildKit, no build-cache
		// records. The seed has no "built" image there.
		return nil
	}
	dockerfile := fmt.Sprintf("FROM scratch\nCOPY blob /blob\nLABEL %s=%s %s=built\n", Label, s.RunID, RoleLabel)
	ref := s.Repo + "/built:latest"
	imageID, err := e.build(ctx, s.RunID, ref, s.labels("built"), []layerFile{
		{path: "Dockerfile", mode: 0o644, data: []byte(dockerfile)},
		{path: "blob", mode: 0o644, data: randomBytes(s.RunID, "build:blob", BuiltBlobSize)},
	}, &s.BuildCache)
	if err != nil {
		return err
	}
	if len(s.BuildCache) == 0 {
		return fmt.Errorf("build of %s created no build-cache record", ref)
	}
	var ins struct{ Size int64 }
	if err := e.Do(ctx, http.MethodGet, "/images/"+imageID+"/json", nil, nil, &ins); err != nil {
		return err
	}
	s.Images["built"] = &Image{Role: "built", ID: imageID, Tags: []string{ref}, Created: time.Now().UTC(), Size: ins.Size}
	return nil
}

// build runs a BuildKit build of files (a Dockerfile among them) tagged
// ref and returns the image's ID. The image and the build-cache records
// the build created are recorded for run runID's cleanup (the records
// also when the build failed) and the records added to *cache. New
// records are found by diffing df before and after, so builds on this
// machine take turns (a file lock, across processes too): a build of
// another run in between would be taken for this one.
func (e *Engine) build(ctx context.Context, runID, ref string, labels map[string]string, files []layerFile, cache *[]string) (string, error) {
	unlock := lockBuilds(e.host)
	defer unlock()
	before, err := e.buildCacheIDs(ctx)
	if err != nil {
		return "", err
	}
	buildCtx, _, err := tarFiles(files)
	if err != nil {
		return "", err
	}
	lj, _ := json.Marshal(labels)
	q := url.Values{"version": {"2"}, "t": {ref}, "labels": {string(lj)}, "rm": {"1"}}
	var imageID string
	buildErr := e.stream(ctx, http.MethodPost, "/build", q, bytes.NewReader(buildCtx), "application/x-tar", func(m streamMsg) {
		if m.ID == "moby.image.id" && len(m.Aux) > 0 {
			var aux struct{ ID string }
			if json.Unmarshal(m.Aux, &aux) == nil && aux.ID != "" {
				imageID = aux.ID
			}
		}
	})
	if imageID != "" {
		e.recordImages(runID, imageID)
	}
	if err := e.recordNewBuildCache(ctx, runID, before, cache, buildErr); err != nil {
		return imageID, err
	}
	if imageID == "" {
		return "", fmt.Errorf("build of %s reported no image ID", ref)
	}
	return imageID, nil
}

// recordNewBuildCache adds the build-cache records that appeared since
// before to *ids (sorted) and records them for cleanup, also when the
// build failed; the build's own error comes first.
//
// BuildKit drops some transient records (the context upload's) a moment
// after the build returns: the set is read until two reads agree (within
// a few seconds), so no record that is about to vanish is taken for the
// run's.
func (e *Engine) recordNewBuildCache(ctx context.Context, runID string, before map[string]bool, ids *[]string, buildErr error) error {
	after, err := e.buildCacheIDs(ctx)
	for try := 0; err == nil && try < 15; try++ {
		time.Sleep(200 * time.Millisecond)
		var again map[string]bool
		again, err = e.buildCacheIDs(ctx)
		if err == nil && maps.Equal(again, after) {
			break
		}
		for id := range after {
			if again != nil && !again[id] && !before[id] {
				e.recordBuildCache(runID, id) // gone already, but clean up if it comes back
			}
		}
		after = again
	}
	if err != nil {
		if buildErr != nil {
			return buildErr
		}
		return err
	}
	for id := range after {
		if !before[id] {
			*ids = append(*ids, id)
		}
	}
	sort.Strings(*ids)
	e.recordBuildCache(runID, *ids...)
	return buildErr
}

func (e *Engine) buildCacheIDs(ctx context.Context) (map[string]bool, error) {
	du, err := e.SystemDF(ctx)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, r := range du.BuildCache {
		ids[r.ID] = true
	}
	return ids, nil
}

// lockBuilds takes the lock serialising seed builds on the daemon at host
// (across processes too); it returns the unlock function. Without a lock
// file it does not lock.
func lockBuilds(host string) func() {
	buildMu.Lock()
	unlock, err := flockFile(lockPath(host, "build"))
	if err != nil {
		return buildMu.Unlock
	}
	return func() {
		unlock()
		buildMu.Unlock()
	}
}

var buildMu sync.Mutex

// newState is an empty record of what run runID creates, named after it.
func newState(runID string) *State {
	return &State{
		RunID:      runID,
		Prefix:     "bilge-test-" + runID,
		Repo:       "bilge-test/" + runID,
		Images:     map[string]*Image{},
		Containers: map[string]*Container{},
		Volumes:    map[string]*Volume{},
		Networks:   map[string]*Network{},
	}
}
