package dockerapi

import (
	"context"
	"strings"
	"time"

	"github.com/moby/moby/api/types/system"

	"bilge/model"
)

// Podman's Docker-compatible API (podman system service) fills some fields
// differently from Docker's; this file is where bilge meets those
// differences, so that everything past dockerapi stays engine-neutral.
// What Podman 4.3 does (pkg/api/handlers/compat at v4.3.1):
//
//   - /version names the component "Podman Engine";
//   - image IDs in /system/df and parent IDs in /images/json lack the
//     "sha256:" prefix; /system/df lists an image once per tag, with
//     LayersSize 0 and SharedSize its parent image's size (0 without one);
//   - a container's network entries name the network by name, not ID
//     (model.Snapshot.Link resolves both);
//   - no network events, no build cache (POST /build/prune is 404);
//   - the default network ("bridge") is given the listing time as its
//     creation time;
//   - DELETE /images/{id}?force=1 removes every container using the image,
//     running ones included (bilge never sends force).

// ProductPodman is model.Engine.Product for Podman.
const ProductPodman = "Podman"

// podmanComponent is the /version component Podman names itself with.
const podmanComponent = "Podman Engine"

// isPodman reports whether /version's components are Podman's.
func isPodman(cs []system.ComponentVersion) bool {
	for _, c := range cs {
		if c.Name == podmanComponent {
			return true
		}
	}
	return false
}

// podmanIdentity marks an identity as Podman's, with what it lacks.
func podmanIdentity(id *model.Engine) {
	id.Product = ProductPodman
	id.NoBuildCache = true
	id.NoNetworkEvents = true
	id.StoppedUseNetworks = true
}

// normID gives a bare 64-hex-digit image ID the "sha256:" prefix Docker's
// IDs carry (Podman leaves it off in places); any other string is kept.
func normID(id string) string {
	if len(id) != 64 {
		return id
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return id
		}
	}
	return "sha256:" + id
}

// fixNetworks undoes what Podman makes up about its networks: the
// default network's creation time is the time of the list (it is built
// in memory on every call), so it is left unknown rather than shown as
// "just now".
func (e *Engine) fixNetworks(nets []model.Network) {
	if !e.podman.Load() {
		return
	}
	for i := range nets {
		if nets[i].Name == "bridge" {
			nets[i].Created = time.Time{}
		}
	}
}

// dedupeImageUsage keeps one entry per image ID (Podman's /system/df lists
// an image once per tag), the first.
func dedupeImageUsage(us []model.ImageUsage) []model.ImageUsage {
	seen := make(map[string]bool, len(us))
	out := us[:0]
	for _, u := range us {
		if seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		out = append(out, u)
	}
	return out
}

// layerTableSizes is, from bilge's own layer table (the images' history
// sizes, cached), every layer of the given images counted once — the
// figure Docker reports as LayersSize — and each image's shared size: its
// layers another of the images also has, each once (Docker's SharedSize).
// Podman's SharedSize is the size of the image's parent image in its
// layer tree: 0 for images that share layers but no whole image (a base
// pulled in each, or images loaded with common layers), so SHARED read 0
// and UNIQUE the whole image for images that share most of their bytes.
// Unknown total and nil shared when any image's layers cannot be read.
func (e *Engine) layerTableSizes(ctx context.Context, ids []string) (total int64, shared map[string]int64) {
	known, err := e.Layers(ctx, ids)
	if err != nil {
		return model.Unknown, nil
	}
	key := func(l model.Layer) string {
		if l.ChainID != "" {
			return l.ChainID
		}
		return l.DiffID
	}
	users := make(map[string]int) // layer → images that have it
	for _, id := range ids {
		l, ok := known[id]
		if !ok {
			return model.Unknown, nil // gone meanwhile: the total would be a guess
		}
		seen := make(map[string]bool, len(l.Layers))
		for _, layer := range l.Layers {
			k := key(layer)
			if seen[k] {
				continue
			}
			seen[k] = true
			if users[k] == 0 {
				total += layer.Size
			}
			users[k]++
		}
	}
	shared = make(map[string]int64, len(ids))
	for _, id := range ids {
		seen := make(map[string]bool)
		var n int64
		for _, layer := range known[id].Layers {
			k := key(layer)
			if !seen[k] && users[k] > 1 {
				n += layer.Size
			}
			seen[k] = true
		}
		shared[id] = n
	}
	return total, shared
}

// podmanDeleteByIDRefusal is Podman's refusal to delete by ID an image
// with several tags (Docker's "referenced in multiple repositories"
// conflict, but a 500): untagging lifts it as it lifts Docker's.
func podmanDeleteByIDRefusal(err error) bool {
	return err != nil && strings.Contains(err.Error(), "by ID with more than one tag")
}
