package dockerapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bilge/model"
)

// podmanRecorded is the directory of answers recorded from Debian's
// Podman 4.3.1 (podman system service, API 1.41): images base:1 (also
// tagged latest), child:1 built FROM base, third:1 built FROM base in two
// steps (so an untagged intermediate image sits between), containers c1
// (created, on network net1, given by name) and c2 (created, no network).
const podmanRecorded = "testdata/podman-4.3.1"

// podmanServer answers as the recorded Podman did: /_ping with Podman's
// headers, the lists, /system/df, and each image's inspect and history.
func podmanServer(t *testing.T) *Engine {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(podmanRecorded, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		w.Header().Set("Libpod-Api-Version", "4.3.1")
		w.Header().Set("Server", "Libpod/4.3.1 (linux)")
		w.Header().Set("Content-Type", "application/json")
		p := r.URL.Path
		if i := strings.Index(p[1:], "/"); strings.HasPrefix(p, "/v1.") && i > 0 {
			p = p[i+1:]
		}
		var name string
		switch {
		case p == "/_ping":
			_, _ = w.Write([]byte("OK"))
			return
		case p == "/version":
			name = "version.json"
		case p == "/images/json" && r.URL.Query().Get("all") == "1":
			name = "images-all.json"
		case p == "/images/json":
			name = "images.json"
		case p == "/system/df":
			name = "df.json"
		case p == "/containers/json":
			name = "containers.json"
		case p == "/networks":
			name = "networks.json"
		case p == "/volumes":
			name = "volumes.json"
		case strings.HasPrefix(p, "/images/") && strings.HasSuffix(p, "/json"):
			name = "inspect-" + strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(p, "/images/"), "/json"), "sha256:") + ".json"
		case strings.HasPrefix(p, "/images/") && strings.HasSuffix(p, "/history"):
			name = "history-" + strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(p, "/images/"), "/history"), "sha256:") + ".json"
		default:
			http.NotFound(w, r)
			return
		}
		if _, err := os.Stat(filepath.Join(podmanRecorded, name)); err != nil {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(read(name))
	}))
	t.Cleanup(srv.Close)
	e, err := Connect(context.Background(), Selection{Host: "tcp://" + strings.TrimPrefix(srv.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	e.UseLayerCache(newMemoryLayerCache())
	t.Cleanup(func() { e.Close() })
	return e
}

// TestPodmanRecorded reads the recorded Podman host through bilge's
// boundary: every image ID and parent carries "sha256:", /system/df's
// per-tag entries are one per image, LayersSize (0 from Podman) is every
// layer once from bilge's layer table, the container on net1 (named by
// name) is linked to it, the default network has no made-up creation
// time, and the identity says Podman, without build cache or network
// events.
func TestPodmanRecorded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := podmanServer(t)
	s, err := e.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if s.Engine.Product != "Podman" || !s.Engine.NoBuildCache || !s.Engine.NoNetworkEvents || s.Engine.ProductName() != "Podman" {
		t.Errorf("identity %+v: want Podman, no build cache, no network events", s.Engine)
	}

	const (
		base  = "sha256:d74514e363948abe69244b92c997ae4e5c6cb7109792a7f5d09951cb977f985c"
		child = "sha256:dec7f7bbdf621196356aae9193571239af80c2d3190a1724f0ca4247961c0639"
		third = "sha256:6a93d10b228a6240e3f253224382783082079ca992825fa65119f2a0b60e3a25"
	)
	parents := map[string]string{}
	for _, img := range s.Images {
		parents[img.ID] = img.ParentID
	}
	// third's recorded ParentId is the hidden intermediate (bare hex): it
	// resolves through the all=1 list to base, the nearest listed image.
	want := map[string]string{base: "", child: base, third: base}
	if len(parents) != len(want) || len(s.Images) != len(want) {
		t.Errorf("images %v, want %v (each once)", parents, want)
	}
	for id, p := range want {
		if got, ok := parents[id]; !ok || got != p {
			t.Errorf("image %s: parent %q (listed %v), want %q", model.ShortID(id), got, ok, p)
		}
	}

	// /system/df lists base twice (two tags) and the intermediate: bilge
	// keeps one entry per ID, each sized, SHARED/UNIQUE known.
	for _, img := range s.Images {
		if img.SharedSize < 0 || img.Size <= 0 {
			t.Errorf("image %s: size %d shared %d after disk usage", model.ShortID(img.ID), img.Size, img.SharedSize)
		}
	}

	// LayersSize: each layer once, from the layer table. The recorded
	// images' layers: base's two (prog, blob1), child's blob2, third's
	// b1 and b2 (the intermediate's layer is third's lower one).
	du, err := e.DiskUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, u := range du.Images {
		if seen[u.ID] {
			t.Errorf("df image %s listed twice", u.ID)
		}
		seen[u.ID] = true
		if !strings.HasPrefix(u.ID, "sha256:") {
			t.Errorf("df image ID %q without sha256:", u.ID)
		}
	}
	if len(du.Images) != 4 {
		t.Errorf("df images %d, want 4 (base, child, third, the intermediate)", len(du.Images))
	}
	layers, err := e.LayersOf(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	counted := map[string]bool{}
	for _, l := range layers {
		for _, x := range l.Layers {
			if !counted[x.ChainID] {
				counted[x.ChainID] = true
				sum += x.Size
			}
		}
	}
	// The recorded histories' layer sizes (tar sizes, exact): prog
	// 3112448 and blob1 1001984 (base), blob2 2001920 (child), b1 1001984
	// and b2 2001920 (third).
	const wantLayers = 3112448 + 1001984 + 2001920 + 1001984 + 2001920
	if du.LayersSize != wantLayers || sum != wantLayers {
		t.Errorf("LayersSize %d (layer table %d), want each layer once: %d", du.LayersSize, sum, wantLayers)
	}
	// SharedSize: the image's layers another df image also has, from
	// the layer table (Podman's own is its parent image's size, 0 for
	// images that share layers but no whole image). base's two are in
	// every image; b1 is third's and the intermediate's.
	const baseLayers = 3112448 + 1001984
	wantShared := map[string]int64{base: baseLayers, child: baseLayers, third: baseLayers + 1001984}
	for _, u := range du.Images {
		if w, ok := wantShared[u.ID]; ok && u.SharedSize != w {
			t.Errorf("df image %s: SharedSize %d, want %d", model.ShortID(u.ID), u.SharedSize, w)
		}
	}
	for _, img := range s.Images {
		if w := wantShared[img.ID]; img.SharedSize != w || img.UniqueSize() <= 0 {
			t.Errorf("image %s: SHARED %d UNIQUE %d, want shared %d and something of its own", model.ShortID(img.ID), img.SharedSize, img.UniqueSize(), w)
		}
	}
	if got := du.Totals()[model.KindImage]; got != du.LayersSize {
		t.Errorf("before/after total for images %d, want LayersSize %d", got, du.LayersSize)
	}
	if u := s.UsageOf(model.KindImage); u.Size != du.LayersSize {
		t.Errorf("Images SIZE %d, want %d", u.Size, du.LayersSize)
	}

	for _, n := range s.Networks {
		switch n.Name {
		case "net1":
			if len(n.Containers) != 1 || !strings.HasPrefix(n.Containers[0], "9188ece98036") {
				t.Errorf("net1 used by %v, want container c1 (which names it by name)", n.Containers)
			}
		case "bridge":
			if !n.Created.IsZero() {
				t.Errorf("default network created %v, want unknown (Podman gives the listing time)", n.Created)
			}
		}
	}
	for _, c := range s.Containers {
		for _, n := range c.Networks {
			if n == "net1" {
				t.Errorf("container %s: network entry still the name %q after Link", c.Name, n)
			}
		}
	}
}

// TestNormID: only a bare 64-digit hex string is given "sha256:".
func TestNormID(t *testing.T) {
	t.Parallel()
	hex := strings.Repeat("ab", 32)
	for in, want := range map[string]string{
		hex:                  "sha256:" + hex,
		"sha256:" + hex:      "sha256:" + hex,
		"":                   "",
		hex[:12]:             hex[:12],
		strings.ToUpper(hex): strings.ToUpper(hex),
		"x" + hex[1:]:        "x" + hex[1:],
	} {
		if got := normID(in); got != want {
			t.Errorf("normID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPodmanDeleteByIDRefusal: Podman's refusal to delete a multi-tagged
// image by ID (a 500, not Docker's 409) is recognised as the one untagging
// lifts.
func TestPodmanDeleteByIDRefusal(t *testing.T) {
	t.Parallel()
	err := errorString(`unable to delete image "d745" by ID with more than one tag ([localhost/base:1 localhost/base:latest]): please force removal`)
	if !podmanDeleteByIDRefusal(err) {
		t.Error("Podman's multi-tag refusal not recognised")
	}
	if podmanDeleteByIDRefusal(errorString("image is in use by a container")) || podmanDeleteByIDRefusal(nil) {
		t.Error("another refusal taken for the multi-tag one")
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// TestPodmanDiskUsageFirst: a disk usage asked before any list (the UI
// asks both at once on connecting) still learns the engine is Podman
// before reading layers, so the layer total is the history's, as after a
// list.
func TestPodmanDiskUsageFirst(t *testing.T) {
	t.Parallel()
	e := podmanServer(t)
	du, err := e.DiskUsage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const wantLayers = 3112448 + 1001984 + 2001920 + 1001984 + 2001920
	if du.LayersSize != wantLayers {
		t.Errorf("LayersSize %d, want %d", du.LayersSize, wantLayers)
	}
}
