package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/internal/testbin"
)

// dockerFigures is one row of docker system df's table as the docker CLI
// of the engine's generation prints it.
type dockerFigures struct{ total, active, size, reclaimable int64 }

// listedSize is the size /system/df lists for image id (-1 if absent).
func listedSize(du *enginetest.DiskUsage, id string) int64 {
	for _, i := range du.Images {
		if i.ID == id {
			return i.Size
		}
	}
	return -1
}

// dockerDF is docker system df's table: on API 1.52 and later the
// engine's own figures (rep), which docker CLI 29 prints as they are;
// before, computed from the lists of /system/df (du) as CLI 20.10 does.
func dockerDF(du *enginetest.DiskUsage, rep *enginetest.ReportedDF) map[string]dockerFigures {
	if rep != nil {
		row := func(r enginetest.ReportedRow) dockerFigures {
			return dockerFigures{r.TotalCount, r.ActiveCount, r.TotalSize, r.Reclaimable}
		}
		return map[string]dockerFigures{
			"images":     row(rep.ImageUsage),
			"containers": row(rep.ContainerUsage),
			"volumes":    row(rep.VolumeUsage),
			"buildCache": row(rep.BuildCacheUsage),
		}
	}
	out := map[string]dockerFigures{}
	img := dockerFigures{total: int64(len(du.Images)), size: du.LayersSize}
	var used int64
	for _, i := range du.Images {
		if i.Containers > 0 {
			img.active++
			if i.Size >= 0 && i.SharedSize >= 0 {
				used += i.Size - i.SharedSize
			}
		}
	}
	img.reclaimable = img.size - used
	out["images"] = img
	var c dockerFigures
	c.total = int64(len(du.Containers))
	for _, x := range du.Containers {
		switch x.State {
		case "running", "paused", "restarting":
			c.active++
		default:
			c.reclaimable += x.SizeRw
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
			if x.UsageData.RefCount == 0 {
				v.reclaimable += x.UsageData.Size
			}
		}
	}
	out["volumes"] = v
	var b dockerFigures
	b.total = int64(len(du.BuildCache))
	var inUse int64
	for _, x := range du.BuildCache {
		if x.InUse {
			b.active++
		}
		if !x.Shared {
			b.size += x.Size
			if x.InUse {
				inUse += x.Size
			}
		}
	}
	b.reclaimable = b.size - inUse
	out["buildCache"] = b
	return out
}

type kindDoc struct {
	Total            int64            `json:"total"`
	Active           int64            `json:"active"`
	Size             *int64           `json:"size"`
	Reclaimable      *int64           `json:"reclaimable"`
	ReclaimableExact *int64           `json:"reclaimableExact"`
	HeldByBuildCache *int64           `json:"heldByBuildCache"`
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
// against the engine's own system df: TOTAL, ACTIVE, SIZE and RECLAIMABLE
// of every kind equal what docker system df of the engine's generation
// reports.
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
	rep, err := e.SystemDFReported(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := dockerDF(du, rep)
	bytes := func(n *int64) string {
		if n == nil {
			return "null"
		}
		return fmt.Sprint(*n)
	}
	for k, w := range want {
		got := kinds[k]
		if got.Total != w.total || got.Active != w.active || got.Size == nil || *got.Size != w.size ||
			got.Reclaimable == nil || *got.Reclaimable != w.reclaimable {
			t.Errorf("%s: bilge total %d active %d size %s reclaimable %s; engine total %d active %d size %d reclaimable %d",
				k, got.Total, got.Active, bytes(got.Size), bytes(got.Reclaimable), w.total, w.active, w.size, w.reclaimable)
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
// df's, printed on the same state by the docker CLI of the engine's
// generation (CLI 29.7.2 for Engine 29, CLI 20.10 for Debian's engine),
// cell by cell for TYPE, TOTAL, ACTIVE, SIZE and RECLAIMABLE.
func TestDFTextMatchesDockerCLI(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	enginetest.Seed(t, e)
	ours, cli, out, cliOut := dfTables(t)
	for _, typ := range dfTypes {
		t.Run(typ, func(t *testing.T) {
			if !slices.Equal(ours[typ], cli[typ]) {
				t.Errorf("%s: bilge %q, docker %q\nbilge:\n%s\ndocker:\n%s", typ, ours[typ], cli[typ], out, cliOut)
			}
		})
	}
	t.Logf("bilge df:\n%s\ndocker system df:\n%s", out, cliOut)
}

// dfTypes are the rows of docker system df, in its order.
var dfTypes = []string{"Images", "Containers", "Local Volumes", "Build Cache"}

// dfTables returns bilge df's table and docker system df's, printed now
// by the docker CLI of the engine's generation (CLI 29.7.2 for Engine 29,
// CLI 20.10 for Debian's engine): TOTAL, ACTIVE, SIZE and RECLAIMABLE by
// TYPE, and both outputs. Every row is in both, or the test fails.
func dfTables(t *testing.T) (ours, cli map[string][]string, out, cliOut []byte) {
	t.Helper()
	_, out = bilgeDF(t)
	cmd := enginetest.DockerCLI(t, "system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}")
	cliOut, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s system df: %v\n%s", cmd.Path, err, stderr)
	}
	// The table's cells are apart by three spaces or more; within a cell
	// ("Local Volumes", "6.8MB (77%)") by one.
	cells := regexp.MustCompile(`\s{2,}`)
	ours = map[string][]string{}
	lines := strings.Split(string(out), "\n")
	if len(lines) < 6 {
		t.Fatalf("bilge df printed no table:\n%s", out)
	}
	for _, line := range lines[1:6] { // the header, then one row per kind
		f := cells.Split(strings.TrimSpace(line), -1)
		if len(f) < 5 {
			t.Fatalf("bilge df row %q has %d cells", line, len(f))
		}
		ours[f[0]] = f[1:5]
	}
	rows := strings.Split(strings.TrimSpace(string(cliOut)), "\n")
	if len(rows) != len(dfTypes) {
		t.Fatalf("docker system df printed %d rows, want %d:\n%s", len(rows), len(dfTypes), cliOut)
	}
	cli = map[string][]string{}
	for _, line := range rows {
		p := strings.Split(line, "|")
		cli[p[0]] = p[1:]
	}
	for _, typ := range dfTypes {
		if ours[typ] == nil || cli[typ] == nil {
			t.Fatalf("no %q row in bilge df or docker system df:\n%s\n%s", typ, out, cliOut)
		}
	}
	return ours, cli, out, cliOut
}
