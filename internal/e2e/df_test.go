package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/internal/testbin"
	"bilge/model"
)

// dockerFigures is docker system df's table computed from the engine's own
// /system/df, column by column as the docker CLI computes it.
type dockerFigures struct{ total, active, size int64 }

// listedSize is the size /system/df lists for image id (-1 if absent).
func listedSize(du *enginetest.DiskUsage, id string) int64 {
	for _, i := range du.Images {
		if i.ID == id {
			return i.Size
		}
	}
	return -1
}

func dockerDF(du *enginetest.DiskUsage) map[string]dockerFigures {
	out := map[string]dockerFigures{}
	img := dockerFigures{total: int64(len(du.Images)), size: du.LayersSize}
	for _, i := range du.Images {
		if i.Containers > 0 {
			img.active++
		}
	}
	out["images"] = img
	var c dockerFigures
	c.total = int64(len(du.Containers))
	for _, x := range du.Containers {
		switch x.State {
		case "running", "paused", "restarting":
			c.active++
		}
		c.size += x.SizeRw
	}
	out["containers"] = c
	var v dockerFigures
	v.total = int64(len(du.Volumes))
	for _, x := range du.Volumes {
		if x.UsageData == nil {
			continue
		}
		if x.UsageData.RefCount > 0 {
			v.active++
		}
		if x.UsageData.Size > 0 {
			v.size += x.UsageData.Size
		}
	}
	out["volumes"] = v
	var b dockerFigures
	b.total = int64(len(du.BuildCache))
	for _, x := range du.BuildCache {
		if x.InUse {
			b.active++
		}
		if !x.Shared {
			b.size += x.Size
		}
	}
	out["buildCache"] = b
	return out
}

type kindDoc struct {
	Total            int64            `json:"total"`
	Active           int64            `json:"active"`
	Size             *int64           `json:"size"`
	Reclaimable      *int64           `json:"reclaimable"`
	ReclaimableExact *int64           `json:"reclaimableExact"`
	Items            []map[string]any `json:"items"`
}

func bilgeDF(t *testing.T, args ...string) (map[string]kindDoc, []byte) {
	t.Helper()
	bin := testbin.Build(t)
	cmd := exec.Command(bin, append([]string{"df"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("bilge df %v: %v\n%s", args, err, stderr)
	}
	if !strings.Contains(strings.Join(args, " "), "--json") {
		return nil, out
	}
	return dfKinds(t, out), out
}

// dfKinds reads each kind's figures from `bilge df --json` output.
func dfKinds(t *testing.T, out []byte) map[string]kindDoc {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("bilge df --json is not JSON: %v\n%s", err, out)
	}
	kinds := map[string]kindDoc{}
	for _, k := range []string{"images", "containers", "volumes", "networks", "buildCache"} {
		var kd kindDoc
		if err := json.Unmarshal(raw[k], &kd); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		kinds[k] = kd
	}
	return kinds
}

// TestDFAgreesWithEngine seeds a realistic state and checks bilge df --json
// against the engine's own system df: TOTAL, ACTIVE and SIZE of every kind
// equal what docker system df reports.
func TestDFAgreesWithEngine(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	kinds, _ := bilgeDF(t, "--json", "-v")
	du, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := dockerDF(du)
	for k, w := range want {
		got := kinds[k]
		if got.Total != w.total || got.Active != w.active || got.Size == nil || *got.Size != w.size {
			size := "null"
			if got.Size != nil {
				size = model.HumanSize(*got.Size)
			}
			t.Errorf("%s: bilge total %d active %d size %s; engine total %d active %d size %s",
				k, got.Total, got.Active, size, w.total, w.active, model.HumanSize(w.size))
		}
	}

	// Every seeded object is there with the status the state implies.
	byID := map[string]map[string]any{}
	for _, k := range []string{"images", "containers", "volumes", "networks"} {
		for _, it := range kinds[k].Items {
			id, _ := it["id"].(string)
			if id == "" {
				id, _ = it["name"].(string)
			}
			byID[id] = it
		}
	}
	expectImage := map[string]string{"alpha": "stopped only", "gamma": "stopped only", "beta": "in use", "delta": "unused", "dangling": "dangling", "built": "unused"}
	for role, status := range expectImage {
		img := s.Images[role]
		it, ok := byID[img.ID]
		if !ok {
			t.Errorf("image %s (%s) missing from bilge df -v", role, img.ID)
			continue
		}
		if it["status"] != status {
			t.Errorf("image %s: status %v, want %s", role, it["status"], status)
		}
		if tags, _ := it["tags"].([]any); len(tags) != len(img.Tags) {
			t.Errorf("image %s: %d tags, want %d", role, len(tags), len(img.Tags))
		}
		if want := img.Size; want > 0 {
			if e.ContainerdStore() {
				// The containerd store lists an image with its packed
				// content too: the engine's figure, not the seed's files.
				want = listedSize(du, img.ID)
			}
			if sz, _ := it["size"].(float64); int64(sz) != want {
				t.Errorf("image %s: size %v, want %d", role, it["size"], want)
			}
		}
	}
	for role, c := range s.Containers {
		it, ok := byID[c.ID]
		if !ok {
			t.Errorf("container %s missing", role)
			continue
		}
		if it["state"] != c.State {
			t.Errorf("container %s: state %v, want %s", role, it["state"], c.State)
		}
		if code, _ := it["exitCode"].(float64); int(code) != c.ExitCode {
			t.Errorf("container %s: exit code %v, want %d", role, it["exitCode"], c.ExitCode)
		}
		if rw, _ := it["sizeRw"].(float64); c.SizeRw > 0 && int64(rw) < c.SizeRw {
			t.Errorf("container %s: sizeRw %v, want at least %d", role, it["sizeRw"], c.SizeRw)
		}
	}
	for role, v := range s.Volumes {
		it, ok := byID[v.Name]
		if !ok {
			t.Errorf("volume %s missing", role)
			continue
		}
		if it["anonymous"] != v.Anonymous {
			t.Errorf("volume %s: anonymous %v, want %v", role, it["anonymous"], v.Anonymous)
		}
		if sz, _ := it["size"].(float64); int64(sz) != v.Size {
			t.Errorf("volume %s: size %v, want %d", role, it["size"], v.Size)
		}
	}
	for role, n := range s.Networks {
		it, ok := byID[n.ID]
		if !ok {
			t.Errorf("network %s missing", role)
			continue
		}
		ctrs, _ := it["containers"].([]any)
		if (role == "app") != (len(ctrs) == 1) {
			t.Errorf("network %s: %d containers attached", role, len(ctrs))
		}
	}
	if kinds["networks"].Total < 3+int64(len(s.Networks)) {
		t.Errorf("networks total %d lacks the built-ins", kinds["networks"].Total)
	}
}

// TestDFTextMatchesDockerCLI compares bilge df's table with docker system
// df's, printed by the docker CLI on the same state, cell by cell for
// TYPE, TOTAL, ACTIVE and SIZE.
func TestDFTextMatchesDockerCLI(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	enginetest.Seed(t, e)
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("no docker CLI to compare with")
	}
	_, out := bilgeDF(t)
	cmd := exec.Command(docker, "system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+e.Host())
	cli, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker system df: %v", err)
	}
	ours := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n")[1:] {
		f := strings.Fields(line)
		typ := f[0]
		if typ == "Local" || typ == "Build" {
			typ, f = f[0]+" "+f[1], append([]string{f[0] + " " + f[1]}, f[2:]...)
		}
		ours[typ] = f[1:4]
	}
	for _, line := range strings.Split(strings.TrimSpace(string(cli)), "\n") {
		p := strings.Split(line, "|")
		t.Run(p[0], func(t *testing.T) {
			if p[0] == "Build Cache" {
				enginetest.KnownGap(t, "issue 11: docker CLI 29 computes Build Cache SIZE differently from CLI ≤ 28 (bilge follows the old formula)", enginetest.Engine29Overlay2, enginetest.Engine29Containerd)
			}
			got, ok := ours[p[0]]
			if !ok {
				t.Errorf("bilge df has no %q row:\n%s", p[0], out)
				return
			}
			if got[0] != p[1] || got[1] != p[2] || got[2] != p[3] {
				t.Errorf("%s: bilge %v, docker %v\nbilge:\n%s\ndocker:\n%s", p[0], got, p[1:], out, cli)
			}
		})
	}
	t.Logf("bilge df:\n%s\ndocker system df:\n%s", out, cli)
}
