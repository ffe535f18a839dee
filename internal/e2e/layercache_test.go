package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"bilge/internal/enginetest"
	"bilge/internal/testbin"
)

// dfIn runs `bilge df --json -v` against the test engine with its layer
// cache under cacheHome, and returns each kind's figures.
func dfIn(t *testing.T, e *enginetest.Engine, cacheHome string) map[string]kindDoc {
	t.Helper()
	cmd := exec.Command(testbin.Build(t), "df", "--json", "-v")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+e.Host(), "DOCKER_CONTEXT=", "DOCKER_CONFIG="+t.TempDir(), "XDG_CACHE_HOME="+cacheHome)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("bilge df: %v\n%s", err, stderr)
	}
	return dfKinds(t, out)
}

func exactOf(k kindDoc) string {
	if k.ReclaimableExact == nil {
		return "null"
	}
	return fmt.Sprint(*k.ReclaimableExact)
}

// TestDFPoisonedLayerCache: valid cache entries with one size ×1000, and a
// corrupt one, change none of bilge df's figures: the entries are checked
// against the engine, dropped and rewritten with the truth.
func TestDFPoisonedLayerCache(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	home := t.TempDir()
	dir := filepath.Join(home, "bilge", "layers")

	base := dfIn(t, e, home)
	file := func(role string) string {
		return filepath.Join(dir, strings.TrimPrefix(s.Images[role].ID, "sha256:")+".json")
	}
	truth := map[string][]byte{}
	for _, role := range []string{"delta", "dangling", "alpha"} {
		data, err := os.ReadFile(file(role))
		if err != nil {
			t.Fatalf("no cache entry for image %s after bilge df: %v", role, err)
		}
		truth[role] = data
	}
	// One layer's size ×1000 in two entries (an unused and a dangling
	// image: both count in what deleting them frees), a corrupt third.
	for _, role := range []string{"delta", "dangling"} {
		var entry map[string]any
		if err := json.Unmarshal(truth[role], &entry); err != nil {
			t.Fatal(err)
		}
		// The newest layer with a size: the image's own, not a shared base.
		layers, _ := entry["layers"].([]any)
		var top map[string]any
		for i := len(layers) - 1; i >= 0 && top == nil; i-- {
			if l := layers[i].(map[string]any); l["size"].(float64) > 0 {
				top = l
			}
		}
		if top == nil {
			t.Fatalf("image %s has no layer with a size: %s", role, truth[role])
		}
		top["size"] = top["size"].(float64) * 1000
		data, _ := json.Marshal(entry)
		if err := os.WriteFile(file(role), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(file("alpha"), []byte(`{"v":1,"layers":[{"chain":`), 0o600); err != nil {
		t.Fatal(err)
	}

	got := dfIn(t, e, home)
	for k, b := range base {
		if exactOf(got[k]) != exactOf(b) {
			t.Errorf("%s: reclaimableExact %s with the poisoned cache, %s without", k, exactOf(got[k]), exactOf(b))
		}
	}
	before := map[string]map[string]any{}
	for _, it := range base["images"].Items {
		before[it["id"].(string)] = it
	}
	for _, it := range got["images"].Items {
		id := it["id"].(string)
		for _, field := range []string{"freesAlone", "uniqueSize"} {
			if !reflect.DeepEqual(it[field], before[id][field]) {
				t.Errorf("image %s: %s %v with the poisoned cache, %v without", id, field, it[field], before[id][field])
			}
		}
		if got, want := layerSizes(it), layerSizes(before[id]); !reflect.DeepEqual(got, want) {
			t.Errorf("image %s: layers %v with the poisoned cache, %v without", id, got, want)
		}
	}
	for role, want := range truth {
		if data, err := os.ReadFile(file(role)); err != nil || string(data) != string(want) {
			t.Errorf("image %s: cache entry not rewritten with the engine's figures: %s (%v)", role, data, err)
		}
	}
}

// layerSizes is an image's layers in bilge df -v, as "diff ID size"
// (sharedBy comes in no set order).
func layerSizes(img map[string]any) []string {
	ls, _ := img["layers"].([]any)
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		l, _ := l.(map[string]any)
		out = append(out, fmt.Sprint(l["diffId"], " ", l["size"]))
	}
	return out
}
