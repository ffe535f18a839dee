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

// ContextNames lists the docker contexts as `docker context ls` does:
// "default" first (DOCKER_HOST or the local socket), then every context
// stored under $DOCKER_CONFIG/contexts/meta, by name. A context whose
// meta.json cannot be read is still listed, under its directory name, so
// resolving it later says what is wrong with it. No contexts directory is
// not an error: the default context alone.
func ContextNames(env Env) ([]string, error) {
	if env == nil {
		env = os.Getenv
	}
	dir := filepath.Join(ConfigDir(env), "contexts", "meta")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return []string{"default"}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list the docker contexts in %s: %v", dir, oneLine(err))
	}
	var names []string
	for _, ent := range entries {
		if !ent.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, ent.Name(), "meta.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue // not a context (the CLI skips it too)
		}
		var meta contextMeta
		if err != nil || json.Unmarshal(data, &meta) != nil || meta.Name == "" || meta.Name == "default" ||
			ContextDirName(meta.Name) != ent.Name() {
			names = append(names, model.SafeText(ent.Name()))
			continue
		}
		names = append(names, meta.Name)
	}
	sort.Strings(names)
	return append([]string{"default"}, names...), nil
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
