// Package report prints a snapshot for scripts and terminals without the
// UI: the docker system df table, per-object listings, and JSON.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"bilge/model"
)

// Text writes the system df table, and with verbose every object per kind.
// The first five columns are docker system df's; EXACT is what each kind's
// prune really frees (ix may be nil when layer data is unavailable).
func Text(w io.Writer, s *model.Snapshot, ix *model.ReclaimIndex, verbose bool, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE\tEXACT RECLAIMABLE")
	var exact map[model.Kind]model.KindReclaim
	if ix != nil {
		exact = ix.ExactReclaimable()
	}
	var held int64
	for _, u := range s.Usage() {
		ex := "-"
		if e, ok := exact[u.Kind]; ok {
			ex = model.HumanSize(e.Bytes)
			if e.Pending {
				ex = "≥" + ex
			}
			if e.Held > 0 {
				ex += "*"
				held = e.Held
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", u.Kind, u.Total, u.Active, sizeCell(u.Kind, u.Size), reclaimCell(u), ex)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if held > 0 {
		fmt.Fprintf(w, "* of which %s stays in build cache until it is pruned (layers build-cache records also hold)\n", model.HumanSize(held))
	}
	if e := s.Engine; e.Product != "" {
		// Docker's output stays as it was; another engine is named, with
		// what it lacks.
		fmt.Fprintf(w, "engine: %s %s (API %s)", e.ProductName(), e.Version, e.APIVersion)
		if e.NoBuildCache {
			fmt.Fprint(w, "; it keeps no build cache (its builds' cached steps are untagged intermediate images)")
		}
		fmt.Fprintln(w)
	}
	if !verbose {
		return nil
	}
	sections := []func(io.Writer, *model.Snapshot, *model.ReclaimIndex, time.Time){imagesText, containersText, volumesText, networksText, buildCacheText}
	for _, sec := range sections {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
		sec(tw, s, ix, now)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func sizeCell(k model.Kind, n int64) string {
	if k == model.KindNetwork {
		return "-"
	}
	return model.SizeText(n)
}

func reclaimCell(u model.Usage) string {
	if u.Kind == model.KindNetwork {
		return "-"
	}
	if u.Reclaimable < 0 {
		return model.SizeText(u.Reclaimable)
	}
	if u.Kind == model.KindBuildCache {
		return model.HumanSize(u.Reclaimable) // docker prints no percentage here
	}
	if p := u.ReclaimablePercent(); p >= 0 {
		return fmt.Sprintf("%s (%d%%)", model.HumanSize(u.Reclaimable), p)
	}
	return model.HumanSize(u.Reclaimable)
}

// sizeText3 is how docker's object listings print an object's own size:
// three significant digits ("561MB").
func sizeText3(n int64) string {
	if n < 0 {
		return model.SizeText(n)
	}
	return model.HumanSizePrecision(n, 3)
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return model.Age(now.Sub(t)) + " ago"
}

func imagesText(w io.Writer, s *model.Snapshot, ix *model.ReclaimIndex, now time.Time) {
	fmt.Fprintln(w, "Images space usage:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "IMAGE\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS\tSTATUS\tFREES ALONE")
	held := false
	defer func() {
		if held {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "* build-cache records hold these layers too (BuildKit built the image, or builds used it as a base): those bytes stay in build cache until it is pruned")
		}
	}()
	for i := range s.Images {
		img := &s.Images[i]
		name := img.Name()
		if n := len(img.Tags); n > 1 {
			name += fmt.Sprintf(" (+%d)", n-1)
		}
		frees := model.Pending
		if ix != nil {
			if b, known := ix.FreesAlone(img.ID); known {
				frees = model.HumanSize(b)
				if b > 0 && ix.HeldAlone(img.ID) > 0 {
					frees += "*"
					held = true
				}
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", name, model.ShortID(img.ID), ago(now, img.Created),
			sizeText3(img.Size), model.SizeText(img.SharedSize), model.SizeText(img.UniqueSize()),
			len(img.Containers), img.Status(), frees)
	}
}

func containersText(w io.Writer, s *model.Snapshot, _ *model.ReclaimIndex, now time.Time) {
	fmt.Fprintln(w, "Containers space usage:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CONTAINER ID\tNAME\tIMAGE\tSTATE\tCREATED\tSIZE\tVIRTUAL\tVOLUMES")
	for i := range s.Containers {
		c := &s.Containers[i]
		vols := 0
		for _, m := range c.Mounts {
			if m.Type == "volume" {
				vols++
			}
		}
		image := c.Image
		if strings.HasPrefix(image, "sha256:") {
			image = model.ShortID(image) // its tag moved: the ID, as docker prints it
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", model.ShortID(c.ID), c.Name, image, c.StateText(),
			ago(now, c.Created), sizeText3(c.SizeRw), sizeText3(c.SizeRootFs), vols)
	}
}

func volumesText(w io.Writer, s *model.Snapshot, _ *model.ReclaimIndex, now time.Time) {
	fmt.Fprintln(w, "Local Volumes space usage:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "VOLUME NAME\tDRIVER\tLINKS\tSIZE\tCREATED")
	for i := range s.Volumes {
		v := &s.Volumes[i]
		name := v.Name // in full: a volume is removed by its whole name
		if v.Anonymous() {
			name += " (anonymous)"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", name, v.Driver, volumeLinks(v), model.SizeText(v.Size), ago(now, v.Created))
	}
}

func volumeLinks(v *model.Volume) int {
	if v.RefCount >= 0 {
		return int(v.RefCount)
	}
	return len(v.Containers)
}

func networksText(w io.Writer, s *model.Snapshot, _ *model.ReclaimIndex, now time.Time) {
	fmt.Fprintln(w, "Networks:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "NETWORK ID\tNAME\tDRIVER\tSCOPE\tCONTAINERS\tCREATED")
	for i := range s.Networks {
		n := &s.Networks[i]
		name := n.Name
		if n.Builtin() {
			name += " (built-in)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", model.ShortID(n.ID), name, n.Driver, n.Scope, len(n.Containers), ago(now, n.Created))
	}
}

func buildCacheText(w io.Writer, s *model.Snapshot, _ *model.ReclaimIndex, now time.Time) {
	fmt.Fprintln(w, "Build cache usage:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED\tIN USE\tDESCRIPTION")
	for i := range s.BuildCache {
		r := &s.BuildCache[i]
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%t\t%t\t%s\n", model.ShortID(r.ID), r.Type, sizeText3(r.Size),
			ago(now, r.Created), ago(now, r.LastUsed), r.UsageCount, r.Shared, r.InUse, oneLine(r.Description))
	}
}

// oneLine is a description on one line of at most 60 characters, cut
// between characters (never inside one).
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 60 {
		r := []rune(s)
		s = string(r[:57]) + "..."
	}
	return s
}

// Document is the JSON shape of bilge df --json.
type Document struct {
	Engine     EngineJSON `json:"engine"`
	Images     KindJSON   `json:"images"`
	Containers KindJSON   `json:"containers"`
	Volumes    KindJSON   `json:"volumes"`
	Networks   KindJSON   `json:"networks"`
	BuildCache KindJSON   `json:"buildCache"`
}

// EngineJSON identifies the engine.
type EngineJSON struct {
	Host    string `json:"host"`
	Context string `json:"context,omitempty"`
	// Product is the engine's kind when it is not Docker ("Podman").
	Product    string    `json:"product,omitempty"`
	Version    string    `json:"version"`
	APIVersion string    `json:"apiVersion"`
	OS         string    `json:"os"`
	Arch       string    `json:"arch"`
	ListedAt   time.Time `json:"listedAt"`
	SizedAt    time.Time `json:"sizedAt"`
	// Durations of the cheap lists and the disk-usage call, in milliseconds.
	ListMillis int64 `json:"listMillis"`
	SizeMillis int64 `json:"sizeMillis"`
}

// KindJSON is one row of the table; sizes are bytes, null when unknown
// (networks hold no disk space).
type KindJSON struct {
	Total              int    `json:"total"`
	Active             int    `json:"active"`
	Size               *int64 `json:"size"`
	Reclaimable        *int64 `json:"reclaimable"`
	ReclaimablePercent *int64 `json:"reclaimablePercent"`
	// ReclaimableExact is what the kind's own prune frees, exactly (null
	// for networks, and while layer data is missing).
	ReclaimableExact *int64 `json:"reclaimableExact"`
	// HeldByBuildCache (images only) is the part of ReclaimableExact that
	// stays on disk in BuildKit's build cache until it is pruned.
	HeldByBuildCache *int64 `json:"heldByBuildCache,omitempty"`
	// Items, with -v only: every object of the kind ([] when none).
	Items *[]any `json:"items,omitempty"`
}

// ImageJSON is one image in -v output.
type ImageJSON struct {
	ID           string            `json:"id"`
	Tags         []string          `json:"tags"`
	Digests      []string          `json:"digests"`
	Created      time.Time         `json:"created"`
	Size         *int64            `json:"size"`
	SharedSize   *int64            `json:"sharedSize"`
	UniqueSize   *int64            `json:"uniqueSize"`
	Containers   []string          `json:"containers"`
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Dangling     bool              `json:"dangling"`
	ParentID     string            `json:"parentId,omitempty"`
	RunningCount int               `json:"runningContainers"`
	// FreesAlone is what deleting this image alone frees, exactly (null
	// while layer data is missing).
	FreesAlone *int64 `json:"freesAlone"`
	// FreesAloneHeldByBuildCache is the part of FreesAlone that stays in
	// build cache until it is pruned (layers its records also hold).
	FreesAloneHeldByBuildCache int64       `json:"freesAloneHeldByBuildCache"`
	BuildKit                   bool        `json:"buildKit"`
	Layers                     []LayerJSON `json:"layers"` // null while unknown
}

// LayerJSON is one layer of an image, oldest first.
type LayerJSON struct {
	ChainID  string   `json:"chainId"`
	DiffID   string   `json:"diffId"`
	Size     int64    `json:"size"`
	SharedBy []string `json:"sharedBy"` // other images using it
}

// ContainerJSON is one container in -v output.
type ContainerJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Image      string            `json:"image"`
	ImageID    string            `json:"imageId"`
	State      string            `json:"state"`
	ExitCode   int               `json:"exitCode"`
	Created    time.Time         `json:"created"`
	SizeRw     *int64            `json:"sizeRw"`
	SizeRootFs *int64            `json:"sizeRootFs"`
	Mounts     []MountJSON       `json:"mounts"`
	Networks   []string          `json:"networks"`
	Labels     map[string]string `json:"labels"`
}

// MountJSON is one mount of a container.
type MountJSON struct {
	Type        string `json:"type"`
	Name        string `json:"name,omitempty"`
	Source      string `json:"source,omitempty"`
	Destination string `json:"destination"`
}

// VolumeJSON is one volume in -v output.
type VolumeJSON struct {
	Name       string            `json:"name"`
	Anonymous  bool              `json:"anonymous"`
	Driver     string            `json:"driver"`
	Scope      string            `json:"scope"`
	Created    *time.Time        `json:"created"`
	Size       *int64            `json:"size"`
	RefCount   *int64            `json:"refCount"`
	Containers []string          `json:"containers"`
	Labels     map[string]string `json:"labels"`
}

// NetworkJSON is one network in -v output.
type NetworkJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Driver     string            `json:"driver"`
	Scope      string            `json:"scope"`
	Builtin    bool              `json:"builtin"`
	Created    time.Time         `json:"created"`
	Containers []string          `json:"containers"`
	Labels     map[string]string `json:"labels"`
}

// BuildRecordJSON is one build-cache record in -v output.
type BuildRecordJSON struct {
	ID          string     `json:"id"`
	Parents     []string   `json:"parents,omitempty"`
	Type        string     `json:"type"`
	Description string     `json:"description"`
	Size        int64      `json:"size"`
	Created     time.Time  `json:"created"`
	LastUsed    *time.Time `json:"lastUsed"`
	UsageCount  int        `json:"usageCount"`
	Shared      bool       `json:"shared"`
	InUse       bool       `json:"inUse"`
}

func bytesPtr(n int64) *int64 {
	if n < 0 {
		return nil
	}
	return &n
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func kindJSON(u model.Usage) KindJSON {
	k := KindJSON{Total: u.Total, Active: u.Active, Size: bytesPtr(u.Size), Reclaimable: bytesPtr(u.Reclaimable)}
	if p := u.ReclaimablePercent(); p >= 0 {
		k.ReclaimablePercent = &p
	}
	return k
}

// BuildDocument assembles the JSON document of a snapshot. ix may be nil
// when layer data is unavailable.
func BuildDocument(s *model.Snapshot, ix *model.ReclaimIndex, verbose bool) Document {
	eng := orig(&s.Engine, s.Engine.Orig)
	d := Document{
		Engine: EngineJSON{
			Host: eng.Host, Context: eng.Context, Product: eng.Product, Version: eng.Version,
			APIVersion: eng.APIVersion, OS: eng.OS, Arch: eng.Arch,
			ListedAt: s.ListedAt, SizedAt: s.SizedAt,
			ListMillis: s.ListDuration.Milliseconds(), SizeMillis: s.SizeDuration.Milliseconds(),
		},
		Images:     kindJSON(s.UsageOf(model.KindImage)),
		Containers: kindJSON(s.UsageOf(model.KindContainer)),
		Volumes:    kindJSON(s.UsageOf(model.KindVolume)),
		Networks:   kindJSON(s.UsageOf(model.KindNetwork)),
		BuildCache: kindJSON(s.UsageOf(model.KindBuildCache)),
	}
	if ix != nil {
		exact := ix.ExactReclaimable()
		for k, kj := range map[model.Kind]*KindJSON{model.KindImage: &d.Images, model.KindContainer: &d.Containers, model.KindVolume: &d.Volumes, model.KindBuildCache: &d.BuildCache} {
			if e := exact[k]; !e.Pending {
				b := e.Bytes
				kj.ReclaimableExact = &b
				if k == model.KindImage {
					h := e.Held
					kj.HeldByBuildCache = &h
				}
			}
		}
	}
	if !verbose {
		return d
	}
	// The engine's exact text: objects whose text SafeText changed keep
	// it in Orig, and references between objects go by raw ID.
	rid := rawIDs(s)
	itemsImages := []any{}
	d.Images.Items = &itemsImages
	for i := range s.Images {
		img := &s.Images[i]
		txt := orig(img, img.Orig)
		ij := ImageJSON{
			ID: rid.of(img.ID), Tags: nonNil(txt.Tags), Digests: nonNil(txt.Digests), Created: img.Created,
			Size: bytesPtr(img.Size), SharedSize: bytesPtr(img.SharedSize), UniqueSize: bytesPtr(img.UniqueSize()),
			Containers: rid.all(img.Containers), Status: img.Status().String(), Labels: txt.Labels,
			Dangling: img.Dangling(), ParentID: rid.of(img.ParentID), RunningCount: img.RunningContainers,
			BuildKit: img.BuildKit,
		}
		if img.Layers != nil {
			ij.Layers = []LayerJSON{}
		}
		if ix != nil {
			if b, known := ix.FreesAlone(img.ID); known {
				ij.FreesAlone = &b
				if b > 0 {
					ij.FreesAloneHeldByBuildCache = ix.HeldAlone(img.ID)
				}
			}
		}
		for _, l := range img.Layers {
			lj := LayerJSON{ChainID: l.ChainID, DiffID: l.DiffID, Size: l.Size, SharedBy: []string{}}
			if ix != nil {
				for _, id := range ix.SharedBy(l.ChainID) {
					if id != img.ID {
						lj.SharedBy = append(lj.SharedBy, rid.of(id))
					}
				}
			}
			ij.Layers = append(ij.Layers, lj)
		}
		itemsImages = append(itemsImages, ij)
	}
	itemsContainers := []any{}
	d.Containers.Items = &itemsContainers
	for i := range s.Containers {
		c := &s.Containers[i]
		txt := orig(c, c.Orig)
		mounts := make([]MountJSON, len(txt.Mounts))
		for j, m := range txt.Mounts {
			mounts[j] = MountJSON{Type: m.Type, Name: m.Name, Source: m.Source, Destination: m.Destination}
		}
		itemsContainers = append(itemsContainers, ContainerJSON{
			ID: rid.of(c.ID), Name: txt.Name, Image: txt.Image, ImageID: txt.ImageID, State: txt.State, ExitCode: c.ExitCode,
			Created: c.Created, SizeRw: bytesPtr(c.SizeRw), SizeRootFs: bytesPtr(c.SizeRootFs),
			Mounts: mounts, Networks: nonNil(txt.Networks), Labels: txt.Labels,
		})
	}
	itemsVolumes := []any{}
	d.Volumes.Items = &itemsVolumes
	for i := range s.Volumes {
		v := &s.Volumes[i]
		txt := orig(v, v.Orig)
		itemsVolumes = append(itemsVolumes, VolumeJSON{
			Name: txt.Name, Anonymous: v.Anonymous(), Driver: txt.Driver, Scope: txt.Scope, Created: timePtr(v.Created),
			Size: bytesPtr(v.Size), RefCount: bytesPtr(v.RefCount), Containers: rid.all(v.Containers), Labels: txt.Labels,
		})
	}
	itemsNetworks := []any{}
	d.Networks.Items = &itemsNetworks
	for i := range s.Networks {
		n := &s.Networks[i]
		txt := orig(n, n.Orig)
		itemsNetworks = append(itemsNetworks, NetworkJSON{
			ID: rid.of(n.ID), Name: txt.Name, Driver: txt.Driver, Scope: txt.Scope, Builtin: n.Builtin(), Created: n.Created,
			Containers: rid.all(n.Containers), Labels: txt.Labels,
		})
	}
	itemsBuildCache := []any{}
	d.BuildCache.Items = &itemsBuildCache
	for i := range s.BuildCache {
		r := &s.BuildCache[i]
		txt := orig(r, r.Orig)
		itemsBuildCache = append(itemsBuildCache, BuildRecordJSON{
			ID: txt.ID, Parents: txt.Parents, Type: txt.Type, Description: txt.Description, Size: r.Size,
			Created: r.Created, LastUsed: timePtr(r.LastUsed), UsageCount: r.UsageCount, Shared: r.Shared, InUse: r.InUse,
		})
	}
	return d
}

// orig is o when the engine's text of an object was kept (SafeText
// changed it), else the object itself.
func orig[T any](obj, o *T) *T {
	if o != nil {
		return o
	}
	return obj
}

// idMap maps the safe IDs SafeText changed back to the engine's; nil on
// ordinary hosts.
type idMap map[string]string

func rawIDs(s *model.Snapshot) idMap {
	var m idMap
	add := func(safe, raw string) {
		if safe != raw {
			if m == nil {
				m = idMap{}
			}
			m[safe] = raw
		}
	}
	for i := range s.Images {
		if o := s.Images[i].Orig; o != nil {
			add(s.Images[i].ID, o.ID)
		}
	}
	for i := range s.Containers {
		if o := s.Containers[i].Orig; o != nil {
			add(s.Containers[i].ID, o.ID)
		}
	}
	for i := range s.Networks {
		if o := s.Networks[i].Orig; o != nil {
			add(s.Networks[i].ID, o.ID)
		}
	}
	return m
}

func (m idMap) of(id string) string {
	if raw, ok := m[id]; ok {
		return raw
	}
	return id
}

func (m idMap) all(ids []string) []string {
	if m == nil || len(ids) == 0 {
		return nonNil(ids)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = m.of(id)
	}
	return out
}

// JSON writes the document, indented, with a trailing newline.
func JSON(w io.Writer, s *model.Snapshot, ix *model.ReclaimIndex, verbose bool) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(BuildDocument(s, ix, verbose))
}
