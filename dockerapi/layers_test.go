package dockerapi

import (
	"bilge/internal/enginetest"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/identity"

	"bilge/model"
)

// hist builds a history the way the engine returns it (newest first) from
// entries listed oldest first.
func hist(oldestFirst ...image.HistoryResponseItem) []image.HistoryResponseItem {
	h := slices.Clone(oldestFirst)
	slices.Reverse(h)
	return h
}

func entry(createdBy string, size int64) image.HistoryResponseItem {
	return image.HistoryResponseItem{ID: "<missing>", CreatedBy: createdBy, Size: size}
}

func testDiffIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = digest.FromString(fmt.Sprintf("layer %d", i)).String()
	}
	return out
}

// Recorded from Engine 20.10.24: `FROM scratch / COPY a /a / LABEL x=y /
// ENV A=b / WORKDIR /w / COPY a /w/b / CMD ["x"]`, a being 6 bytes. Both
// builders make three layers, the middle one (WORKDIR creating /w) of
// size 0.
var (
	classic2010 = []image.HistoryResponseItem{
		{Comment: "", CreatedBy: "/bin/sh -c #(nop)  LABEL bilge.dev=1", ID: "sha256:536ec88c84ef175229566301ea76f577a2d18cc71d150baedc461b493becd1e2", Size: 0, Tags: []string{"bilge-classic-probe:latest"}},
		{Comment: "", CreatedBy: `/bin/sh -c #(nop)  CMD ["x"]`, ID: "sha256:a6076905e3a14d24135692e7b21e5100bf7de4c95de0d342d50659bc8f01f106", Size: 0},
		{Comment: "", CreatedBy: "/bin/sh -c #(nop) COPY file:d874ee53746802fc1dcb2de75da199ed2e5ae193ff139b7b4f38f65b191931df in /w/b ", ID: "sha256:0c62cea0220cee2aa4cb1cae84615ba9de16ddc6a21b877e79e8fa34b8e78c3b", Size: 6},
		{Comment: "", CreatedBy: "/bin/sh -c #(nop) WORKDIR /w", ID: "sha256:04d80387beeba32cb63f29482fd5ff36e3ecd3fa5e518921f2b8d856e725b700", Size: 0},
		{Comment: "", CreatedBy: "/bin/sh -c #(nop)  ENV A=b", ID: "sha256:f9fe977f17f5576cb299f06f17730fafb6a6e979a240ee6ab2b160d1f96de4b0", Size: 0},
		{Comment: "", CreatedBy: "/bin/sh -c #(nop)  LABEL x=y", ID: "sha256:e58c1b701bf99fd2207d55582338b5ebfce133c6ec48da026bf56bfbf5c3c565", Size: 0},
		{Comment: "", CreatedBy: "/bin/sh -c #(nop) COPY file:d874ee53746802fc1dcb2de75da199ed2e5ae193ff139b7b4f38f65b191931df in /a ", ID: "sha256:1edd2389653d425906ca2ea6e874a020ccdcdb5f8df4da3e17227a83819081ba", Size: 6},
	}
	classic2010Diffs = []string{
		"sha256:c5fc5a51b2c3befbb1a1b9df0f2d78e1a5f73114cd4c665705d49e916899b2e0",
		"sha256:0d976d0367458aa97e4a39fc1a181c1013238dca3f540e4cce20ab57d4865f64",
		"sha256:62e9e4ccb960270b6a74a7c4c3a25206c485caa6b7a810790b9367b1b759a3c2",
	}
	buildkit2010 = []image.HistoryResponseItem{
		{Comment: "buildkit.dockerfile.v0", CreatedBy: `CMD ["x"]`, ID: "sha256:93be0ac6de34d1baf93e996165e2cd0748996f21c06ca82a7c98d81bed22ade7", Size: 0, Tags: []string{"bilge-bk-probe:latest"}},
		{Comment: "buildkit.dockerfile.v0", CreatedBy: "COPY a /w/b # buildkit", ID: "<missing>", Size: 6},
		{Comment: "buildkit.dockerfile.v0", CreatedBy: "WORKDIR /w", ID: "<missing>", Size: 0},
		{Comment: "buildkit.dockerfile.v0", CreatedBy: "ENV A=b", ID: "<missing>", Size: 0},
		{Comment: "buildkit.dockerfile.v0", CreatedBy: "LABEL x=y", ID: "<missing>", Size: 0},
		{Comment: "buildkit.dockerfile.v0", CreatedBy: "COPY a /a # buildkit", ID: "<missing>", Size: 6},
	}
	buildkit2010Diffs = []string{
		"sha256:c5fc5a51b2c3befbb1a1b9df0f2d78e1a5f73114cd4c665705d49e916899b2e0",
		"sha256:e5e33f1d4d3d30548c26706920462039f5a733af96d93bc3923f586ef8f8006d",
		"sha256:cad643d01582b8b18415f674b73cbf6eb5e70df46c3c445e27cce1b2c25b3825",
	}
)

func TestAlignLayers(t *testing.T) {
	tests := []struct {
		name    string
		diffs   []string
		history []image.HistoryResponseItem
		size    int64
		want    []int64
		exact   bool
	}{
		{
			name:  "plain",
			diffs: testDiffIDs(3),
			history: hist(
				entry("/bin/sh -c #(nop) ADD file:abc in / ", 5000),
				entry("/bin/sh -c apt-get install -y curl", 300),
				entry("/bin/sh -c #(nop) COPY file:def in /app ", 20),
			),
			size: 5320, want: []int64{5000, 300, 20}, exact: true,
		},
		{
			name:  "metadata entries of size 0",
			diffs: testDiffIDs(2),
			history: hist(
				entry("/bin/sh -c #(nop) ADD file:abc in / ", 5000),
				entry(`/bin/sh -c #(nop)  CMD ["sh"]`, 0),
				entry("ENV PATH=/usr/bin", 0),
				entry("RUN /bin/sh -c make # buildkit", 70),
				entry("LABEL a=b", 0),
				entry(`ENTRYPOINT ["app"]`, 0),
			),
			size: 5070, want: []int64{5000, 70}, exact: true,
		},
		{
			name: "classic 20.10: WORKDIR is a real layer of size 0", diffs: classic2010Diffs, history: classic2010,
			size: 12, want: []int64{6, 0, 6}, exact: true,
		},
		{
			name: "buildkit 20.10: WORKDIR is a real layer of size 0", diffs: buildkit2010Diffs, history: buildkit2010,
			size: 12, want: []int64{6, 0, 6}, exact: true,
		},
		{
			// The empty layer sits after b, the metadata entry between a
			// and b: picking the metadata would give [100 0 20].
			name:  "real empty layer preferred over metadata",
			diffs: testDiffIDs(3),
			history: hist(
				entry("/bin/sh -c #(nop) ADD file:a in / ", 100),
				entry("/bin/sh -c #(nop)  ENV A=b", 0),
				entry("/bin/sh -c #(nop) COPY file:b in /b ", 20),
				entry("/bin/sh -c mkdir /data", 0),
				entry("/bin/sh -c #(nop)  USER app", 0),
			),
			size: 120, want: []int64{100, 20, 0}, exact: true,
		},
		{
			name:  "real empty layer in the middle",
			diffs: testDiffIDs(3),
			history: hist(
				entry("/bin/sh -c #(nop) ADD file:a in / ", 100),
				entry("RUN /bin/sh -c mkdir /data # buildkit", 0),
				entry("COPY b /b # buildkit", 20),
				entry("EXPOSE 80", 0),
			),
			size: 120, want: []int64{100, 0, 20}, exact: true,
		},
		{
			name:  "only metadata left: one of them must be the layer",
			diffs: testDiffIDs(2),
			history: hist(
				entry("/bin/sh -c #(nop) ADD file:a in / ", 100),
				entry("/bin/sh -c #(nop)  ENV A=b", 0),
			),
			size: 100, want: []int64{100, 0}, exact: true,
		},
		{
			name:  "history shorter than layers",
			diffs: testDiffIDs(3),
			history: hist(
				entry("/bin/sh -c #(nop) ADD file:a in / ", 100),
				entry("/bin/sh -c #(nop)  CMD [\"sh\"]", 0),
			),
			size: 150, want: []int64{100, 0, 50}, exact: false,
		},
		{
			name: "no history at all", diffs: testDiffIDs(2), history: nil,
			size: 70, want: []int64{0, 70}, exact: false,
		},
		{
			name:  "more sized entries than layers: the newest count",
			diffs: testDiffIDs(2),
			history: hist(
				entry("a", 10),
				entry("b", 20),
				entry("c", 30),
			),
			size: 50, want: []int64{20, 30}, exact: false,
		},
		{
			name:  "history over the image size",
			diffs: testDiffIDs(3),
			history: hist(
				entry("a", 100),
				entry("b", 20),
				entry("c", 5),
			),
			size: 110, want: []int64{100, 10, 0}, exact: false,
		},
		{
			name:  "history under the image size",
			diffs: testDiffIDs(2),
			history: hist(
				entry("a", 100),
				entry("b", 20),
			),
			size: 130, want: []int64{100, 30}, exact: false,
		},
		{
			name: "no layers", diffs: nil, history: hist(entry("LABEL a=b", 0)),
			size: 0, want: []int64{}, exact: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, exact, err := alignLayers(tt.diffs, tt.history, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			sizes := make([]int64, len(got))
			var sum int64
			for i, l := range got {
				sizes[i] = l.Size
				sum += l.Size
				if l.DiffID != tt.diffs[i] {
					t.Errorf("layer %d: diff ID %s, want %s", i, l.DiffID, tt.diffs[i])
				}
			}
			if !slices.Equal(sizes, tt.want) {
				t.Errorf("sizes %v, want %v", sizes, tt.want)
			}
			if exact != tt.exact {
				t.Errorf("exact %v, want %v", exact, tt.exact)
			}
			if sum != tt.size {
				t.Errorf("sizes add up to %d, image size %d", sum, tt.size)
			}
			want := identity.ChainIDs(toDigests(tt.diffs))
			for i, l := range got {
				if l.ChainID != want[i].String() {
					t.Errorf("layer %d: chain ID %s, want %s", i, l.ChainID, want[i])
				}
			}
		})
	}
}

func TestAlignLayersMalformedDiffID(t *testing.T) {
	if _, _, err := alignLayers([]string{"sha256:aa", "nonsense"}, nil, 0); err == nil {
		t.Fatal("want an error for a malformed diff ID")
	}
}

func TestMetadataOnly(t *testing.T) {
	for createdBy, want := range map[string]bool{
		"/bin/sh -c #(nop)  ENV A=b":                 true,
		"/bin/sh -c #(nop)  LABEL x=y":               true,
		`/bin/sh -c #(nop)  CMD ["x"]`:               true,
		"cmd /S /C #(nop)  EXPOSE 80":                true,
		"ENV A=b":                                    true,
		`ENTRYPOINT ["/app"]`:                        true,
		"ARG X=1":                                    true,
		"/bin/sh -c #(nop) COPY file:abc in /a ":     false,
		"/bin/sh -c #(nop) ADD file:abc in / ":       false,
		"/bin/sh -c #(nop) WORKDIR /w":               false,
		"WORKDIR /w":                                 false,
		"COPY a /a # buildkit":                       false,
		"RUN /bin/sh -c echo ENV # buildkit":         false,
		"/bin/sh -c env":                             false,
		"|1 X=1 /bin/sh -c make":                     false,
		"":                                           false,
		"bash":                                       false,
		"/bin/sh -c echo '#(nop) is just text' > /f": false,
	} {
		if got := metadataOnly(createdBy); got != want {
			t.Errorf("metadataOnly(%q) = %v, want %v", createdBy, got, want)
		}
	}
}

func TestBuiltByBuildKit(t *testing.T) {
	if !builtByBuildKit(buildkit2010) {
		t.Error("BuildKit-built image not recognised")
	}
	if builtByBuildKit(classic2010) {
		t.Error("classic build taken for BuildKit")
	}
	// The classic builder (or docker commit) on a BuildKit-built base.
	onTop := append([]image.HistoryResponseItem{entry("/bin/sh -c #(nop) COPY file:x in /x ", 3)}, buildkit2010...)
	if builtByBuildKit(onTop) {
		t.Error("classic build on a BuildKit base taken for BuildKit")
	}
	missing := []image.HistoryResponseItem{{Comment: "buildkit.exporter.image.v0", CreatedBy: "COPY / / "}}
	if !builtByBuildKit(missing) {
		t.Error("entry added by BuildKit's exporter not recognised")
	}
	if builtByBuildKit(nil) {
		t.Error("empty history taken for BuildKit")
	}
}

func toDigests(ss []string) []digest.Digest {
	out := make([]digest.Digest, len(ss))
	for i, s := range ss {
		out[i] = digest.Digest(s)
	}
	return out
}

func TestChainIDsMatchIdentity(t *testing.T) {
	for n := 0; n <= 8; n++ {
		diffs := testDiffIDs(n)
		got, err := chainIDs(diffs)
		if err != nil {
			t.Fatal(err)
		}
		want := identity.ChainIDs(toDigests(diffs))
		for i := range want {
			if got[i] != want[i].String() {
				t.Errorf("n=%d: chain ID %d = %s, want %s", n, i, got[i], want[i])
			}
		}
		if n > 0 && got[n-1] != identity.ChainID(toDigests(diffs)).String() {
			t.Errorf("n=%d: top chain ID differs from identity.ChainID", n)
		}
	}
}

func testImageID(i int) string {
	return digest.FromString(fmt.Sprintf("image %d", i)).String()
}

func testLayers(n int) []model.Layer {
	diffs := testDiffIDs(n)
	layers, _, err := alignLayers(diffs, nil, int64(100*n))
	if err != nil {
		panic(err)
	}
	for i := range layers {
		layers[i].Size = int64(100 + i)
	}
	return layers
}

func TestLayerCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenLayerCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir() != dir {
		t.Fatalf("Dir() = %q, want %q", c.Dir(), dir)
	}
	id, empty, odd := testImageID(1), testImageID(2), "not-a-digest"
	layers := testLayers(3)
	if _, _, ok := c.Get(id); ok {
		t.Fatal("empty cache has an entry")
	}
	for _, p := range []struct {
		id     string
		layers []model.Layer
		bk     bool
	}{{id, layers, true}, {empty, nil, false}, {odd, layers[:1], false}} {
		if err := c.Put(p.id, p.layers, p.bk); err != nil {
			t.Fatal(err)
		}
	}
	layers[0].Size = -5 // the cache keeps its own copy

	c2, err := OpenLayerCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, bk, ok := c2.Get(id)
	if !ok || !bk || !slices.Equal(got, testLayers(3)) {
		t.Fatalf("Get = %v %v %v, want %v true true", got, bk, ok, testLayers(3))
	}
	got[1].Size = -1 // callers get a copy
	if again, _, _ := c2.Get(id); again[1].Size != 101 {
		t.Fatal("Get hands out the cache's own slice")
	}
	got, bk, ok = c2.Get(empty)
	if !ok || bk || got == nil || len(got) != 0 {
		t.Fatalf("image without layers: Get = %#v %v %v, want [] false true", got, bk, ok)
	}
	// An ID that is not a content address stays in memory only.
	if _, _, ok := c.Get(odd); !ok {
		t.Fatal("memory entry lost")
	}
	if _, _, ok := c2.Get(odd); ok {
		t.Fatal("non-digest ID written to disk")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 2 {
		t.Fatalf("cache dir holds %v, want two entries", files)
	}
}

func TestLayerCacheCorruptEntriesIgnored(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenLayerCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	good := `{"v":2,"id":"%s","store":"graph","buildkit":false,"layers":[{"chain":"sha256:aa","diff":"sha256:aa","size":1}],"sum":"%s"}`
	bad := map[string]string{
		"garbage":       "\x00\x01 not json",
		"truncated":     `{"v":1,"id":"%s","layers":[{"chain":"sha`,
		"empty":         "",
		"other version": `{"v":99,"id":"%s","buildkit":false,"layers":[]}`,
		"version 1":     `{"v":1,"id":"%s","buildkit":false,"layers":[{"chain":"sha256:aa","diff":"sha256:aa","size":1}]}`,
		"no checksum":   `{"v":2,"id":"%s","store":"graph","buildkit":false,"layers":[{"chain":"sha256:aa","diff":"sha256:aa","size":1}]}`,
		"other id":      `{"v":1,"id":"sha256:0000","buildkit":false,"layers":[]}`,
		"no layers":     `{"v":1,"id":"%s"}`,
		"bad layer":     `{"v":1,"id":"%s","layers":[{"chain":"","diff":"sha256:aa","size":1}]}`,
		"negative size": `{"v":1,"id":"%s","layers":[{"chain":"sha256:aa","diff":"sha256:aa","size":-1}]}`,
	}
	i := 0
	for name, content := range bad {
		i++
		id := testImageID(100 + i)
		path := filepath.Join(dir, strings.TrimPrefix(id, "sha256:")+".json")
		if strings.Contains(content, "%s") {
			content = fmt.Sprintf(content, id)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, ok := c.Get(id); ok {
			t.Errorf("%s: corrupt entry accepted", name)
		}
		// A fresh Put replaces it.
		if err := c.Put(id, testLayers(2), true); err != nil {
			t.Fatal(err)
		}
		c2, _ := OpenLayerCache(dir)
		if got, bk, ok := c2.Get(id); !ok || !bk || len(got) != 2 {
			t.Errorf("%s: rewritten entry not read back", name)
		}
	}
	// An unreadable entry (a directory in its place) is a miss too.
	id := testImageID(200)
	if err := os.Mkdir(filepath.Join(dir, strings.TrimPrefix(id, "sha256:")+".json"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.Get(id); ok {
		t.Error("unreadable entry accepted")
	}
	if err := c.Put(id, testLayers(1), false); err == nil {
		t.Error("Put over a directory reported no error")
	}
	if _, _, ok := c.Get(id); !ok {
		t.Error("entry that could not be written is not kept in memory")
	}
	// Sanity: the good form is accepted.
	id = testImageID(300)
	sum, _ := layerFileSum(layerFile{Version: 2, ID: id, Store: storeGraph, Layers: []layerJSON{{ChainID: "sha256:aa", DiffID: "sha256:aa", Size: 1}}})
	os.WriteFile(filepath.Join(dir, strings.TrimPrefix(id, "sha256:")+".json"), []byte(fmt.Sprintf(good, id, sum)), 0o600)
	if _, _, ok := c.Get(id); !ok {
		t.Error("hand-written valid entry rejected")
	}
}

func TestLayerCacheConcurrentPut(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenLayerCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	other, err := OpenLayerCache(dir) // another process, in effect
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			cache := c
			if g%2 == 1 {
				cache = other
			}
			for i := range 50 {
				id := testImageID(i % 20) // the same IDs from many goroutines
				if err := cache.Put(id, testLayers(1+i%20%4), i%20%2 == 0); err != nil {
					t.Error(err)
					return
				}
				cache.Get(testImageID((i + g) % 20))
			}
		})
	}
	wg.Wait()
	fresh, _ := OpenLayerCache(dir)
	for i := range 20 {
		got, bk, ok := fresh.Get(testImageID(i))
		if !ok || bk != (i%2 == 0) || !slices.Equal(got, testLayers(1+i%4)) {
			t.Errorf("entry %d: %v %v %v", i, got, bk, ok)
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestLayerCacheUnwritableDegradesToMemory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := OpenLayerCache(filepath.Join(file, "layers"))
	if err == nil {
		t.Fatal("want an error saying the cache is in memory only")
	}
	if c == nil || c.Dir() != "" {
		t.Fatalf("want a memory-only cache, got %+v", c)
	}
	id := testImageID(1)
	if err := c.Put(id, testLayers(2), true); err != nil {
		t.Fatal(err)
	}
	if got, bk, ok := c.Get(id); !ok || !bk || len(got) != 2 {
		t.Fatal("memory-only cache lost the entry")
	}
}

func TestDefaultLayerCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/x/cache")
	if d, err := DefaultLayerCacheDir(); err != nil || d != filepath.Join("/x/cache", "bilge", "layers") {
		t.Errorf("with XDG_CACHE_HOME: %q %v", d, err)
	}
	t.Setenv("XDG_CACHE_HOME", "relative") // invalid per the XDG spec
	t.Setenv("HOME", "/home/u")
	d, err := DefaultLayerCacheDir()
	base, berr := os.UserCacheDir()
	if berr == nil && (err != nil || d != filepath.Join(base, "bilge", "layers")) {
		t.Errorf("without XDG_CACHE_HOME: %q %v", d, err)
	}
}

// TestLayerCacheColdReadOf1000: a fresh process finds every entry another
// wrote. How long it takes is BenchmarkLayerCacheColdRead's to say.
func TestLayerCacheColdReadOf1000(t *testing.T) {
	dir := t.TempDir()
	c, _ := OpenLayerCache(dir)
	for i := range 1000 {
		if err := c.Put(testImageID(i), testLayers(1+i%12), false); err != nil {
			t.Fatal(err)
		}
	}
	fresh, _ := OpenLayerCache(dir)
	for i := range 1000 {
		if _, _, ok := fresh.Get(testImageID(i)); !ok {
			t.Fatalf("entry %d missing", i)
		}
	}
}

// BenchmarkLayerCacheColdRead opens a cache of 1,000 entries and reads
// them all, as a new bilge process does on a host with 1,000 images.
func BenchmarkLayerCacheColdRead(b *testing.B) {
	dir := b.TempDir()
	c, _ := OpenLayerCache(dir)
	for i := range 1000 {
		if err := c.Put(testImageID(i), testLayers(1+i%12), false); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		fresh, _ := OpenLayerCache(dir)
		for i := range 1000 {
			if _, _, ok := fresh.Get(testImageID(i)); !ok {
				b.Fatalf("entry %d missing", i)
			}
		}
	}
}

// layerFake serves ImageInspect and ImageHistory from a table; other calls
// panic (the embedded api is nil).
type layerFake struct {
	api
	mu          sync.Mutex
	images      map[string]fakeImage
	calls       map[string]int // ImageInspect calls per image
	histCalls   map[string]int
	histFail    map[string]error // ImageHistory fails for these images
	inflight    int
	maxInflight int
	hold        chan struct{} // when set, calls wait for it (or ctx)
	started     chan string   // when set, receives each image as its fetch starts
	fail        error         // when set, every call fails with it
}

type fakeImage struct {
	diffs   []string
	history []image.HistoryResponseItem
	size    int64
}

func (f *layerFake) enter(ctx context.Context, id string) error {
	f.mu.Lock()
	f.calls[id]++
	f.inflight++
	f.maxInflight = max(f.maxInflight, f.inflight)
	f.mu.Unlock()
	if f.started != nil {
		f.started <- id
	}
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			f.leave()
			return ctx.Err()
		}
	}
	return nil
}

func (f *layerFake) leave() {
	f.mu.Lock()
	f.inflight--
	f.mu.Unlock()
}

func (f *layerFake) ImageInspect(ctx context.Context, id string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	if err := f.enter(ctx, id); err != nil {
		return client.ImageInspectResult{}, err
	}
	defer f.leave()
	if f.fail != nil {
		return client.ImageInspectResult{}, f.fail
	}
	img, ok := f.images[id]
	if !ok {
		return client.ImageInspectResult{}, fmt.Errorf("no such image: %s: %w", id, cerrdefs.ErrNotFound)
	}
	var r client.ImageInspectResult
	r.ID, r.Size, r.RootFS = id, img.size, image.RootFS{Type: "layers", Layers: img.diffs}
	return r, nil
}

func (f *layerFake) ImageHistory(ctx context.Context, id string, _ ...client.ImageHistoryOption) (client.ImageHistoryResult, error) {
	f.mu.Lock()
	f.histCalls[id]++
	err := f.histFail[id]
	f.mu.Unlock()
	if err != nil {
		return client.ImageHistoryResult{}, err
	}
	img, ok := f.images[id]
	if !ok {
		return client.ImageHistoryResult{}, fmt.Errorf("no such image: %s: %w", id, cerrdefs.ErrNotFound)
	}
	return client.ImageHistoryResult{Items: img.history}, nil
}

func newLayerFake(n int) (*layerFake, []string) {
	f := &layerFake{images: map[string]fakeImage{}, calls: map[string]int{}, histCalls: map[string]int{}, histFail: map[string]error{}}
	var ids []string
	for i := range n {
		id := testImageID(1000 + i)
		f.images[id] = fakeImage{
			diffs: testDiffIDs(2),
			history: hist(entry("ADD base", 100), entry("ENV X=1", 0), image.HistoryResponseItem{
				ID: "<missing>", Comment: "buildkit.dockerfile.v0", CreatedBy: "COPY x /x # buildkit", Size: int64(i),
			}),
			size: 100 + int64(i),
		}
		ids = append(ids, id)
	}
	return f, ids
}

func fakeEngine(f *layerFake) *Engine {
	return &Engine{api: f, ep: Endpoint{Host: "unix:///fake.sock", Source: "test"}, now: time.Now}
}

func TestFillLayers(t *testing.T) {
	f, ids := newLayerFake(20)
	e := fakeEngine(f)
	cache, err := OpenLayerCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Two are cached already, one vanishes before it is read.
	for _, id := range ids[15:17] {
		cache.Put(id, testLayers(1), true)
	}
	gone := testImageID(99999)
	all := append(slices.Clone(ids), gone, ids[3]) // and a duplicate

	var order []string
	got := map[string][]model.Layer{}
	bks := map[string]bool{}
	err = e.FillLayers(context.Background(), cache, all, 3, func(id string, layers []model.Layer, bk bool) {
		order = append(order, id)
		got[id] = layers
		bks[id] = bk
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 20 {
		t.Fatalf("found called %d times, want 20 (once per image, none for the vanished one)", len(order))
	}
	if !slices.Equal(order[:2], ids[15:17]) {
		t.Errorf("cached images not reported first: %v", order[:2])
	}
	if f.maxInflight > 3 || f.maxInflight < 1 {
		t.Errorf("%d fetches at once, limit 3", f.maxInflight)
	}
	for i, id := range ids {
		if i == 15 || i == 16 {
			if f.calls[id] != 0 || !bks[id] || len(got[id]) != 1 {
				t.Errorf("cached image %d refetched or misreported", i)
			}
			continue
		}
		if f.calls[id] != 1 {
			t.Errorf("image %d fetched %d times", i, f.calls[id])
		}
		if l := got[id]; len(l) != 2 || l[0].Size != 100 || l[1].Size != int64(i) || !bks[id] {
			t.Errorf("image %d: %v %v", i, l, bks[id])
		}
		if c, _, ok := cache.Get(id); !ok || !slices.Equal(c, got[id]) {
			t.Errorf("image %d not cached", i)
		}
	}

	// A second pass in this process is served from memory; in another
	// (a fresh cache on the same directory) each entry costs one inspect,
	// to check it, and no history — but for the two put by hand above,
	// which do not match their images (one layer, not two): those are read
	// afresh.
	f.calls, f.histCalls = map[string]int{}, map[string]int{}
	n := 0
	if err := e.FillLayers(context.Background(), cache, ids, 0, func(string, []model.Layer, bool) { n++ }); err != nil {
		t.Fatal(err)
	}
	if n != 20 || len(f.calls) != 0 || len(f.histCalls) != 0 {
		t.Errorf("second pass: %d found, %d inspected, %d histories read", n, len(f.calls), len(f.histCalls))
	}
	fresh, _ := OpenLayerCache(cache.Dir())
	n = 0
	if err := e.FillLayers(context.Background(), fresh, ids, 0, func(id string, l []model.Layer, _ bool) {
		n++
		if id == ids[15] || id == ids[16] {
			if len(l) != 2 || l[0].Size != 100 || l[1].Size+100 != f.images[id].size {
				t.Errorf("%s: a wrong entry was used: %v", id, l)
			}
		} else if !slices.Equal(l, got[id]) {
			t.Errorf("%s: from disk %v, want %v", id, l, got[id])
		}
	}); err != nil {
		t.Fatal(err)
	}
	if n != 20 || len(f.histCalls) != 2 || f.histCalls[ids[15]] != 1 || f.histCalls[ids[16]] != 1 {
		t.Errorf("from disk: %d found, histories read %v, want only of the two wrong entries", n, f.histCalls)
	}
	for _, id := range ids {
		if f.calls[id] != 1 {
			t.Errorf("from disk: %s inspected %d times, want once", id, f.calls[id])
		}
	}
}

func TestFillLayersDefaultParallelAndNilCache(t *testing.T) {
	f, ids := newLayerFake(12)
	f.hold = make(chan struct{})
	f.started = make(chan string, 12)
	e := fakeEngine(f)
	done := make(chan error, 1)
	n := 0
	go func() {
		done <- e.FillLayers(context.Background(), nil, ids, 0, func(string, []model.Layer, bool) { n++ })
	}()
	for range defaultLayerParallel {
		<-f.started
	}
	select {
	case id := <-f.started:
		t.Errorf("fetch of %s started beyond the default limit", id)
	case <-time.After(50 * time.Millisecond):
	}
	close(f.hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n != 12 || f.maxInflight != defaultLayerParallel {
		t.Errorf("found %d, max in flight %d", n, f.maxInflight)
	}
}

func TestFillLayersCancel(t *testing.T) {
	f, ids := newLayerFake(50)
	f.hold = make(chan struct{}) // never released
	f.started = make(chan string, 50)
	e := fakeEngine(f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- e.FillLayers(ctx, nil, ids, 4, func(string, []model.Layer, bool) {
			t.Error("found called for a cancelled fetch")
		})
	}()
	for range 4 {
		<-f.started
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("FillLayers did not stop on cancel")
	}
	if total := len(f.calls); total > 8 {
		t.Errorf("%d fetches started after cancel", total)
	}
}

func TestFillLayersErrors(t *testing.T) {
	f, ids := newLayerFake(5)
	f.fail = errors.New("boom")
	e := fakeEngine(f)
	err := e.FillLayers(context.Background(), nil, ids, 2, nil)
	if err == nil || !strings.Contains(err.Error(), "5 images") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
	// A lost engine stops everything and says so.
	f, ids = newLayerFake(40)
	f.fail = errors.New("dial unix /fake.sock: connect: connection refused")
	e = fakeEngine(f)
	err = e.FillLayers(context.Background(), nil, ids, 2, nil)
	if !IsConnectError(err) {
		t.Fatalf("err = %v, want a connection error", err)
	}
	if len(f.calls) > 10 {
		t.Errorf("%d images tried after the engine was lost", len(f.calls))
	}
}

// TestImageLayersRealDaemon builds two images with the classic builder,
// the second on the first, and checks their layers against the engine.
func TestImageLayersRealDaemon(t *testing.T) {
	// A daemon of the test's own: it builds and removes images.
	d := enginetest.StartTestDaemon(t)
	sock := strings.TrimPrefix(d.Host(), "unix://")
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	e, err := New(Endpoint{Host: d.Host(), Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
	err = e.Ping(pctx)
	pcancel()
	if err != nil {
		t.Fatalf("the test daemon at %s: %v", sock, err)
	}
	if _, err := exec.LookPath("docker"); err != nil {
		unavailable("no docker CLI: %v", err)
	}

	var rnd [6]byte
	rand.Read(rnd[:])
	label := "bilge.dev=" + hex.EncodeToString(rnd[:])
	docker := func(ctx context.Context, dir string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "docker", append([]string{"-H", "unix://" + sock}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0", "PATH="+d.PATH())
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, stderr.String())
		}
		return strings.TrimSpace(out.String()), nil
	}
	build := func(files map[string]string) string {
		t.Helper()
		dir := t.TempDir()
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		id, err := docker(ctx, dir, "build", "-q", "--rm", "--force-rm", "--label", label, ".")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(id, "sha256:") {
			t.Fatalf("docker build printed %q, want an image ID", id)
		}
		t.Cleanup(func() {
			// Removing the second also removes the first when it is
			// untagged and has no other child: a 404 is fine.
			if out, err := docker(context.Background(), "", "rmi", id); err != nil && !strings.Contains(err.Error(), "No such image") {
				t.Errorf("remove %s: %v %s", id, err, out)
			}
		})
		return id
	}
	a, b := strings.Repeat("a", 1000), strings.Repeat("b", 2000)
	first := build(map[string]string{"a": a, "Dockerfile": "FROM scratch\nCOPY a /a\n"})
	second := build(map[string]string{"b": b, "Dockerfile": "FROM " + first + "\nENV X=1\nWORKDIR /w\nCOPY b /w/b\nCMD [\"x\"]\n"})

	l1, bk1, err := e.ImageLayers(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	l2, bk2, err := e.ImageLayers(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first %s: %+v", first, l1)
	t.Logf("second %s: %+v", second, l2)
	if bk1 || bk2 {
		t.Error("classic builds reported as BuildKit")
	}
	if len(l1) != 1 || len(l2) != 3 {
		t.Fatalf("got %d and %d layers, want 1 and 3", len(l1), len(l2))
	}
	if l2[0].ChainID != l1[0].ChainID || l1[0].ChainID != l1[0].DiffID {
		t.Errorf("second image's base chain ID %s, first image's %s", l2[0].ChainID, l1[0].ChainID)
	}
	list, err := e.api.ImageList(ctx, client.ImageListOptions{All: true, Manifests: true})
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int64{}
	cstore := false
	for _, s := range list.Items {
		sizes[s.ID] = s.Size
		cstore = cstore || len(s.Manifests) > 0
	}
	// On the containerd image store the list's Size is the packed content
	// plus the snapshots (engine-notes.md): no sum of layers.
	for id, layers := range map[string][]model.Layer{first: l1, second: l2} {
		if cstore {
			break
		}
		var sum int64
		for _, l := range layers {
			sum += l.Size
		}
		if want, ok := sizes[id]; !ok || sum != want {
			t.Errorf("%s: layers add up to %d, ImageList says %d (listed %v)", id, sum, want, ok)
		}
	}
	// On overlay2 a layer's size is its files' bytes: the WORKDIR layer
	// (just a directory) is a real layer of size 0.
	if driver, err := docker(ctx, "", "info", "-f", "{{.Driver}}"); err == nil && driver == "overlay2" {
		if got := []int64{l2[0].Size, l2[1].Size, l2[2].Size}; !slices.Equal(got, []int64{1000, 0, 2000}) {
			t.Errorf("second image's layer sizes %v, want [1000 0 2000]", got)
		}
	}

	// FillLayers: both found, the vanished one skipped, all cached.
	cache, err := OpenLayerCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	found := map[string][]model.Layer{}
	vanished := "sha256:" + strings.Repeat("0", 64)
	if err := e.FillLayers(ctx, cache, []string{first, second, vanished}, 2, func(id string, layers []model.Layer, _ bool) {
		found[id] = layers
	}); err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || !slices.Equal(found[first], l1) || !slices.Equal(found[second], l2) {
		t.Errorf("FillLayers found %v", found)
	}
	if c, _, ok := cache.Get(second); !ok || !slices.Equal(c, l2) {
		t.Error("second image not cached")
	}
}
