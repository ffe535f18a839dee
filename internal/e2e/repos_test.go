package e2e

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/model"
)

// TestUIRepositoryMarkAndDelete: the Images tab grouped by repository (R)
// on a seeded state where one repository, <run>/grp, holds two images —
// delta (also tagged <run>/delta:latest) and the seed's untagged image,
// tagged into it here. Its row counts 2 tags and 2 images and shows as
// FREES what bilge's model predicts for deleting both; space on it marks
// exactly those two; deleting them removes exactly those, and df's images
// SIZE drops by the prediction to the byte (tolerance 0, as in
// TestExactReclaimMatchesEngine).
func TestUIRepositoryMarkAndDelete(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	t.Logf("run %s", s.RunID)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	repo := s.Repo + "/grp"
	for tag, role := range map[string]string{"delta": "delta", "old": "dangling"} {
		if err := e.Do(ctx, http.MethodPost, "/images/"+s.Images[role].ID+"/tag", url.Values{"repo": {repo}, "tag": {tag}}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	group := []string{s.Images["delta"].ID, s.Images["dangling"].ID}

	// The prediction: bilge's model over the engine as bilge reads it.
	_, snap := bilgeSnapshot(ctx, t, e)
	ix := model.NewReclaimIndex(snap)
	marks := model.NewMarks()
	for _, id := range group {
		marks.Set(model.KindImage, id, true)
	}
	pred := ix.Compute(marks)
	if pred.Pending || len(pred.Blocked) > 0 || pred.HeldByBuildCache != 0 {
		t.Fatalf("prediction %+v", pred)
	}
	if !e.ContainerdStore() {
		// The seed's own figure: delta's and the old beta layer (base stays).
		if want := layerSize(t, s, "delta") + layerSize(t, s, "beta-old"); pred.Images != want {
			t.Errorf("prediction %d bytes, the seed says %d", pred.Images, want)
		}
	}
	frees := model.HumanSize(pred.Total)
	t.Logf("predicted: %d bytes (%s)", pred.Total, frees)

	tm := startBilge(t, e)
	tm.keys("2", "R", "/")
	tm.text(repo + ":")
	tm.keys("Enter", "n", "End") // by name: <run>/delta, then <run>/grp
	// The row, once the layers are in (FREES is … until then).
	row := regexp.MustCompile(`▸\s+\+ \S*/grp\s+(\d+)\s+(\d+)\s+\S+\s+(\S+)\s`)
	scr := tm.waitFor("the grp row with its FREES", 60*time.Second, func(scr string) bool {
		m := row.FindStringSubmatch(scr)
		return m != nil && m[3] != model.Pending
	})
	m := row.FindStringSubmatch(scr)
	if m[1] != "2" || m[2] != "2" || m[3] != frees {
		t.Errorf("grp row: %s tags, %s images, FREES %s; want 2, 2, %s:\n%s", m[1], m[2], m[3], frees, scr)
	}
	tm.keys("Space")
	scr = tm.waitText("marked 2 images of", 10*time.Second)
	if want := "frees " + frees; !strings.Contains(scr, want) || !strings.Contains(scr, "1 also tagged elsewhere") {
		t.Errorf("the flash lacks %q or the note about delta's other tag:\n%s", want, scr)
	}

	before, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tm.keys("d")
	tm.waitText("Delete 2 objects?", 10*time.Second)
	tm.keys("y")
	scr = tm.waitText("measured before and after", 60*time.Second)
	after, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(scr, "2 deleted, 0 failed") {
		t.Errorf("not all deleted:\n%s", scr)
	}
	for role, img := range s.Images {
		gone := role == "delta" || role == "dangling"
		if exists(t, e, "/images/"+img.ID+"/json") == gone {
			t.Errorf("image %s: deleted %v, want %v", role, !gone, gone)
		}
	}
	drop := totalsOf(before).images - totalsOf(after).images
	t.Logf("measured: df's images SIZE dropped %d bytes", drop)
	if drop != pred.Images {
		t.Errorf("df's images SIZE dropped %d, the grp row predicted %d", drop, pred.Images)
	}
}
