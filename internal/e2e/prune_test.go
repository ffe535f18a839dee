package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"bilge/internal/deletionlog"
	"bilge/internal/enginetest"
	"bilge/internal/testbin"
	"bilge/model"
)

// prunePolicy is a policy scoped to one seeded run (by its label), so it
// never touches anything else on the daemon. Rules in order:
//
//	dangling         the run's dangling images
//	run images       the run's unused images (keep-refs keeps "built")
//	stopped for a day  stopped a day ago or more: none, all just stopped
//	stopped          the run's stopped containers
//	run volumes      the run's unused volumes, named ones too (match "*")
//	idle networks    the run's unused networks (keep-labels keeps idle-2)
func prunePolicy(s *enginetest.State) string {
	run := enginetest.Label + "=" + s.RunID
	return fmt.Sprintf(`keep-labels: ["%[2]s=idle-2"]
keep-refs: ["%[3]s/built:*"]
rules:
  - name: dangling
    remove: dangling
    labels: ["%[1]s"]
  - name: run images
    remove: images
    match: ["%[3]s/*"]
    labels: ["%[1]s"]
  - name: stopped for a day
    remove: containers
    labels: ["%[1]s"]
    older: 1d
  - name: stopped
    remove: containers
    labels: ["%[1]s"]
  - name: run volumes
    remove: volumes
    match: ["*"]
    labels: ["%[1]s"]
  - name: idle networks
    remove: networks
    labels: ["%[1]s"]
`, run, enginetest.RoleLabel, s.Repo)
}

// The plan the policy must make on the seed, written from the seed's
// documentation (enginetest), independently of bilge: "kind role rule".
var prunePlanWant = []string{
	"container created stopped",
	"container exited stopped",
	"container failed stopped",
	"image dangling dangling",
	"image delta run images",
	"network idle-1 idle networks",
	"volume empty run volumes",
	"volume unused run volumes",
}

// And what rules select that stays: "kind role reason".
var pruneHeldWant = []string{
	"image alpha in use by container",
	"image beta in use by container",
	"image built keep ",
	"image gamma in use by container",
	"network app in use",
	"network idle-2 keep label",
	"volume anon in use",
	"volume data in use",
}

type pruneItemJSON struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
	Status string `json:"status"`
	Error  string `json:"error"`
	Bytes  int64  `json:"bytes"`
}

type pruneDocJSON struct {
	DryRun bool            `json:"dryRun"`
	Items  []pruneItemJSON `json:"items"`
	Held   []pruneItemJSON `json:"held"`
	Total  struct {
		Bytes, Images, Containers, Volumes, BuildCache, HeldByBuildCache int64
		Pending                                                          bool
	} `json:"total"`
	Outcomes []pruneItemJSON `json:"outcomes"`
	Measured *struct {
		Freed, Predicted int64
	} `json:"measured"`
}

// runPrune runs the bilge binary's prune with a private cache, config and
// state (the deletions log).
func runPrune(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runPruneState(t, t.TempDir(), args...)
}

// runPruneState is runPrune keeping bilge's state (its deletions log) in
// state.
func runPruneState(t *testing.T, state string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cfg := t.TempDir()
	cmd := exec.Command(testbin.Build(t), append([]string{"prune"}, args...)...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cfg, "XDG_CONFIG_HOME="+cfg, "DOCKER_CONFIG="+cfg, "DOCKER_CONTEXT=", "XDG_STATE_HOME="+state)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("bilge prune: %v", err)
	}
	return code, out.String(), errb.String()
}

func pruneDoc(t *testing.T, out string) pruneDocJSON {
	t.Helper()
	var d pruneDocJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return d
}

// roleLines are "kind role rule-or-reason" for items of the run.
func roleLines(s *enginetest.State, items []pruneItemJSON, reason bool) []string {
	kinds := map[string]model.Kind{"image": model.KindImage, "container": model.KindContainer, "volume": model.KindVolume, "network": model.KindNetwork}
	var out []string
	for _, it := range items {
		role := roleOf(s, kinds[it.Kind], it.ID)
		if role == "" {
			role = "not-of-the-run:" + it.ID
		}
		what := it.Rule
		if reason {
			// The reason's particulars (which container) vary.
			what = it.Reason
			for _, p := range []string{"in use by container", "in use", "keep label", "keep "} {
				if strings.HasPrefix(what, p) {
					what = p
					break
				}
			}
		}
		out = append(out, it.Kind+" "+role+" "+what)
	}
	sort.Strings(out)
	return out
}

// seedObjects are the API paths of every object of the seed.
func seedObjects(s *enginetest.State) map[string]string {
	m := map[string]string{}
	for role, img := range s.Images {
		m["image "+role] = "/images/" + img.ID + "/json"
	}
	for role, c := range s.Containers {
		m["container "+role] = "/containers/" + c.ID + "/json"
	}
	for role, v := range s.Volumes {
		m["volume "+role] = "/volumes/" + url.PathEscape(v.Name)
	}
	for role, n := range s.Networks {
		m["network "+role] = "/networks/" + n.ID
	}
	return m
}

// checkGone checks exactly the planned objects of the seed are gone.
func checkGone(t *testing.T, e *enginetest.Engine, s *enginetest.State, planned []string) {
	t.Helper()
	gone := map[string]bool{}
	for _, p := range planned {
		f := strings.Fields(p)
		gone[f[0]+" "+f[1]] = true
	}
	for obj, path := range seedObjects(s) {
		if there := exists(t, e, path); there == gone[obj] {
			t.Errorf("%s: there %v, planned for deletion %v", obj, there, gone[obj])
		}
	}
}

// TestPrunePolicyEndToEnd: on a seeded state, bad input deletes nothing;
// the dry run's plan and held objects equal the expectation written from
// the seed; prune -f deletes exactly that plan, and the engine's df drops
// by exactly what the plan predicted (tolerance 0, as in
// TestExactReclaimMatchesEngine).
func TestPrunePolicyEndToEnd(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	s := enginetest.Seed(t, e)
	t.Logf("run %s", s.RunID)
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte(prunePolicy(s)), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("bad input deletes nothing", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.yaml")
		text := strings.Replace(prunePolicy(s), "older: 1d", "older: 1 day", 1)
		if err := os.WriteFile(bad, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"-f", "--policy", bad},
			{"-f", "--policy", filepath.Join(dir, "missing.yaml")},
			{"-f", "--older", "7x"},
			{"--policy", policy}, // no terminal, no -f
		} {
			code, stdout, stderr := runPrune(t, args...)
			if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "bilge: ") {
				t.Errorf("%v: exit %d, stderr %q, want 1 and one line", args, code, stderr)
			}
			if strings.Contains(stdout, "deleted") {
				t.Errorf("%v deleted something:\n%s", args, stdout)
			}
			t.Logf("%v: %s", args, strings.TrimSpace(stderr))
		}
		if _, _, stderr := runPrune(t, "-f", "--policy", bad); !strings.Contains(stderr, bad+":14: rules[2].older:") {
			t.Errorf("the error does not name file, line and key: %q", stderr)
		}
		checkGone(t, e, s, nil)
	})

	code, out, stderr := runPrune(t, "--policy", policy, "--dry-run", "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("dry run: exit %d, stderr %q", code, stderr)
	}
	dry := pruneDoc(t, out)
	if got := roleLines(s, dry.Items, false); !reflect.DeepEqual(got, prunePlanWant) {
		t.Errorf("plan:\n got %q\nwant %q", got, prunePlanWant)
	}
	if got := roleLines(s, dry.Held, true); !reflect.DeepEqual(got, pruneHeldWant) {
		t.Errorf("held:\n got %q\nwant %q", got, pruneHeldWant)
	}
	if dry.Total.Pending {
		t.Fatalf("prediction pending: %+v", dry.Total)
	}
	if !e.ContainerdStore() {
		// The seed's own figures: delta's and beta-old's layers, the
		// exited container's writes, the unused volume.
		want := layerSize(t, s, "delta") + layerSize(t, s, "beta-old") + s.Containers["exited"].SizeRw + s.Volumes["unused"].Size + s.Volumes["empty"].Size
		if dry.Total.Bytes != want {
			t.Errorf("plan frees %d, the seed says %d", dry.Total.Bytes, want)
		}
	}

	beforeDF, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	code, out, stderr = runPruneState(t, state, "--policy", policy, "-f", "--json")
	afterDF, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || stderr != "" {
		t.Fatalf("prune -f: exit %d, stderr %q\n%s", code, stderr, out)
	}
	done := pruneDoc(t, out)
	if got := roleLines(s, done.Items, false); !reflect.DeepEqual(got, prunePlanWant) {
		t.Errorf("prune -f planned:\n got %q\nwant %q", got, prunePlanWant)
	}
	if len(done.Outcomes) != len(done.Items) {
		t.Errorf("%d outcomes for %d items", len(done.Outcomes), len(done.Items))
	}
	for _, o := range done.Outcomes {
		if o.Status != "deleted" || o.Rule == "" {
			t.Errorf("outcome %+v", o)
		}
	}
	checkGone(t, e, s, prunePlanWant)
	checkPruneLogged(t, state, done.Outcomes)

	before, after := totalsOf(beforeDF), totalsOf(afterDF)
	drop := before.images - after.images + before.containers - after.containers + before.volumes - after.volumes - (after.buildCache - before.buildCache)
	t.Logf("predicted %+v; df dropped images %d containers %d volumes %d, build cache grew %d",
		done.Total, before.images-after.images, before.containers-after.containers, before.volumes-after.volumes, after.buildCache-before.buildCache)
	if done.Total.Images != before.images-after.images || done.Total.Containers != before.containers-after.containers ||
		done.Total.Volumes != before.volumes-after.volumes || done.Total.HeldByBuildCache != after.buildCache-before.buildCache {
		t.Errorf("per kind: predicted %+v, measured images %d containers %d volumes %d build cache +%d",
			done.Total, before.images-after.images, before.containers-after.containers, before.volumes-after.volumes, after.buildCache-before.buildCache)
	}
	if done.Total.Bytes != drop {
		t.Errorf("total: predicted %d, df dropped %d", done.Total.Bytes, drop)
	}
	if done.Measured == nil || done.Measured.Freed != drop || done.Measured.Predicted != done.Total.Bytes {
		t.Errorf("bilge's own measure %+v, df dropped %d", done.Measured, drop)
	}
}

// TestPruneLeavesWhatCameAfterThePlan: objects created while bilge prune
// waits at [y/N] — a volume and a container the policy's rules would
// select, the container made from an image in the plan — are untouched;
// the image the new container uses fails (never forced) with the engine's
// reason, the rest goes, and the exit status is 2.
func TestPruneLeavesWhatCameAfterThePlan(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx := context.Background()
	s := enginetest.Seed(t, e)
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte(prunePolicy(s)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := t.TempDir()
	env := []string{"DOCKER_HOST=" + e.Host(), "DOCKER_CONTEXT=", "DOCKER_CONFIG=" + cfg, "XDG_CACHE_HOME=" + cfg, "XDG_STATE_HOME=" + cfg}
	tm := startTerm(t, 200, 100, env, testbin.Build(t), "prune", "--policy", policy)
	tm.waitText("[y/N]", 60*time.Second)

	lateVol := s.Prefix + "-late"
	body := fmt.Sprintf(`{"Name": %q, "Labels": {%q: %q}}`, lateVol, enginetest.Label, s.RunID)
	if err := e.Do(ctx, http.MethodPost, "/volumes/create", nil, strings.NewReader(body), nil); err != nil {
		t.Fatal(err)
	}
	lateCtr := createStopped(t, e, s, "late", s.Images["delta"].ID)

	tm.text("y")
	tm.keys("Enter")
	scr := tm.waitText("[bilge exited", 120*time.Second)
	if !strings.Contains(scr, "[bilge exited 2]") {
		t.Errorf("want exit 2 (delta fails). Screen:\n%s", scr)
	}
	if !strings.Contains(scr, "being used by") {
		t.Errorf("no engine reason for delta. Screen:\n%s", scr)
	}
	if !exists(t, e, "/volumes/"+lateVol) || !exists(t, e, "/containers/"+lateCtr+"/json") {
		t.Errorf("an object created after the plan was deleted")
	}
	var planned []string
	for _, p := range prunePlanWant {
		if p != "image delta run images" {
			planned = append(planned, p)
		}
	}
	checkGone(t, e, s, planned)
}

type pruneBudgetJSON struct {
	Name   string `json:"name"`
	Limit  int64  `json:"limit"`
	Before *int64 `json:"before"`
	After  *int64 `json:"after"`
	Met    bool   `json:"met"`
	Why    string `json:"why"`
}

// TestPruneMaxSize: a max-size budget that needs exactly what the
// dangling and delta images free takes both, whatever order their last
// use puts them in, and not "built" (BuildKit-built: its bytes would stay
// in the build cache, so it frees nothing); after prune -f the engine's
// total is within the budget and dropped by the prediction. A budget no
// plan can reach says so. Budgets weigh every unused image on the daemon:
// the test first checks that the seed's are the only ones.
func TestPruneMaxSize(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx := context.Background()
	s := enginetest.Seed(t, e)
	var imgs []struct {
		ID     string            `json:"Id"`
		Labels map[string]string `json:"Labels"`
	}
	if err := e.Do(ctx, http.MethodGet, "/images/json", nil, nil, &imgs); err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs {
		if img.Labels[enginetest.Label] != s.RunID {
			t.Fatalf("image %s is not the seed's: a budget could delete it", img.ID)
		}
	}
	frees := func(args ...string) int64 {
		code, out, stderr := runPrune(t, append([]string{"--dry-run", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, stderr)
		}
		return pruneDoc(t, out).Total.Bytes
	}
	need := frees("--match", s.Repo+"/delta:*") + frees("--dangling", "--label", enginetest.Label+"="+s.RunID)
	if !e.ContainerdStore() {
		if want := layerSize(t, s, "delta") + layerSize(t, s, "beta-old"); need != want {
			t.Errorf("delta and dangling free %d, the seed says %d", need, want)
		}
	}
	beforeDF, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := totalsOf(beforeDF)
	total := b.images + b.containers + b.volumes + b.buildCache
	limit := total - need

	code, out, stderr := runPrune(t, "--max-size", "1B", "--dry-run", "--json")
	var unreachable struct {
		Budgets []pruneBudgetJSON `json:"budgets"`
	}
	if err := json.Unmarshal([]byte(out), &unreachable); code != 0 || err != nil || len(unreachable.Budgets) != 1 ||
		unreachable.Budgets[0].Met || !strings.Contains(unreachable.Budgets[0].Why, "no plan can reach it") {
		t.Errorf("max-size 1B: exit %d %s %v %+v", code, stderr, err, unreachable.Budgets)
	}

	// The daemon is local: the free space of its data root's filesystem
	// is seen (1 byte free holds already, so the plan is empty).
	code, out, stderr = runPrune(t, "--min-free", "1B", "--dry-run", "--json")
	var free struct {
		Items   []pruneItemJSON   `json:"items"`
		Budgets []pruneBudgetJSON `json:"budgets"`
	}
	if err := json.Unmarshal([]byte(out), &free); code != 0 || err != nil || len(free.Budgets) != 1 || free.Budgets[0].Before == nil ||
		*free.Budgets[0].Before <= 0 || !free.Budgets[0].Met || len(free.Items) != 0 {
		t.Errorf("min-free 1B: exit %d %s %v %+v", code, stderr, err, free)
	}

	code, out, stderr = runPrune(t, "--max-size", fmt.Sprintf("%dB", limit), "-f", "--json")
	afterDF, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || stderr != "" {
		t.Fatalf("prune -f: exit %d, stderr %q\n%s", code, stderr, out)
	}
	done := pruneDoc(t, out)
	var budget struct {
		Budgets []pruneBudgetJSON `json:"budgets"`
	}
	_ = json.Unmarshal([]byte(out), &budget)
	rule := fmt.Sprintf("max-size %s", model.HumanSize(limit))
	want := []string{"image dangling " + rule, "image delta " + rule}
	if got := roleLines(s, done.Items, false); !reflect.DeepEqual(got, want) {
		t.Errorf("plan:\n got %q\nwant %q", got, want)
	}
	if len(budget.Budgets) != 1 || !budget.Budgets[0].Met || budget.Budgets[0].After == nil || *budget.Budgets[0].After > limit {
		t.Errorf("budget %+v, limit %d", budget.Budgets, limit)
	}
	a := totalsOf(afterDF)
	after := a.images + a.containers + a.volumes + a.buildCache
	t.Logf("total %d → %d, limit %d, predicted to free %d", total, after, limit, done.Total.Bytes)
	if after > limit || total-after != done.Total.Bytes {
		t.Errorf("df total %d → %d (dropped %d), limit %d, predicted drop %d", total, after, total-after, limit, done.Total.Bytes)
	}
}

// checkPruneLogged checks the deletions log in state has one entry for
// each deleted outcome, with its rule.
func checkPruneLogged(t *testing.T, state string, outcomes []pruneItemJSON) {
	t.Helper()
	entries, bad, err := deletionlog.Read(filepath.Join(state, "bilge", "deletions.jsonl"))
	if err != nil || bad != 0 {
		t.Fatalf("deletions log: %v (%d bad lines)", err, bad)
	}
	want := map[string]string{}
	for _, o := range outcomes {
		if o.Status == "deleted" {
			want[o.ID] = o.Rule
		}
	}
	if len(want) == 0 {
		t.Fatal("nothing deleted: nothing to find in the log")
	}
	got := map[string]string{}
	for _, en := range entries {
		got[en.ID] = en.Rule
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deletions log: id → rule\n got %v\nwant %v", got, want)
	}
}
