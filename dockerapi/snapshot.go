package dockerapi

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
	"golang.org/x/sync/errgroup"

	"bilge/model"
)

// Lists fetches the cheap lists (images, containers, volumes, networks —
// no sizes) in parallel and links them. Costly sizes stay model.Unknown
// until DiskUsage is applied.
//
// early, when not nil, receives a copy of the images as soon as their list
// is in (the container list is the slow one on big hosts), from another
// goroutine; it must not block.
func (e *Engine) Lists(ctx context.Context, early func([]model.Image)) (*model.Snapshot, error) {
	start := e.now()
	s := &model.Snapshot{}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { s.Engine, err = e.Identity(gctx); return err })
	g.Go(func() (err error) {
		s.Images, err = e.Images(gctx)
		if err == nil && early != nil {
			early(slices.Clone(s.Images))
		}
		return err
	})
	g.Go(func() (err error) { s.Containers, err = e.Containers(gctx); return err })
	g.Go(func() (err error) { s.Volumes, err = e.Volumes(gctx); return err })
	g.Go(func() (err error) { s.Networks, err = e.Networks(gctx); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	s.ContainerdStore = e.containerd.Load()
	e.fixNetworks(s.Networks) // Identity may have come in after Networks
	s.ClearSizes()
	s.Link()
	s.ListedAt = e.now()
	s.ListDuration = s.ListedAt.Sub(start)
	return s, nil
}

// Snapshot fetches the lists and then the disk usage, and merges them.
func (e *Engine) Snapshot(ctx context.Context) (*model.Snapshot, error) {
	s, err := e.Lists(ctx, nil)
	if err != nil {
		return nil, err
	}
	du, err := e.DiskUsage(ctx)
	if err != nil {
		return nil, err
	}
	s.ApplyDiskUsage(du)
	return s, nil
}

// Images lists top-level images (as docker images and system df count
// them), without sizes the list call cannot give.
func (e *Engine) Images(ctx context.Context) ([]model.Image, error) {
	lctx, done := e.start(ctx, "GET /images/json", e.timeouts.Call)
	// Manifests (API ≥ 1.47; the client leaves it out before) is what
	// tells the containerd image store and gives its content sizes.
	res, err := e.api.ImageList(lctx, client.ImageListOptions{Manifests: true})
	if err = done(err); err != nil {
		return nil, fmt.Errorf("list images: %w", e.explain(err))
	}
	out := make([]model.Image, len(res.Items))
	e.noteListed(res.Items, false)
	for i := range res.Items {
		out[i] = mapImage(&res.Items[i])
		e.safeImage(&out[i])
		if len(res.Items[i].Manifests) > 0 {
			e.containerd.Store(true) // only that store lists manifests
		}
	}
	if err := e.resolveParents(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// resolveParents points each image's ParentID at its nearest listed
// ancestor. Legacy-builder chains run through intermediate images the
// top-level list hides (untagged, with children); without this a tagged
// base and the images built on it look unrelated, and deleting the base
// first fails with "image has dependent child images". Only hosts with
// such chains pay for the second list.
func (e *Engine) resolveParents(ctx context.Context, imgs []model.Image) error {
	listed := make(map[string]bool, len(imgs))
	for i := range imgs {
		listed[imgs[i].ID] = true
	}
	hidden := false
	for i := range imgs {
		if p := imgs[i].ParentID; p != "" && !listed[p] {
			hidden = true
			break
		}
	}
	if !hidden {
		return nil
	}
	ctx, done := e.start(ctx, "GET /images/json?all=1", e.timeouts.Call)
	res, err := e.api.ImageList(ctx, client.ImageListOptions{All: true})
	if err = done(err); err != nil {
		return fmt.Errorf("list images: %w", e.explain(err))
	}
	e.noteListed(res.Items, true)
	parent := make(map[string]string, len(res.Items))
	for i := range res.Items {
		parent[model.SafeText(normID(res.Items[i].ID))] = model.SafeText(normID(res.Items[i].ParentID))
	}
	for i := range imgs {
		p := imgs[i].ParentID
		for steps := 0; p != "" && !listed[p] && steps < len(parent); steps++ {
			p = parent[p]
		}
		if !listed[p] {
			p = ""
		}
		imgs[i].ParentID = p
	}
	return nil
}

func mapImage(s *image.Summary) model.Image {
	img := model.Image{
		ID:          normID(s.ID),
		ParentID:    normID(s.ParentID),
		Created:     time.Unix(s.Created, 0).UTC(),
		Labels:      s.Labels,
		Size:        s.Size,
		SharedSize:  s.SharedSize,
		ContentSize: contentSize(s),
	}
	for _, t := range s.RepoTags {
		if t != "<none>:<none>" && t != "" {
			img.Tags = append(img.Tags, t)
		}
	}
	sort.Strings(img.Tags)
	for _, d := range s.RepoDigests {
		if d != "<none>@<none>" && d != "" {
			img.Digests = append(img.Digests, d)
		}
	}
	return img
}

// contentSize is the packed content of an image on the containerd image
// store, as the engine's df counts it: each manifest's present content
// (Size.Content: the manifest, its config and its compressed layers,
// daemon/containerd/image_list.go), plus the index blob when the image's
// target is an index (its ID names no manifest of the list). Only the
// containerd store reports manifests; elsewhere, and before API 1.47, it is
// Unknown.
func contentSize(s *image.Summary) int64 {
	if len(s.Manifests) == 0 {
		return model.Unknown
	}
	var size int64
	index := true
	unpacked := 0
	for _, m := range s.Manifests {
		if m.Size.Content < 0 {
			return model.Unknown
		}
		if m.Kind == image.ManifestKindImage && m.ImageData != nil && m.ImageData.Size.Unpacked > 0 {
			unpacked++
		}
		size += m.Size.Content
		if m.ID == s.ID {
			index = false
		}
	}
	if unpacked > 1 {
		// Several platforms unpacked: bilge's layers are one platform's
		// (the history's), so what deleting the image frees would come
		// out low. Unknown, not a figure bilge cannot stand behind.
		return model.Unknown
	}
	if index && s.Descriptor != nil && s.Descriptor.Digest.String() == s.ID && s.Descriptor.Size > 0 {
		size += s.Descriptor.Size
	}
	return size
}

// ContainerdStore reports whether an image list has shown the containerd
// image store.
func (e *Engine) ContainerdStore() bool { return e.containerd.Load() }

// Containers lists every container, in any state, without sizes.
func (e *Engine) Containers(ctx context.Context) ([]model.Container, error) {
	ctx, done := e.start(ctx, "GET /containers/json", e.timeouts.Call)
	res, err := e.api.ContainerList(ctx, client.ContainerListOptions{All: true})
	if err = done(err); err != nil {
		return nil, fmt.Errorf("list containers: %w", e.explain(err))
	}
	out := make([]model.Container, len(res.Items))
	for i := range res.Items {
		out[i] = mapContainer(&res.Items[i])
		e.safeContainer(&out[i])
	}
	return out, nil
}

func mapContainer(s *container.Summary) model.Container {
	c := model.Container{
		ID:         s.ID,
		Image:      s.Image,
		ImageID:    normID(s.ImageID),
		State:      string(s.State),
		ExitCode:   exitCode(s.Status),
		Created:    time.Unix(s.Created, 0).UTC(),
		SizeRw:     model.Unknown,
		SizeRootFs: model.Unknown,
		Labels:     s.Labels,
	}
	if s.SizeRw != 0 || s.SizeRootFs != 0 {
		c.SizeRw, c.SizeRootFs = s.SizeRw, s.SizeRootFs
	}
	if len(s.Names) > 0 {
		c.Name = strings.TrimPrefix(s.Names[0], "/")
	}
	for _, m := range s.Mounts {
		c.Mounts = append(c.Mounts, model.Mount{
			Type:        string(m.Type),
			Name:        m.Name,
			Source:      m.Source,
			Destination: m.Destination,
		})
	}
	if s.NetworkSettings != nil {
		for _, n := range s.NetworkSettings.Networks {
			if n != nil && n.NetworkID != "" {
				c.Networks = append(c.Networks, n.NetworkID)
			}
		}
		sort.Strings(c.Networks)
	}
	return c
}

// exitCode reads the code from a status like "Exited (137) 5 minutes ago";
// the list call has no field for it.
func exitCode(status string) int {
	rest, ok := strings.CutPrefix(status, "Exited (")
	if !ok {
		return 0
	}
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return 0
	}
	n, err := strconv.Atoi(rest[:end])
	if err != nil {
		return 0
	}
	return n
}

// Volumes lists volumes; their sizes only come with disk usage.
func (e *Engine) Volumes(ctx context.Context) ([]model.Volume, error) {
	ctx, done := e.start(ctx, "GET /volumes", e.timeouts.Call)
	res, err := e.api.VolumeList(ctx, client.VolumeListOptions{})
	if err = done(err); err != nil {
		return nil, fmt.Errorf("list volumes: %w", e.explain(err))
	}
	out := make([]model.Volume, len(res.Items))
	for i := range res.Items {
		out[i] = mapVolume(&res.Items[i])
		e.safeVolume(&out[i])
	}
	return out, nil
}

func mapVolume(v *volume.Volume) model.Volume {
	mv := model.Volume{
		Name:     v.Name,
		Driver:   v.Driver,
		Scope:    v.Scope,
		Labels:   v.Labels,
		Size:     model.Unknown,
		RefCount: model.Unknown,
	}
	if t, err := time.Parse(time.RFC3339, v.CreatedAt); err == nil {
		mv.Created = t.UTC()
	}
	if v.UsageData != nil {
		mv.Size, mv.RefCount = v.UsageData.Size, v.UsageData.RefCount
	}
	return mv
}

// Networks lists networks.
func (e *Engine) Networks(ctx context.Context) ([]model.Network, error) {
	ctx, done := e.start(ctx, "GET /networks", e.timeouts.Call)
	res, err := e.api.NetworkList(ctx, client.NetworkListOptions{})
	if err = done(err); err != nil {
		return nil, fmt.Errorf("list networks: %w", e.explain(err))
	}
	out := make([]model.Network, len(res.Items))
	for i := range res.Items {
		out[i] = mapNetwork(&res.Items[i])
		e.safeNetwork(&out[i])
	}
	e.fixNetworks(out)
	return out, nil
}

func mapNetwork(n *network.Summary) model.Network {
	return model.Network{
		ID:      n.ID,
		Name:    n.Name,
		Driver:  n.Driver,
		Scope:   n.Scope,
		Created: n.Created.UTC(),
		Labels:  n.Labels,
	}
}

// DiskUsage runs the engine's costly size computation (system df). Callers
// run it in the background, one at a time: engines before 23.0 refuse a
// second one while the first runs.
func (e *Engine) DiskUsage(ctx context.Context) (*model.DiskUsage, error) {
	start := e.now()
	dctx, done := e.start(ctx, "GET /system/df", e.timeouts.DiskUsage)
	res, err := e.api.DiskUsage(dctx, client.DiskUsageOptions{
		Containers: true, Images: true, Volumes: true, BuildCache: true, Verbose: true,
	})
	if err = done(err); err != nil {
		if busyDiskUsage(err) {
			err = diskUsageBusyError{err}
		}
		return nil, fmt.Errorf("disk usage: %w", e.explain(err))
	}
	du := &model.DiskUsage{LayersSize: res.Images.TotalSize}
	du.Images = make([]model.ImageUsage, len(res.Images.Items))
	for i, img := range res.Images.Items {
		du.Images[i] = model.ImageUsage{ID: model.SafeText(normID(img.ID)), Size: img.Size, SharedSize: img.SharedSize, Containers: img.Containers}
	}
	du.Images = dedupeImageUsage(du.Images)
	if du.LayersSize == 0 && anySized(du.Images) {
		// An engine that leaves LayersSize out (Podman) while its images
		// have sizes: every layer once, from bilge's own layer table, and
		// each image's shared part from it too.
		ids := make([]string, len(du.Images))
		for i := range du.Images {
			ids[i] = du.Images[i].ID
		}
		if !e.identified.Load() {
			// The layer sizes depend on the engine's kind (fitSize): a
			// disk usage asked before the lists' identity learns it.
			_, _ = e.Identity(ctx)
		}
		var shared map[string]int64
		du.LayersSize, shared = e.layerTableSizes(ctx, ids)
		for i := range du.Images {
			// Its SharedSize too (Podman's is its parent image's size, 0
			// for images that share layers but no whole image): unknown
			// rather than Podman's figure when the table cannot say.
			du.Images[i].SharedSize = model.Unknown
			if n, ok := shared[du.Images[i].ID]; ok {
				du.Images[i].SharedSize = min(n, max(du.Images[i].Size, 0))
			}
		}
	}
	du.Containers = make([]model.ContainerUsage, len(res.Containers.Items))
	for i, c := range res.Containers.Items {
		du.Containers[i] = model.ContainerUsage{ID: model.SafeText(c.ID), SizeRw: c.SizeRw, SizeRootFs: c.SizeRootFs}
	}
	du.Volumes = make([]model.VolumeUsage, 0, len(res.Volumes.Items))
	for _, v := range res.Volumes.Items {
		u := model.VolumeUsage{Name: model.SafeText(v.Name), Size: model.Unknown, RefCount: model.Unknown}
		if v.UsageData != nil {
			u.Size, u.RefCount = v.UsageData.Size, v.UsageData.RefCount
		}
		du.Volumes = append(du.Volumes, u)
	}
	du.BuildCache = make([]model.BuildRecord, len(res.BuildCache.Items))
	for i := range res.BuildCache.Items {
		du.BuildCache[i] = mapBuildRecord(&res.BuildCache.Items[i])
		safeBuildRecord(&du.BuildCache[i])
	}
	if !versions.LessThan(e.api.ClientVersion(), "1.52") {
		du.Reported = reportedUsage(&res)
	}
	du.Taken = e.now()
	du.Duration = du.Taken.Sub(start)
	return du, nil
}

// anySized reports whether any image of a disk-usage report has a size.
func anySized(us []model.ImageUsage) bool {
	for _, u := range us {
		if u.Size > 0 {
			return true
		}
	}
	return false
}

// busyDiskUsage reports the engine's refusal of a second disk-usage scan
// while one runs (engines before 23.0): a 500 whose only mark is its
// message (daemon/disk_usage.go: "a disk usage operation is already
// running"), read here, where the engine's words arrive, and nowhere else.
func busyDiskUsage(err error) bool {
	return cerrdefs.IsInternal(err) && strings.Contains(err.Error(), model.ErrDiskUsageBusy.Error())
}

// diskUsageBusyError is that refusal: its text is the engine's, and
// errors.Is finds model.ErrDiskUsageBusy in it.
type diskUsageBusyError struct{ err error }

func (e diskUsageBusyError) Error() string        { return e.err.Error() }
func (e diskUsageBusyError) Unwrap() error        { return e.err }
func (e diskUsageBusyError) Is(target error) bool { return target == model.ErrDiskUsageBusy }

// reportedUsage is the docker system df table an engine of API 1.52 or
// later reports itself (ImageUsage, ContainerUsage, VolumeUsage and
// BuildCacheUsage of /system/df), the figures docker CLI 29 prints. Below
// 1.52 the client computes these fields from the lists with formulas of
// its own, which are neither the engine's nor those of the CLI of the
// engine's generation: they are not used.
func reportedUsage(res *client.DiskUsageResult) []model.Usage {
	row := func(k model.Kind, total, active, size, reclaimable int64) model.Usage {
		return model.Usage{Kind: k, Total: int(total), Active: int(active), Size: size, Reclaimable: reclaimable}
	}
	return []model.Usage{
		row(model.KindImage, res.Images.TotalCount, res.Images.ActiveCount, res.Images.TotalSize, res.Images.Reclaimable),
		row(model.KindContainer, res.Containers.TotalCount, res.Containers.ActiveCount, res.Containers.TotalSize, res.Containers.Reclaimable),
		row(model.KindVolume, res.Volumes.TotalCount, res.Volumes.ActiveCount, res.Volumes.TotalSize, res.Volumes.Reclaimable),
		row(model.KindBuildCache, res.BuildCache.TotalCount, res.BuildCache.ActiveCount, res.BuildCache.TotalSize, res.BuildCache.Reclaimable),
	}
}

func mapBuildRecord(r *build.CacheRecord) model.BuildRecord {
	br := model.BuildRecord{
		ID:          r.ID,
		Parents:     r.Parents,
		Type:        r.Type,
		Description: r.Description,
		Size:        r.Size,
		Created:     r.CreatedAt.UTC(),
		UsageCount:  r.UsageCount,
		Shared:      r.Shared,
		InUse:       r.InUse,
	}
	if r.LastUsedAt != nil {
		br.LastUsed = r.LastUsedAt.UTC()
	}
	return br
}
