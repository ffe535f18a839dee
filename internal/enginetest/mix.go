package enginetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

// CommitWrite is what the container of SeedMix writes before it is
// committed: 3 MiB.
const CommitWrite = 3 << 20

// SeedMix seeds the five images of issue 11's table, each made the way
// people make images, and registers a t.Cleanup that removes them (R =
// bilge-test/<run ID>):
//
//	imported   R/imported:latest  POST /images/create?fromSrc=- of a tar of
//	                              the base layer (testprog + 1 MB)
//	built      R/built:latest     BuildKit (POST /build?version=2):
//	                              FROM R/imported, COPY a 1 MB blob
//	committed  R/committed:latest POST /commit of container "writer"
//	                              (from imported, wrote 3 MiB, exited)
//	la, lb     R/la:1, R/lb:1     loaded from a docker-save archive made
//	                              in Go: the base layer (the same tar as
//	                              the import) + 2 MB and + 1 MB
//
// The container "writer" stays, so imported is the only image in use;
// built, committed, la and lb are used by no container. Every object
// carries the run's labels (the committed image the writer's, with its
// own role).
func SeedMix(t testing.TB, e *Engine) *State {
	t.Helper()
	runID, ctx, cancel := startRun(t, e)
	defer cancel()
	s := newState(runID)
	if err := e.seedMix(ctx, s); err != nil {
		t.Fatalf("enginetest: seeding the mix of run %s: %v", runID, err)
	}
	return s
}

// inspectImage returns an image's ID and diff IDs.
func (e *Engine) inspectImage(ctx context.Context, ref string) (string, []string, error) {
	var ins struct {
		ID     string `json:"Id"`
		RootFS struct{ Layers []string }
	}
	if err := e.Do(ctx, http.MethodGet, "/images/"+ref+"/json", nil, nil, &ins); err != nil {
		return "", nil, err
	}
	return ins.ID, ins.RootFS.Layers, nil
}

func (e *Engine) seedMix(ctx context.Context, s *State) error {
	prog, err := testProgram(e.arch)
	if err != nil {
		return err
	}
	label := func(role string) string {
		return fmt.Sprintf("LABEL %s=%s %s=%s", Label, s.RunID, RoleLabel, role)
	}
	layer := func(name string, files []layerFile) (Layer, []byte, error) {
		tb, size, err := tarFiles(files)
		if err != nil {
			return Layer{}, nil, err
		}
		sum := sha256.Sum256(tb)
		return Layer{Name: name, DiffID: "sha256:" + hex.EncodeToString(sum[:]), Size: size}, tb, nil
	}
	base, baseTar, err := layer("base", layerFiles(s.RunID, "base", prog))
	if err != nil {
		return err
	}
	check := func(role, ref string, want []Layer) error {
		id, diffIDs, err := e.inspectImage(ctx, ref)
		if err != nil {
			return fmt.Errorf("image %s: %w", role, err)
		}
		e.recordImages(s.RunID, id)
		var wantIDs []string
		for _, l := range want {
			wantIDs = append(wantIDs, l.DiffID)
		}
		if want != nil && !slices.Equal(diffIDs, wantIDs) {
			return fmt.Errorf("image %s: engine has layers %v, generated %v", role, diffIDs, wantIDs)
		}
		img := &Image{Role: role, ID: id, Tags: []string{ref}, Created: time.Now().UTC(), Layers: want}
		for _, l := range want {
			img.Size += l.Size
		}
		s.Images[role] = img
		return nil
	}

	// The import.
	ref := s.Repo + "/imported:latest"
	q := url.Values{"fromSrc": {"-"}, "repo": {s.Repo + "/imported"}, "tag": {"latest"},
		"changes": {label("imported"), `ENTRYPOINT ["` + ProgPath + `"]`}}
	if err := e.stream(ctx, http.MethodPost, "/images/create", q, bytes.NewReader(baseTar), "application/x-tar", nil); err != nil {
		return err
	}
	if err := check("imported", ref, []Layer{base}); err != nil {
		return err
	}

	// The BuildKit build on it.
	dockerfile := fmt.Sprintf("FROM %s\nCOPY blob /opt/built/blob\n", ref)
	ref = s.Repo + "/built:latest"
	id, err := e.build(ctx, s.RunID, ref, s.labels("built"), []layerFile{
		{path: "Dockerfile", mode: 0o644, data: []byte(dockerfile)},
		{path: "blob", mode: 0o644, data: randomBytes(s.RunID, "mix:built", 1*MB)},
	}, &s.BuildCache)
	if err != nil {
		return err
	}
	if err := check("built", ref, nil); err != nil {
		return err
	}
	if s.Images["built"].ID != id {
		return fmt.Errorf("image built: the build reported %s, the tag names %s", id, s.Images["built"].ID)
	}

	// The commit of a container that wrote 3 MiB; the container stays.
	writer := &Container{Role: "writer", Image: "imported", State: "exited", SizeRw: CommitWrite, Name: s.Prefix + "-writer"}
	writer.ID, err = e.createContainer(ctx, s, "writer", "imported", []string{"write", "/data/blob", fmt.Sprint(CommitWrite)}, nil, "")
	if err != nil {
		return err
	}
	s.Containers["writer"] = writer
	if code, err := e.runToExit(ctx, writer.ID); err != nil || code != 0 {
		return fmt.Errorf("container writer: exit code %d, %v", code, err)
	}
	ref = s.Repo + "/committed:latest"
	q = url.Values{"container": {writer.ID}, "repo": {s.Repo + "/committed"}, "tag": {"latest"}, "changes": {label("committed")}}
	var committed struct {
		ID string `json:"Id"`
	}
	if err := e.Do(ctx, http.MethodPost, "/commit", q, nil, &committed); err != nil {
		return err
	}
	e.recordImages(s.RunID, committed.ID)
	if err := check("committed", ref, nil); err != nil {
		return err
	}

	// Two loaded images on the imported base layer.
	la, laTar, err := layer("la", []layerFile{{path: "/opt/la/blob", mode: 0o644, data: randomBytes(s.RunID, "mix:la", 2*MB)}})
	if err != nil {
		return err
	}
	lb, lbTar, err := layer("lb", []layerFile{{path: "/opt/lb/blob", mode: 0o644, data: randomBytes(s.RunID, "mix:lb", 1*MB)}})
	if err != nil {
		return err
	}
	archive, err := saveArchive(e.arch, s, map[string][]byte{base.DiffID: baseTar, la.DiffID: laTar, lb.DiffID: lbTar},
		[]savedImage{{"la", "la:1", []Layer{base, la}}, {"lb", "lb:1", []Layer{base, lb}}})
	if err != nil {
		return err
	}
	if err := e.stream(ctx, http.MethodPost, "/images/load", url.Values{"quiet": {"1"}}, bytes.NewReader(archive), "application/x-tar", nil); err != nil {
		return err
	}
	if err := check("la", s.Repo+"/la:1", []Layer{base, la}); err != nil {
		return err
	}
	return check("lb", s.Repo+"/lb:1", []Layer{base, lb})
}

// savedImage is one image of saveArchive: its role, its tag (under the
// run's repository) and its layers.
type savedImage struct {
	role, tag string
	layers    []Layer
}

// saveArchive builds a docker-save archive of images, whose layer tars
// are in tars by diff ID.
func saveArchive(arch string, s *State, tars map[string][]byte, images []savedImage) ([]byte, error) {
	w := newSaveWriter(false)
	for _, im := range images {
		var c imageConfig
		c.Architecture, c.OS, c.Created = arch, "linux", layerEpoch
		c.Config.Entrypoint = []string{ProgPath}
		c.Config.Labels = map[string]string{Label: s.RunID, RoleLabel: im.role}
		c.RootFS.Type = "layers"
		var paths []string
		for _, l := range im.layers {
			path, err := w.layer(l.DiffID, tars[l.DiffID])
			if err != nil {
				return nil, err
			}
			paths = append(paths, path)
			c.RootFS.DiffIDs = append(c.RootFS.DiffIDs, l.DiffID)
			c.History = append(c.History, history{Created: layerEpoch, CreatedBy: "COPY " + l.Name + " / # buildkit"})
		}
		if _, err := w.image(c, []string{s.Repo + "/" + im.tag}, paths); err != nil {
			return nil, err
		}
	}
	return w.bytes()
}
