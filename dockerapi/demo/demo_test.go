package demo_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/identity"

	"bilge/dockerapi/demo"
)

var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// serve starts the engine on its socket and returns a client for it.
func serve(t *testing.T, e *demo.Engine) *client.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	host, err := e.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(host, "unix://") {
		t.Fatalf("host %q is not a unix socket", host)
	}
	c, err := client.New(client.WithHost(host))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		cancel()
	})
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// layerGraph rebuilds, through the API alone, what bilge computes: every
// listed image's chain IDs (inspect) and their sizes (history).
type layerGraph struct {
	chains map[string][]string // image ID → chain IDs, oldest first
	sizes  map[string]int64    // chain ID → size
}

func readGraph(t *testing.T, c *client.Client, images []image.Summary) layerGraph {
	t.Helper()
	g := layerGraph{chains: map[string][]string{}, sizes: map[string]int64{}}
	for _, img := range images {
		ins, err := c.ImageInspect(ctx(t), img.ID)
		if err != nil {
			t.Fatalf("inspect %s: %v", img.ID, err)
		}
		if ins.RootFS.Type != "layers" {
			t.Fatalf("%s: RootFS.Type %q", img.ID, ins.RootFS.Type)
		}
		var diffs []digest.Digest
		for _, l := range ins.RootFS.Layers {
			diffs = append(diffs, digest.Digest(l))
		}
		chains := identity.ChainIDs(diffs)
		hist, err := c.ImageHistory(ctx(t), img.ID)
		if err != nil {
			t.Fatalf("history %s: %v", img.ID, err)
		}
		if hist.Items[0].ID != img.ID {
			t.Fatalf("%s: newest history entry is %q", img.ID, hist.Items[0].ID)
		}
		// Oldest first; entries that made no layer are metadata.
		var sizes []int64
		for i := len(hist.Items) - 1; i >= 0; i-- {
			h := hist.Items[i]
			meta := strings.Contains(h.CreatedBy, "#(nop)  ") || isBuildkitMeta(h)
			if meta {
				if h.Size != 0 {
					t.Fatalf("%s: metadata entry %q has size %d", img.ID, h.CreatedBy, h.Size)
				}
				continue
			}
			sizes = append(sizes, h.Size)
		}
		if len(sizes) != len(chains) {
			t.Fatalf("%s: %d layer entries in history, %d layers", img.ID, len(sizes), len(chains))
		}
		var sum int64
		var ids []string
		for i, ch := range chains {
			sum += sizes[i]
			g.sizes[ch.String()] = sizes[i]
			ids = append(ids, ch.String())
		}
		if sum != ins.Size || sum != img.Size {
			t.Fatalf("%s: history sums to %d, inspect says %d, list says %d", img.ID, sum, ins.Size, img.Size)
		}
		g.chains[img.ID] = ids
	}
	return g
}

func isBuildkitMeta(h image.HistoryResponseItem) bool {
	if h.Comment != "buildkit.dockerfile.v0" {
		return false
	}
	return !strings.HasPrefix(h.CreatedBy, "RUN ") && !strings.HasPrefix(h.CreatedBy, "COPY ") && !strings.HasPrefix(h.CreatedBy, "ADD ")
}

func TestListEverything(t *testing.T) {
	e := demo.New(1, demo.WithNow(fixedNow))
	c := serve(t, e)
	ping, err := c.Ping(ctx(t), client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		t.Fatal(err)
	}
	if ping.APIVersion != "1.41" || ping.OSType != "linux" || c.ClientVersion() != "1.41" {
		t.Fatalf("ping %+v, client version %s", ping, c.ClientVersion())
	}
	v, err := c.ServerVersion(ctx(t), client.ServerVersionOptions{})
	if err != nil || v.Version != "20.10.24-demo" || v.APIVersion != "1.41" || v.Os != "linux" {
		t.Fatalf("version %+v %v", v, err)
	}
	info, err := c.Info(ctx(t), client.InfoOptions{})
	if err != nil || info.Info.Containers != 80 || info.Info.Driver != "overlay2" {
		t.Fatalf("info %+v %v", info.Info.Containers, err)
	}

	images, err := c.ImageList(ctx(t), client.ImageListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(images.Items) != 300 {
		t.Fatalf("%d images, want 300", len(images.Items))
	}
	all, err := c.ImageList(ctx(t), client.ImageListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) <= len(images.Items) {
		t.Fatalf("all=1 lists %d images, want the intermediate ones too (> %d)", len(all.Items), len(images.Items))
	}
	var dangling, multi, digestOnly, tagged int
	for _, img := range images.Items {
		if img.SharedSize != -1 || img.Containers != -1 {
			t.Fatalf("1.41 image list must send SharedSize/Containers -1: %+v", img)
		}
		if !strings.HasPrefix(img.ID, "sha256:") || len(img.ID) != 71 {
			t.Fatalf("bad ID %q", img.ID)
		}
		switch {
		case len(img.RepoTags) == 1 && img.RepoTags[0] == "<none>:<none>":
			dangling++
		case len(img.RepoTags) == 0 && len(img.RepoDigests) > 0:
			digestOnly++
		case len(img.RepoTags) > 1:
			multi++
			tagged++
		default:
			tagged++
		}
	}
	if dangling == 0 || digestOnly == 0 || multi == 0 || tagged < 100 {
		t.Fatalf("dangling %d, digest-only %d, multi-tag %d, tagged %d", dangling, digestOnly, multi, tagged)
	}

	cs, err := c.ContainerList(ctx(t), client.ContainerListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Items) != 80 {
		t.Fatalf("%d containers, want 80", len(cs.Items))
	}
	states := map[string]int{}
	exitRe := regexp.MustCompile(`^Exited \((\d+)\) .+ ago$`)
	for _, ct := range cs.Items {
		states[string(ct.State)]++
		if len(ct.Names) == 0 || !strings.HasPrefix(ct.Names[0], "/") {
			t.Fatalf("names %v", ct.Names)
		}
		if ct.SizeRw != 0 || ct.SizeRootFs != 0 {
			t.Fatalf("sizes without size=1: %+v", ct)
		}
		switch ct.State {
		case "running":
			if !strings.HasPrefix(ct.Status, "Up ") {
				t.Fatalf("running status %q", ct.Status)
			}
		case "exited":
			if !exitRe.MatchString(ct.Status) {
				t.Fatalf("exited status %q", ct.Status)
			}
		}
		if ct.NetworkSettings == nil || len(ct.NetworkSettings.Networks) == 0 {
			t.Fatalf("%s has no networks", ct.Names[0])
		}
		for _, n := range ct.NetworkSettings.Networks {
			if n.NetworkID == "" {
				t.Fatalf("%s: endpoint without NetworkID", ct.Names[0])
			}
		}
	}
	if states["running"] < 10 || states["exited"] < 30 || states["created"] == 0 || states["paused"] != 1 {
		t.Fatalf("states %v", states)
	}
	running, err := c.ContainerList(ctx(t), client.ContainerListOptions{})
	if err != nil || len(running.Items) != states["running"]+states["paused"] {
		t.Fatalf("default list: %d, %v", len(running.Items), err)
	}

	vols, err := c.VolumeList(ctx(t), client.VolumeListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(vols.Items) != 60 {
		t.Fatalf("%d volumes, want 60", len(vols.Items))
	}
	anon := 0
	for _, v := range vols.Items {
		if v.UsageData != nil {
			t.Fatalf("volume list must not carry UsageData: %+v", v)
		}
		if _, err := time.Parse(time.RFC3339, v.CreatedAt); err != nil {
			t.Fatalf("CreatedAt %q: %v", v.CreatedAt, err)
		}
		if regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(v.Name) {
			anon++
		}
	}
	if anon == 0 || anon == len(vols.Items) {
		t.Fatalf("%d anonymous of %d volumes", anon, len(vols.Items))
	}

	nets, err := c.NetworkList(ctx(t), client.NetworkListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, n := range nets.Items {
		names[n.Name] = true
	}
	for _, want := range []string{"bridge", "host", "none", "shop_default"} {
		if !names[want] {
			t.Fatalf("no network %q in %v", want, names)
		}
	}
}

func TestDiskUsageMatchesLayerGraph(t *testing.T) {
	e := demo.New(2, demo.WithNow(fixedNow))
	c := serve(t, e)
	du, err := c.DiskUsage(ctx(t), client.DiskUsageOptions{Containers: true, Images: true, Volumes: true, BuildCache: true, Verbose: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(du.Images.Items) != 300 || len(du.Containers.Items) != 80 || len(du.Volumes.Items) != 60 || len(du.BuildCache.Items) == 0 {
		t.Fatalf("df: %d images, %d containers, %d volumes, %d build records", len(du.Images.Items), len(du.Containers.Items), len(du.Volumes.Items), len(du.BuildCache.Items))
	}
	if du.Images.TotalSize < 10e9 {
		t.Fatalf("LayersSize %d: want gigabytes", du.Images.TotalSize)
	}
	g := readGraph(t, c, du.Images.Items)
	refs := map[string]int{}
	for _, chains := range g.chains {
		for _, ch := range chains {
			refs[ch]++
		}
	}
	var unique int64
	for ch := range refs {
		unique += g.sizes[ch]
	}
	if unique != du.Images.TotalSize {
		t.Fatalf("LayersSize %d, Σ unique layers %d", du.Images.TotalSize, unique)
	}
	sharedSeen := 0
	for _, img := range du.Images.Items {
		var shared int64
		for _, ch := range g.chains[img.ID] {
			if refs[ch] > 1 {
				shared += g.sizes[ch]
			}
		}
		if shared != img.SharedSize {
			t.Fatalf("%s %v: SharedSize %d, want %d", img.ID, img.RepoTags, img.SharedSize, shared)
		}
		if shared > 0 {
			sharedSeen++
		}
		if img.Containers < 0 {
			t.Fatalf("df must fill Containers: %+v", img)
		}
	}
	if sharedSeen < 150 {
		t.Fatalf("only %d images share layers", sharedSeen)
	}
	for _, ct := range du.Containers.Items {
		if ct.SizeRootFs < ct.SizeRw {
			t.Fatalf("container %s: SizeRootFs %d < SizeRw %d", ct.ID, ct.SizeRootFs, ct.SizeRw)
		}
	}
	for _, v := range du.Volumes.Items {
		if v.UsageData == nil || v.UsageData.Size < 0 || v.UsageData.RefCount < 0 {
			t.Fatalf("volume %s: UsageData %+v", v.Name, v.UsageData)
		}
	}
	types := map[string]int{}
	var shared, inUse int
	for _, r := range du.BuildCache.Items {
		types[r.Type]++
		if r.Shared {
			shared++
		}
		if r.InUse {
			inUse++
		}
	}
	if types["regular"] == 0 || types["source.local"] == 0 || types["exec.cachemount"] == 0 || shared == 0 || inUse == 0 {
		t.Fatalf("build cache types %v, shared %d, in use %d", types, shared, inUse)
	}
	st := e.Snapshot()
	if st.LayersSize != du.Images.TotalSize || st.BuildCacheSize != du.BuildCache.TotalSize || st.VolumesSize != du.Volumes.TotalSize || st.ContainersSize != du.Containers.TotalSize {
		t.Fatalf("Snapshot %+v disagrees with df %+v", st, du)
	}
	if st.ImagesReclaimable <= st.ImagesReclaimableDocker {
		t.Fatalf("exact reclaim %d should exceed docker's Σ unique %d (layers shared among unused images)", st.ImagesReclaimable, st.ImagesReclaimableDocker)
	}
}

// pickImage finds a listed image matching ok, from df's view.
func pickImage(t *testing.T, e *demo.Engine, ok func(demo.ImageInfo, map[string]demo.ContainerInfo) bool) demo.ImageInfo {
	t.Helper()
	cs := map[string]demo.ContainerInfo{}
	for _, c := range e.Containers() {
		cs[c.ID] = c
	}
	for _, img := range e.Images() {
		if img.Listed && ok(img, cs) {
			return img
		}
	}
	t.Fatal("no such image in the demo state")
	return demo.ImageInfo{}
}

func TestDeleteImageUsedByStoppedContainer(t *testing.T) {
	e := demo.New(3, demo.WithNow(fixedNow))
	c := serve(t, e)
	img := pickImage(t, e, func(img demo.ImageInfo, cs map[string]demo.ContainerInfo) bool {
		if len(img.Containers) == 0 || img.RunningContainers > 0 || len(img.Tags) > 1 || img.Children > 0 {
			return false
		}
		return true
	})
	evs := c.Events(ctx(t), client.EventsListOptions{})

	before, err := c.DiskUsage(ctx(t), client.DiskUsageOptions{Images: true, Verbose: true})
	if err != nil {
		t.Fatal(err)
	}
	g := readGraph(t, c, before.Images.Items)

	hiddenBefore := map[string]bool{}
	for _, im := range e.Images() {
		if !im.Listed {
			hiddenBefore[im.ID] = true
		}
	}
	_, err = c.ImageRemove(ctx(t), img.ID, client.ImageRemoveOptions{PruneChildren: true})
	if !cerrdefs.IsConflict(err) {
		t.Fatalf("remove image used by a stopped container: %v, want a conflict", err)
	}
	want := "Error response from daemon: conflict: unable to delete " + strings.TrimPrefix(img.ID, "sha256:")[:12] + " (must be forced) - image is being used by stopped container "
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %q, want prefix %q", err, want)
	}

	for _, id := range img.Containers {
		if _, err := c.ContainerRemove(ctx(t), id, client.ContainerRemoveOptions{}); err != nil {
			t.Fatalf("remove container %s: %v", id, err)
		}
	}
	// What must go: the image's layers no other listed image has.
	held := map[string]bool{}
	for id, chains := range g.chains {
		if id == img.ID {
			continue
		}
		for _, ch := range chains {
			held[ch] = true
		}
	}
	var expect int64
	var freed []string
	for _, ch := range g.chains[img.ID] {
		if !held[ch] {
			expect += g.sizes[ch]
			freed = append(freed, ch)
		}
	}
	res, err := c.ImageRemove(ctx(t), img.ID, client.ImageRemoveOptions{PruneChildren: true})
	if err != nil {
		t.Fatalf("remove image after its containers: %v", err)
	}
	deleted := map[string]bool{}
	for _, it := range res.Items {
		if it.Deleted != "" {
			deleted[it.Deleted] = true
		}
	}
	if !deleted[img.ID] {
		t.Fatalf("response %+v does not delete the image", res.Items)
	}
	for _, ch := range freed {
		if !deleted[ch] {
			t.Fatalf("layer %s is freed but not reported deleted: %+v", ch, res.Items)
		}
	}
	// Besides the image and its freed layers, only the hidden parents of a
	// legacy build (pruned with it) may go.
	freedSet := map[string]bool{img.ID: true}
	for _, ch := range freed {
		freedSet[ch] = true
	}
	for d := range deleted {
		if !freedSet[d] && !hiddenBefore[d] {
			t.Fatalf("deleted %s, which is neither the image, a freed layer, nor a hidden parent", d)
		}
	}
	after, err := c.DiskUsage(ctx(t), client.DiskUsageOptions{Images: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := before.Images.TotalSize - after.Images.TotalSize; got != expect {
		t.Fatalf("LayersSize dropped by %d, want exactly %d", got, expect)
	}

	// The events tell the story: destroy per container, then untag/delete.
	want2 := map[string]int{"container destroy": len(img.Containers), "image delete": 1}
	got := map[string]int{}
	deadline := time.After(5 * time.Second)
	for got["image delete"] < 1 {
		select {
		case m := <-evs.Messages:
			got[string(m.Type)+" "+string(m.Action)]++
			if m.Type == events.ImageEventType && m.Actor.ID != img.ID {
				t.Fatalf("image event names %q, want the ID", m.Actor.ID)
			}
		case err := <-evs.Err:
			t.Fatalf("events: %v", err)
		case <-deadline:
			t.Fatalf("events so far %v, want %v", got, want2)
		}
	}
	if got["container destroy"] != len(img.Containers) {
		t.Fatalf("events %v, want %v", got, want2)
	}
	if len(img.Tags) == 1 && got["image untag"] == 0 {
		t.Fatalf("no untag event: %v", got)
	}
}

// Deleting a BuildKit-built image moves its unique layers from the images'
// total to the build cache's: the records holding them stop being shared.
func TestBuildKitImageBytesMoveToBuildCache(t *testing.T) {
	e := demo.New(10, demo.WithNow(fixedNow))
	c := serve(t, e)
	img := pickImage(t, e, func(img demo.ImageInfo, _ map[string]demo.ContainerInfo) bool {
		return img.BuildKit && len(img.Containers) == 0 && len(img.Tags) <= 1 && img.Children == 0 && img.UniqueSize > 0
	})
	opts := client.DiskUsageOptions{Images: true, BuildCache: true, Verbose: true}
	before, err := c.DiskUsage(ctx(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ImageRemove(ctx(t), img.ID, client.ImageRemoveOptions{PruneChildren: true}); err != nil {
		t.Fatal(err)
	}
	after, err := c.DiskUsage(ctx(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	freed := before.Images.TotalSize - after.Images.TotalSize
	if freed != img.UniqueSize {
		t.Fatalf("LayersSize dropped by %d, the image's unique size is %d", freed, img.UniqueSize)
	}
	moved := after.BuildCache.TotalSize - before.BuildCache.TotalSize
	if moved <= 0 || moved > freed {
		t.Fatalf("build cache grew by %d, want (0, %d]", moved, freed)
	}
	flipped := 0
	was := map[string]bool{}
	for _, r := range before.BuildCache.Items {
		was[r.ID] = r.Shared
	}
	for _, r := range after.BuildCache.Items {
		if was[r.ID] && !r.Shared {
			flipped++
		}
	}
	if flipped == 0 {
		t.Fatal("no build record stopped being shared")
	}
}

func TestImageDeleteConflicts(t *testing.T) {
	e := demo.New(4, demo.WithNow(fixedNow))
	c := serve(t, e)

	running := pickImage(t, e, func(img demo.ImageInfo, _ map[string]demo.ContainerInfo) bool { return img.RunningContainers > 0 })
	_, err := c.ImageRemove(ctx(t), running.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if !cerrdefs.IsConflict(err) || !strings.Contains(err.Error(), "(cannot be forced) - image is being used by running container ") {
		t.Fatalf("force-remove an image in use by a running container: %v", err)
	}

	multi := pickImage(t, e, func(img demo.ImageInfo, _ map[string]demo.ContainerInfo) bool {
		return len(img.Tags) > 1 && len(img.Containers) == 0 && img.Children == 0
	})
	_, err = c.ImageRemove(ctx(t), multi.ID, client.ImageRemoveOptions{PruneChildren: true})
	if !cerrdefs.IsConflict(err) || !strings.HasSuffix(err.Error(), "(must be forced) - image is referenced in multiple repositories") {
		t.Fatalf("remove a multi-tag image: %v", err)
	}
	res, err := c.ImageRemove(ctx(t), multi.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if err != nil {
		t.Fatal(err)
	}
	var untagged []string
	for _, it := range res.Items {
		if it.Untagged != "" && !strings.Contains(it.Untagged, "@") {
			untagged = append(untagged, it.Untagged)
		}
	}
	sort.Strings(untagged)
	if strings.Join(untagged, ",") != strings.Join(multi.Tags, ",") {
		t.Fatalf("untagged %v, want %v", untagged, multi.Tags)
	}

	parent := pickImage(t, e, func(img demo.ImageInfo, _ map[string]demo.ContainerInfo) bool { return img.Children > 0 })
	_, err = c.ImageRemove(ctx(t), parent.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if !cerrdefs.IsConflict(err) || !strings.HasSuffix(err.Error(), "(cannot be forced) - image has dependent child images") {
		t.Fatalf("remove a parent image: %v", err)
	}

	_, err = c.ImageRemove(ctx(t), "sha256:"+strings.Repeat("0", 64), client.ImageRemoveOptions{})
	if !cerrdefs.IsNotFound(err) || !strings.Contains(err.Error(), "No such image: sha256:000000") {
		t.Fatalf("remove a missing image: %v", err)
	}
	_, err = c.ImageInspect(ctx(t), "nosuch/image")
	if !cerrdefs.IsNotFound(err) || !strings.Contains(err.Error(), "No such image: nosuch/image:latest") {
		t.Fatalf("inspect a missing image: %v", err)
	}

	// By tag: a tag of an image with several tags is just untagged.
	other := pickImage(t, e, func(img demo.ImageInfo, _ map[string]demo.ContainerInfo) bool { return len(img.Tags) > 1 })
	res, err = c.ImageRemove(ctx(t), other.Tags[0], client.ImageRemoveOptions{PruneChildren: true})
	if err != nil || len(res.Items) != 1 || res.Items[0].Untagged != other.Tags[0] {
		t.Fatalf("untag %s: %+v %v", other.Tags[0], res.Items, err)
	}
}

func TestContainerVolumeNetworkRemove(t *testing.T) {
	e := demo.New(5, demo.WithNow(fixedNow))
	c := serve(t, e)
	var run, stopped demo.ContainerInfo
	for _, ct := range e.Containers() {
		if ct.State == "running" && run.ID == "" && len(ct.Volumes) > 0 {
			run = ct
		}
		if ct.State == "exited" && stopped.ID == "" {
			stopped = ct
		}
	}
	if run.ID == "" || stopped.ID == "" {
		t.Fatal("no running container with a volume, or no stopped one")
	}
	_, err := c.ContainerRemove(ctx(t), run.ID, client.ContainerRemoveOptions{})
	if !cerrdefs.IsConflict(err) || !strings.Contains(err.Error(), "You cannot remove a running container "+run.ID+". Stop the container before attempting removal or force remove") {
		t.Fatalf("remove a running container: %v", err)
	}
	_, err = c.ContainerRemove(ctx(t), "nosuchcontainer", client.ContainerRemoveOptions{})
	if !cerrdefs.IsNotFound(err) || !strings.Contains(err.Error(), "No such container: nosuchcontainer") {
		t.Fatalf("remove a missing container: %v", err)
	}

	vol := run.Volumes[0]
	_, err = c.VolumeRemove(ctx(t), vol, client.VolumeRemoveOptions{Force: true})
	if !cerrdefs.IsConflict(err) || !strings.Contains(err.Error(), "remove "+vol+": volume is in use - ["+run.ID) {
		t.Fatalf("remove a volume in use: %v", err)
	}
	_, err = c.VolumeRemove(ctx(t), "nosuchvolume", client.VolumeRemoveOptions{})
	if !cerrdefs.IsNotFound(err) {
		t.Fatalf("remove a missing volume: %v", err)
	}

	_, err = c.NetworkRemove(ctx(t), "bridge", client.NetworkRemoveOptions{})
	if !cerrdefs.IsPermissionDenied(err) || !strings.HasSuffix(err.Error(), "bridge is a pre-defined network and cannot be removed") {
		t.Fatalf("remove bridge: %v", err)
	}
	var active, unused demo.NetworkInfo
	for _, n := range e.Networks() {
		if !n.Builtin && len(n.Active) > 0 && active.ID == "" {
			active = n
		}
		if !n.Builtin && len(n.Containers) == 0 && unused.ID == "" {
			unused = n
		}
	}
	_, err = c.NetworkRemove(ctx(t), active.ID, client.NetworkRemoveOptions{})
	if !cerrdefs.IsPermissionDenied(err) || !strings.HasSuffix(err.Error(), "error while removing network: network "+active.Name+" id "+active.ID+" has active endpoints") {
		t.Fatalf("remove a network with endpoints: %v", err)
	}
	if _, err := c.NetworkRemove(ctx(t), unused.ID, client.NetworkRemoveOptions{}); err != nil {
		t.Fatalf("remove an unused network: %v", err)
	}

	// Force works, and takes the container down first.
	evs := c.Events(ctx(t), client.EventsListOptions{Filters: make(client.Filters).Add("type", "container")})
	if _, err := c.ContainerRemove(ctx(t), run.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for len(actions) < 3 {
		select {
		case m := <-evs.Messages:
			actions = append(actions, string(m.Action))
		case err := <-evs.Err:
			t.Fatal(err)
		case <-time.After(5 * time.Second):
			t.Fatalf("events %v", actions)
		}
	}
	if strings.Join(actions, ",") != "kill,die,destroy" {
		t.Fatalf("events %v, want kill, die, destroy", actions)
	}
	// Now the volume is free.
	if users := volumeUsers(e, vol); len(users) == 0 {
		if _, err := c.VolumeRemove(ctx(t), vol, client.VolumeRemoveOptions{}); err != nil {
			t.Fatalf("remove a freed volume: %v", err)
		}
	}
}

func volumeUsers(e *demo.Engine, name string) []string {
	for _, v := range e.Volumes() {
		if v.Name == name {
			return v.Containers
		}
	}
	return nil
}

func TestPrunes(t *testing.T) {
	e := demo.New(6, demo.WithNow(fixedNow))
	c := serve(t, e)
	st := e.Snapshot()

	// Build cache: one record by anchored ID.
	var leaf demo.BuildRecordInfo
	parents := map[string]bool{}
	recs := e.BuildRecords()
	for _, r := range recs {
		parents[r.Parent] = true
	}
	var inUse string
	for _, r := range recs {
		if !r.InUse && !r.Shared && !parents[r.ID] && leaf.ID == "" {
			leaf = r
		}
		if r.InUse {
			inUse = r.ID
		}
	}
	res, err := c.BuildCachePrune(ctx(t), client.BuildCachePruneOptions{All: true, Filters: make(client.Filters).Add("id", "^"+leaf.ID+"$")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.CachesDeleted) != 1 || res.Report.CachesDeleted[0] != leaf.ID || res.Report.SpaceReclaimed != uint64(leaf.Size) {
		t.Fatalf("prune one record: %+v, want %s (%d bytes)", res.Report, leaf.ID, leaf.Size)
	}
	res, err = c.BuildCachePrune(ctx(t), client.BuildCachePruneOptions{All: true, Filters: make(client.Filters).Add("id", "^"+inUse+"$")})
	if err != nil || len(res.Report.CachesDeleted) != 0 {
		t.Fatalf("prune an in-use record: %+v %v", res.Report, err)
	}
	_, err = c.BuildCachePrune(ctx(t), client.BuildCachePruneOptions{Filters: make(client.Filters).Add("until", "2024-01-01T00:00:00Z")})
	if !cerrdefs.IsInternal(err) || !strings.Contains(err.Error(), `"until" filter expects a duration`) {
		t.Fatalf("until as a timestamp: %v", err)
	}
	res, err = c.BuildCachePrune(ctx(t), client.BuildCachePruneOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.BuildRecords() {
		if !r.InUse && !parents[r.ID] {
			// Everything not in use (nor holding a record in use) is gone.
			t.Fatalf("record %+v survived prune --all", r)
		}
	}

	// Containers: every stopped one.
	cres, err := c.ContainerPrune(ctx(t), client.ContainerPruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cres.Report.ContainersDeleted) != st.Containers-st.Running || int64(cres.Report.SpaceReclaimed) != st.ContainersReclaimable {
		t.Fatalf("container prune %d / %d bytes, want %d / %d", len(cres.Report.ContainersDeleted), cres.Report.SpaceReclaimed, st.Containers-st.Running, st.ContainersReclaimable)
	}

	// Images: dangling, then all unused; the reclaimed bytes are the drop
	// of LayersSize.
	for _, f := range []client.Filters{nil, make(client.Filters).Add("dangling", "false")} {
		before := e.Snapshot().LayersSize
		ires, err := c.ImagePrune(ctx(t), client.ImagePruneOptions{Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		after := e.Snapshot()
		if len(ires.Report.ImagesDeleted) == 0 || int64(ires.Report.SpaceReclaimed) != before-after.LayersSize {
			t.Fatalf("image prune %v: %d items, %d reclaimed, LayersSize %d → %d", f, len(ires.Report.ImagesDeleted), ires.Report.SpaceReclaimed, before, after.LayersSize)
		}
	}
	after := e.Snapshot()
	if after.Images != after.ImagesActive || after.ImagesReclaimable != 0 {
		t.Fatalf("after prune -a: %d images, %d in use, %d reclaimable", after.Images, after.ImagesActive, after.ImagesReclaimable)
	}

	// Volumes: all: on 1.41 is refused; a plain prune takes named ones too.
	_, err = c.VolumePrune(ctx(t), client.VolumePruneOptions{All: true})
	if !cerrdefs.IsInvalidArgument(err) || !strings.Contains(err.Error(), "Invalid filter 'all'") {
		t.Fatalf("volume prune all on 1.41: %v", err)
	}
	vres, err := c.VolumePrune(ctx(t), client.VolumePruneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, n := range vres.Report.VolumesDeleted {
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(n) {
			named++
		}
	}
	if named == 0 {
		t.Fatalf("1.41 volume prune should remove named volumes too: %v", vres.Report.VolumesDeleted)
	}
	if v := e.Snapshot(); v.VolumesInUse != v.Volumes {
		t.Fatalf("after prune %d volumes, %d in use", v.Volumes, v.VolumesInUse)
	}

	nres, err := c.NetworkPrune(ctx(t), client.NetworkPruneOptions{})
	if err != nil || len(nres.Report.NetworksDeleted) == 0 {
		t.Fatalf("network prune: %+v %v", nres.Report, err)
	}
	for _, n := range e.Networks() {
		if !n.Builtin && len(n.Active) == 0 {
			t.Fatalf("network %s survived the prune", n.Name)
		}
	}
}

func TestSameSeedSameState(t *testing.T) {
	dump := func(seed int64) string {
		e := demo.New(seed, demo.WithNow(fixedNow), demo.WithClock(func() time.Time { return fixedNow }))
		srv := httptest.NewServer(e.Handler())
		defer srv.Close()
		var b strings.Builder
		for _, p := range []string{"/v1.41/images/json?all=1", "/v1.41/containers/json?all=1&size=1", "/v1.41/volumes", "/v1.41/networks", "/v1.41/system/df"} {
			resp, err := http.Get(srv.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			b.Write(body)
		}
		return b.String()
	}
	a, b := dump(42), dump(42)
	if a != b {
		t.Fatal("the same seed gave different states")
	}
	if c := dump(43); c == a {
		t.Fatal("another seed gave the same state")
	}
	// Without a fixed clock the IDs still match.
	ids := func(seed int64) []string {
		var out []string
		for _, img := range demo.New(seed).Images() {
			out = append(out, img.ID)
		}
		sort.Strings(out)
		return out
	}
	first := strings.Join(ids(9), ",")
	time.Sleep(5 * time.Millisecond)
	if strings.Join(ids(9), ",") != first {
		t.Fatal("IDs depend on the clock")
	}
}

// TestGenerateScaled: the scale option makes the host asked for. How long
// generating takes is BenchmarkNew's to say.
func TestGenerateScaled(t *testing.T) {
	e := demo.New(1, demo.WithScale(900, 1500, 500))
	st := e.Snapshot()
	if st.Images != 900 || st.Containers != 1500 || st.Volumes != 500 {
		t.Fatalf("scaled host: %+v", st)
	}
}

func BenchmarkNew(b *testing.B) {
	for i := 0; i < b.N; i++ {
		demo.New(int64(i))
	}
}

func TestFaults(t *testing.T) {
	e := demo.New(7, demo.WithNow(fixedNow))
	c := serve(t, e)
	if _, err := c.Ping(ctx(t), client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		t.Fatal(err)
	}

	t.Run("Requests", func(t *testing.T) {
		e.ResetRequests()
		for i := 0; i < 3; i++ {
			if _, err := c.ContainerList(ctx(t), client.ContainerListOptions{All: true}); err != nil {
				t.Fatal(err)
			}
		}
		if n := e.Requests("GET", "/containers/json"); n != 3 {
			t.Fatalf("counted %d container lists", n)
		}
		if n := e.Requests("", "/images"); n != 0 {
			t.Fatalf("counted %d image requests", n)
		}
	})

	t.Run("FailNext", func(t *testing.T) {
		e.FailNext("GET", "/images/json", 500, "boom", 1)
		_, err := c.ImageList(ctx(t), client.ImageListOptions{})
		if !cerrdefs.IsInternal(err) || err.Error() != "Error response from daemon: boom" {
			t.Fatalf("err %v", err)
		}
		if _, err := c.ImageList(ctx(t), client.ImageListOptions{}); err != nil {
			t.Fatalf("second call: %v", err)
		}
		e.FailNext("DELETE", "/containers/", 409, "removal of container x is already in progress", 2)
		for i := 0; i < 2; i++ {
			if _, err := c.ContainerRemove(ctx(t), "x", client.ContainerRemoveOptions{}); !cerrdefs.IsConflict(err) {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		if _, err := c.ContainerRemove(ctx(t), "x", client.ContainerRemoveOptions{}); !cerrdefs.IsNotFound(err) {
			t.Fatalf("after the injected failures: %v", err)
		}
	})

	t.Run("Latency", func(t *testing.T) {
		e.SetLatency("/volumes", 150*time.Millisecond)
		defer e.SetLatency("/volumes", 0)
		start := time.Now()
		if _, err := c.VolumeList(ctx(t), client.VolumeListOptions{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Fatalf("took %v", d)
		}
		short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := c.VolumeList(short, client.VolumeListOptions{}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("with a short deadline: %v", err)
		}
	})

	t.Run("SlowDiskUsage", func(t *testing.T) {
		e.SetDiskUsageDelay(300 * time.Millisecond)
		defer e.SetDiskUsageDelay(0)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if i == 1 {
					time.Sleep(50 * time.Millisecond)
				}
				_, errs[i] = c.DiskUsage(ctx(t), client.DiskUsageOptions{Images: true})
			}(i)
		}
		wg.Wait()
		if errs[0] != nil {
			t.Fatalf("first df: %v", errs[0])
		}
		if !cerrdefs.IsInternal(errs[1]) || !strings.HasSuffix(errs[1].Error(), "a disk usage operation is already running") {
			t.Fatalf("concurrent df: %v", errs[1])
		}
	})

	t.Run("DropStream", func(t *testing.T) {
		e.DropStreamAfter(1)
		defer e.DropStreamAfter(0)
		evs := c.Events(ctx(t), client.EventsListOptions{})
		time.Sleep(50 * time.Millisecond)
		e.Tick()
		e.Tick()
		got := 0
		for {
			select {
			case <-evs.Messages:
				got++
			case err := <-evs.Err:
				if err == nil || got != 1 {
					t.Fatalf("stream ended with %v after %d events, want an error after 1", err, got)
				}
				return
			case <-time.After(5 * time.Second):
				t.Fatalf("stream still open after %d events", got)
			}
		}
	})

	t.Run("StopEvents", func(t *testing.T) {
		evs := c.Events(ctx(t), client.EventsListOptions{})
		time.Sleep(50 * time.Millisecond)
		e.StopEvents()
		e.Tick()
		select {
		case m := <-evs.Messages:
			t.Fatalf("event %v while stopped", m)
		case err := <-evs.Err:
			t.Fatalf("stream ended: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		e.ResumeEvents()
		e.Tick()
		select {
		case <-evs.Messages:
		case err := <-evs.Err:
			t.Fatalf("stream ended: %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("no event after ResumeEvents")
		}
	})

	t.Run("Offline", func(t *testing.T) {
		evs := c.Events(ctx(t), client.EventsListOptions{})
		if err := e.SetOffline(true); err != nil {
			t.Fatal(err)
		}
		_, err := c.Ping(ctx(t), client.PingOptions{})
		if !client.IsErrConnectionFailed(err) {
			t.Fatalf("ping while offline: %v (%T)", err, err)
		}
		if _, err := c.ImageList(ctx(t), client.ImageListOptions{}); !client.IsErrConnectionFailed(err) {
			t.Fatalf("list while offline: %v", err)
		}
		select {
		case err := <-evs.Err:
			if err == nil {
				t.Fatal("event stream ended without an error")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("event stream still open while offline")
		}
		if err := e.SetOffline(false); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Ping(ctx(t), client.PingOptions{}); err != nil {
			t.Fatalf("ping after coming back: %v", err)
		}
	})
}

func TestHandlerOfflineAndRoutes(t *testing.T) {
	e := demo.New(8, demo.WithNow(fixedNow))
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	c, err := client.New(client.WithHost("tcp://" + strings.TrimPrefix(srv.URL, "http://")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Ping(ctx(t), client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		t.Fatal(err)
	}
	e.SetOffline(true)
	if _, err := c.ImageList(ctx(t), client.ImageListOptions{}); !client.IsErrConnectionFailed(err) {
		t.Fatalf("offline through Handler: %v", err)
	}
	e.SetOffline(false)
	if _, err := c.ImageList(ctx(t), client.ImageListOptions{}); err != nil {
		t.Fatal(err)
	}

	get := func(p string) (int, string, http.Header) {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if code, body, _ := get("/images/json"); code != 200 || !strings.HasPrefix(body, "[{") {
		t.Fatalf("without a version prefix: %d %.40s", code, body)
	}
	if code, body, h := get("/_ping"); code != 200 || body != "OK" || h.Get("Api-Version") != "1.41" || h.Get("Ostype") != "linux" {
		t.Fatalf("ping: %d %q %v", code, body, h)
	}
	if code, body, _ := get("/v1.44/images/json"); code != 400 || !strings.Contains(body, "client version 1.44 is too new. Maximum supported API version is 1.41") {
		t.Fatalf("newer version: %d %s", code, body)
	}
	code, body, h := get("/v1.41/nothing/here")
	var msg struct{ Message string }
	if code != 404 || h.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(body), &msg) != nil || msg.Message != "page not found" {
		t.Fatalf("unknown path: %d %s", code, body)
	}
}

func TestLiveEvents(t *testing.T) {
	e := demo.New(9, demo.WithNow(fixedNow), demo.WithLiveEventsEvery(20*time.Millisecond))
	c := serve(t, e)
	evs := c.Events(ctx(t), client.EventsListOptions{Filters: make(client.Filters).Add("type", "container")})
	seen := map[string]bool{}
	deadline := time.After(5 * time.Second)
	for !(seen["start"] && seen["die"]) {
		select {
		case m := <-evs.Messages:
			seen[string(m.Action)] = true
		case err := <-evs.Err:
			t.Fatal(err)
		case <-deadline:
			t.Fatalf("live events seen: %v", seen)
		}
	}
	// Past events can be read back with since.
	past := c.Events(ctx(t), client.EventsListOptions{Since: "10m", Until: "-1s"})
	n := 0
	for {
		select {
		case <-past.Messages:
			n++
			continue
		case err := <-past.Err:
			if !errors.Is(err, io.EOF) || n == 0 {
				t.Fatalf("replay ended with %v after %d events", err, n)
			}
		}
		break
	}
}

func TestInspectsAndServeCleanup(t *testing.T) {
	e := demo.New(11, demo.WithNow(fixedNow))
	cctx, cancel := context.WithCancel(context.Background())
	host, err := e.Serve(cctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.WithHost(host))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var run demo.ContainerInfo
	for _, ct := range e.Containers() {
		if ct.State == "running" && len(ct.Volumes) > 0 {
			run = ct
			break
		}
	}
	ci, err := c.ContainerInspect(ctx(t), run.Name, client.ContainerInspectOptions{Size: true})
	if err != nil {
		t.Fatal(err)
	}
	if ci.Container.ID != run.ID || ci.Container.State == nil || !ci.Container.State.Running || ci.Container.SizeRw == nil || *ci.Container.SizeRw != run.SizeRw {
		t.Fatalf("container inspect %+v", ci.Container)
	}
	vi, err := c.VolumeInspect(ctx(t), run.Volumes[0], client.VolumeInspectOptions{})
	if err != nil || vi.Volume.Name != run.Volumes[0] {
		t.Fatalf("volume inspect %+v %v", vi.Volume, err)
	}
	ni, err := c.NetworkInspect(ctx(t), run.Networks[0], client.NetworkInspectOptions{})
	if err != nil || ni.Network.ID != run.Networks[0] {
		t.Fatalf("network inspect %+v %v", ni.Network, err)
	}
	if _, ok := ni.Network.Containers[run.ID]; !ok {
		t.Fatalf("network inspect does not list running container %s: %v", run.ID, ni.Network.Containers)
	}
	if _, err := c.ContainerStop(ctx(t), run.ID, client.ContainerStopOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ContainerRemove(ctx(t), run.ID, client.ContainerRemoveOptions{}); err != nil {
		t.Fatalf("remove after stop: %v", err)
	}

	sock := strings.TrimPrefix(host, "unix://")
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(sock)
		if os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("socket %s still there after ctx ended", sock)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := c.Ping(ctx(t), client.PingOptions{}); !client.IsErrConnectionFailed(err) {
		t.Fatalf("ping after the engine stopped: %v", err)
	}
}
