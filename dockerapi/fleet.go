package dockerapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/moby/client"

	"bilge/model"
)

// ContextName is one docker context of ContextNames: its name, or, when
// its meta.json cannot be read, its directory's name and why.
type ContextName struct {
	Name string
	Err  error
}

// ContextNames lists the docker contexts as `docker context ls` does:
// "default" first (DOCKER_HOST or the local socket), then every context
// stored under $DOCKER_CONFIG/contexts/meta, by name. A context whose
// meta.json cannot be read is still listed, under its directory name,
// with the reason. No contexts directory is not an error: the default
// context alone.
func ContextNames(env Env) ([]ContextName, error) {
	if env == nil {
		env = os.Getenv
	}
	dir := filepath.Join(ConfigDir(env), "contexts", "meta")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return []ContextName{{Name: "default"}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list the docker contexts in %s: %v", dir, oneLine(err))
	}
	var names []ContextName
	for _, ent := range entries {
		if !ent.IsDir() {
			continue
		}
		path := filepath.Join(dir, ent.Name(), "meta.json")
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // not a context (the CLI skips it too)
		}
		var meta contextMeta
		switch {
		case err != nil:
			err = fmt.Errorf("cannot read %s: %v", path, oneLine(err))
		case json.Unmarshal(data, &meta) != nil:
			err = fmt.Errorf("%s is not valid JSON", path)
		case meta.Name == "" || meta.Name == "default" || ContextDirName(meta.Name) != ent.Name():
			err = fmt.Errorf("%s names context %q, which is not stored there", path, meta.Name)
		}
		if err != nil {
			names = append(names, ContextName{Name: model.SafeText(ent.Name()), Err: err})
			continue
		}
		names = append(names, ContextName{Name: meta.Name})
	}
	sort.Slice(names, func(i, j int) bool { return names[i].Name < names[j].Name })
	return append([]ContextName{{Name: "default"}}, names...), nil
}

// Storage names how the engine stores images, from /info: the storage
// driver ("overlay2"), or "containerd" when images are in containerd's
// image store (Docker 29's default; its Driver is the snapshotter,
// "overlayfs"). The name is safe text.
func (e *Engine) Storage(ctx context.Context) (string, error) {
	ctx, done := e.start(ctx, "GET /info", e.timeouts.Call)
	res, err := e.api.Info(ctx, client.InfoOptions{})
	if err = done(err); err != nil {
		return "", e.explain(err)
	}
	for _, kv := range res.Info.DriverStatus {
		if kv[0] == "driver-type" && strings.Contains(kv[1], "containerd.snapshotter") {
			return "containerd", nil
		}
	}
	return model.SafeText(res.Info.Driver), nil
}
