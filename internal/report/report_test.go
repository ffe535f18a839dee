package report

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/model"
)

// demoSnapshot is the demo engine's host, read through the real client, with
// layers: it has BuildKit-built images whose layers build cache holds.
func demoSnapshot(t *testing.T) (*model.Snapshot, *model.ReclaimIndex) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	host, err := demo.New(1).Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := dockerapi.Connect(ctx, dockerapi.Selection{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	e.UseLayerCache(dockerapi.MemoryLayerCache())
	s, err := e.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := e.LayersOf(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	s.ApplyLayers(layers)
	return s, model.NewReclaimIndex(s)
}

func TestTextSaysWhatStaysInBuildCache(t *testing.T) {
	t.Parallel()
	s, ix := demoSnapshot(t)
	held := ix.ExactReclaimable()[model.KindImage].Held
	if held <= 0 {
		t.Fatal("the demo host has no BuildKit-held layers: the test needs some")
	}
	var b bytes.Buffer
	if err := Text(&b, s, ix, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	var images, buildCache string
	for _, l := range lines[:6] {
		switch {
		case strings.HasPrefix(l, "Images "):
			images = l
		case strings.HasPrefix(l, "Build Cache "):
			buildCache = l
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(images), "*") {
		t.Errorf("images row does not flag its exact figure: %q", images)
	}
	if want := "* of which " + model.HumanSize(held) + " stays in build cache"; !strings.Contains(out, want) {
		t.Errorf("no footnote %q in\n%s", want, out)
	}
	if strings.Contains(buildCache, "%") {
		t.Errorf("build cache RECLAIMABLE has a percentage (docker prints none): %q", buildCache)
	}
	if !strings.Contains(out, "* build-cache records hold these layers too") {
		t.Errorf("-v lists no BuildKit note under the images")
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	s, ix := demoSnapshot(t)
	var b bytes.Buffer
	if err := JSON(&b, s, ix, true); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Images struct {
			ReclaimableExact *int64 `json:"reclaimableExact"`
			HeldByBuildCache *int64 `json:"heldByBuildCache"`
			Items            []struct {
				ID         string `json:"id"`
				BuildKit   bool   `json:"buildKit"`
				FreesAlone *int64 `json:"freesAlone"`
				Held       int64  `json:"freesAloneHeldByBuildCache"`
				Layers     []struct {
					Size int64 `json:"size"`
				} `json:"layers"`
			} `json:"items"`
		} `json:"images"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Images.HeldByBuildCache == nil || *doc.Images.HeldByBuildCache != ix.ExactReclaimable()[model.KindImage].Held {
		t.Errorf("heldByBuildCache = %v", doc.Images.HeldByBuildCache)
	}
	if len(doc.Images.Items) != len(s.Images) {
		t.Fatalf("%d items, want %d", len(doc.Images.Items), len(s.Images))
	}
	sawHeld := false
	for _, it := range doc.Images.Items {
		if it.FreesAlone == nil {
			t.Fatalf("image %s: freesAlone null with every layer known", it.ID)
		}
		if it.Held > *it.FreesAlone {
			t.Errorf("image %s: held %d of frees %d (BuildKit %v)", it.ID, it.Held, *it.FreesAlone, it.BuildKit)
		}
		sawHeld = sawHeld || it.Held > 0
	}
	if !sawHeld {
		t.Error("no image says its bytes stay in build cache")
	}
}

// TestJSONEmptyKinds: with -v every kind has items, [] when it has none,
// so scripts never meet a missing key.
func TestJSONEmptyKinds(t *testing.T) {
	t.Parallel()
	s := &model.Snapshot{Sized: true}
	s.Link()
	var b bytes.Buffer
	if err := JSON(&b, s, model.NewReclaimIndex(s), true); err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"images", "containers", "volumes", "networks", "buildCache"} {
		items, ok := doc[k]["items"].([]any)
		if !ok || len(items) != 0 {
			t.Errorf("%s.items = %#v, want []", k, doc[k]["items"])
		}
	}
	b.Reset()
	if err := JSON(&b, s, model.NewReclaimIndex(s), false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `"items"`) {
		t.Error("items without -v")
	}
}

// hostileSnapshot is what dockerapi makes of engine text with escape
// sequences: safe text, and the engine's own kept in Orig.
func hostileSnapshot() *model.Snapshot {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rawNet := "net\x1b[31mRED\x1b]0;nettitle\x07"
	rawLabels := map[string]string{"k\x1b[5mey": "v\u202eevil"}
	safeLabels := model.SafeLabels(rawLabels)
	n := model.Network{ID: "nnnn", Name: model.SafeText(rawNet), Driver: "bridge", Scope: "local", Created: t0, Labels: safeLabels}
	nOrig := n
	nOrig.Name, nOrig.Labels = rawNet, rawLabels
	n.Orig = &nOrig
	rawDesc := "RUN printf '\x1b]0;t\x07' && x" + strings.Repeat("é", 80)
	r := model.BuildRecord{ID: "rec1", Type: "regular", Description: model.SafeText(rawDesc), Size: 1, Created: t0}
	rOrig := r
	rOrig.Description = rawDesc
	r.Orig = &rOrig
	rawID := "c0ffee\x1b[8m"
	c := model.Container{ID: model.SafeText(rawID), Name: "ctr", Image: "img", State: model.StateExited, Created: t0,
		SizeRw: 1, SizeRootFs: 1, Networks: []string{"nnnn"}}
	cOrig := c
	cOrig.ID = rawID
	c.Orig = &cOrig
	s := &model.Snapshot{Sized: true, Networks: []model.Network{n}, BuildCache: []model.BuildRecord{r}, Containers: []model.Container{c}}
	s.Link()
	return s
}

// TestTextHostileNames: df -v prints engine text made safe: no control
// byte but newlines, the escapes visible, a long description cut between
// characters.
func TestTextHostileNames(t *testing.T) {
	t.Parallel()
	s := hostileSnapshot()
	var b bytes.Buffer
	if err := Text(&b, s, nil, true, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for i, c := range []byte(out) {
		if (c < 0x20 && c != '\n') || c == 0x7f {
			t.Fatalf("control byte %#x at %d in\n%q", c, i, out)
		}
	}
	if !utf8.ValidString(out) {
		t.Errorf("invalid UTF-8 in\n%q", out)
	}
	for _, want := range []string{`net\x1b[31mRED\x1b]0;nettitle\x07`, `RUN printf '\x1b]0;t\x07' && xéé`, "é..."} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// TestJSONHostileNamesExact: --json keeps the engine's exact text.
func TestJSONHostileNamesExact(t *testing.T) {
	t.Parallel()
	s := hostileSnapshot()
	var b bytes.Buffer
	if err := JSON(&b, s, nil, true); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Networks struct {
			Items []NetworkJSON `json:"items"`
		} `json:"networks"`
		Containers struct {
			Items []ContainerJSON `json:"items"`
		} `json:"containers"`
		BuildCache struct {
			Items []BuildRecordJSON `json:"items"`
		} `json:"buildCache"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	n := doc.Networks.Items[0]
	if n.Name != s.Networks[0].Orig.Name || n.Labels["k\x1b[5mey"] != "v\u202eevil" {
		t.Errorf("network %q labels %q, want the engine's text", n.Name, n.Labels)
	}
	if len(n.Containers) != 1 || n.Containers[0] != "c0ffee\x1b[8m" || doc.Containers.Items[0].ID != "c0ffee\x1b[8m" {
		t.Errorf("container ID %q, network users %q: want the engine's ID", doc.Containers.Items[0].ID, n.Containers)
	}
	if d := doc.BuildCache.Items[0].Description; d != s.BuildCache[0].Orig.Description {
		t.Errorf("description %q", d)
	}
	if !strings.Contains(b.String(), `\u001b]0;nettitle\u0007`) {
		t.Error("JSON does not escape the engine's control bytes")
	}
}
