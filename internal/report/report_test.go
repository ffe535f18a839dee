package report

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

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
