package e2e

import (
	"crypto/sha256"
	"encoding/hex"
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

// TestDFPoisonedLayerCache: cache entries with one size ×1000 (two with
// the checksum left as it was, one resealed with a valid checksum) and a
// corrupt one change none of bilge df's figures: the entries are refused
// (by their checksum, or by the image list and the inspect), read afresh
// and rewritten with the truth.
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
	for _, role := range []string{"delta", "dangling", "alpha", "gamma"} {
		data, err := os.ReadFile(file(role))
		if err != nil {
			t.Fatalf("no cache entry for image %s after bilge df: %v", role, err)
		}
		truth[role] = data
	}
	// One layer's size ×1000 in two entries (an unused and a dangling
	// image: both count in what deleting them frees), a corrupt third.
	for _, role := range []string{"delta", "dangling", "gamma"} {
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
		if role == "gamma" {
			data = resealed(t, truth[role], data)
		}
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

// cacheEntry is a layer cache entry (format 2) in its fields' order, to
// reseal an edited one as bilge seals it (dockerapi layerFileSum).
type cacheEntry struct {
	Version  int               `json:"v"`
	ID       string            `json:"id"`
	Store    string            `json:"store"`
	BuildKit bool              `json:"buildkit"`
	Layers   []json.RawMessage `json:"layers"`
	Unpacked []int64           `json:"unpacked,omitempty"`
	Sum      string            `json:"sum"`
}

func sealEntry(t *testing.T, data []byte) []byte {
	t.Helper()
	var e cacheEntry
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	e.Sum = ""
	body, _ := json.Marshal(&e)
	h := sha256.New()
	fmt.Fprintf(h, "bilge layer cache\x00%s\x00%s\x00", e.ID, e.Store)
	h.Write(body)
	e.Sum = hex.EncodeToString(h.Sum(nil))
	out, _ := json.Marshal(&e)
	return out
}

// resealed is the edited entry with a valid checksum; it first checks that
// sealing the original gives bilge's own bytes (else the edit would be
// refused by its checksum and the test would check nothing more).
func resealed(t *testing.T, original, edited []byte) []byte {
	t.Helper()
	if got := sealEntry(t, original); string(got) != string(original) {
		t.Fatalf("resealing the entry does not give bilge's bytes:\n%s\n%s", got, original)
	}
	return sealEntry(t, edited)
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
