// Package model holds bilge's domain: the objects Docker keeps on disk, how
// much each takes, what deleting them frees, and how users sort and filter
// them. It is pure: no I/O, no clocks (callers pass now), no moby types.
package model

import (
	"sort"
	"strings"
	"time"
)

// Unknown marks a size or count the engine has not reported yet (it comes
// from the costly disk-usage call). It is shown as pending, never as 0.
const Unknown = -1

// NotReported marks a size the engine has answered about but cannot give
// (a volume driver that does not size its volumes: df says -1). It is
// shown as N/A and counts as 0, not as pending: it will never arrive.
const NotReported = -2

// Kind is one of the five kinds of objects bilge shows. Everything bilge
// says or does per kind — display order, names, deletion order — comes
// from one table, kindTable: a new kind is a new row there (and its list
// in Snapshot, its view in the UI).
type Kind int

const (
	KindImage Kind = iota
	KindContainer
	KindVolume
	KindNetwork
	KindBuildCache
)

// KindInfo is one row of the kind table.
type KindInfo struct {
	Kind Kind
	// Type is the kind as docker system df's TYPE column names it
	// ("Local Volumes"); Kind.String.
	Type string
	// Tab is the label of the kind's tab ("Build cache").
	Tab string
	// Noun and Plural name one object of the kind and several.
	Noun, Plural string
	// Sized: the objects take disk space of their own (networks do not).
	Sized bool
	// deletion is the kind's rank in DeletionOrder: a kind is deleted
	// after the kinds that may hold on to it. Containers go first: the
	// engine refuses to remove an image, volume or network a container
	// uses.
	deletion int
	// dfRow is the kind's row in docker system df (-1: docker prints none;
	// bilge adds the row after docker's).
	dfRow int
}

// kindTable is every kind, in display order (tabs, Overview, the marked
// summary), at the index of its Kind.
var kindTable = [...]KindInfo{
	KindImage:      {Kind: KindImage, Type: "Images", Tab: "Images", Noun: "image", Plural: "images", Sized: true, deletion: 1, dfRow: 0},
	KindContainer:  {Kind: KindContainer, Type: "Containers", Tab: "Containers", Noun: "container", Plural: "containers", Sized: true, deletion: 0, dfRow: 1},
	KindVolume:     {Kind: KindVolume, Type: "Local Volumes", Tab: "Volumes", Noun: "volume", Plural: "volumes", Sized: true, deletion: 2, dfRow: 2},
	KindNetwork:    {Kind: KindNetwork, Type: "Networks", Tab: "Networks", Noun: "network", Plural: "networks", deletion: 3, dfRow: -1},
	KindBuildCache: {Kind: KindBuildCache, Type: "Build Cache", Tab: "Build cache", Noun: "build-cache record", Plural: "build-cache records", Sized: true, deletion: 4, dfRow: 3},
}

// NumKinds is the number of kinds, for arrays indexed by Kind.
const NumKinds = len(kindTable)

// The kind lists, all derived from kindTable.
var (
	// Kinds is every kind in display order: the tabs after the Overview,
	// the Overview's rows, the marked summary.
	Kinds = kindsBy(func(a, b KindInfo) bool { return false })
	// DeletionOrder is the order a plan deletes in (and the confirmation
	// lists): containers first, then what they may hold on to.
	DeletionOrder = kindsBy(func(a, b KindInfo) bool { return a.deletion < b.deletion })
	// SizedKinds are the kinds that take disk space of their own, in
	// display order.
	SizedKinds = kindsWhere(func(i KindInfo) bool { return i.Sized })
	// DFOrder is the rows of bilge df: docker system df's, in docker's
	// order, then the kinds docker prints no row for.
	DFOrder = kindsBy(func(a, b KindInfo) bool { return dfRank(a) < dfRank(b) })
)

func kindsBy(less func(a, b KindInfo) bool) []Kind {
	rows := kindTable
	sort.SliceStable(rows[:], func(i, j int) bool { return less(rows[i], rows[j]) })
	out := make([]Kind, len(rows))
	for i, r := range rows {
		out[i] = r.Kind
	}
	return out
}

func dfRank(i KindInfo) int {
	if i.dfRow < 0 {
		return NumKinds
	}
	return i.dfRow
}

func kindsWhere(keep func(KindInfo) bool) []Kind {
	var out []Kind
	for _, r := range kindTable {
		if keep(r) {
			out = append(out, r.Kind)
		}
	}
	return out
}

// Info is the kind's row of the kind table ("?" for names of a value that
// is no kind).
func (k Kind) Info() KindInfo {
	if k < 0 || int(k) >= NumKinds {
		return KindInfo{Kind: k, Type: "?", Tab: "?", Noun: "?", Plural: "?"}
	}
	return kindTable[k]
}

// String is the kind as docker system df names it ("Local Volumes").
func (k Kind) String() string { return k.Info().Type }

// Noun names n objects of the kind: "image" for one, "images" otherwise.
func (k Kind) Noun(n int) string {
	if n == 1 {
		return k.Info().Noun
	}
	return k.Info().Plural
}

// Layer is one filesystem layer of an image, identified by its chain ID
// (which, unlike the diff ID, names the layer as stored on disk).
type Layer struct {
	ChainID string
	DiffID  string
	Size    int64
}

// Image is one image, keyed by its content-addressed ID.
type Image struct {
	ID      string
	Tags    []string // repo:tag; empty for a dangling image
	Digests []string // repo@sha256:…
	// ParentID is the nearest listed ancestor (legacy builder and docker
	// commit chains; the intermediate images between are not listed).
	ParentID string
	Created  time.Time
	// LastTagged is when a tag was last put on the image (the engine's
	// LastTagTime, from inspect); zero when not known or never tagged.
	// Only bilge prune reads it (Snapshot.LastUsed).
	LastTagged time.Time
	Labels     map[string]string
	// Size is every layer of the image, shared or not.
	Size int64
	// SharedSize is the part of Size other images also use (Unknown until
	// disk usage arrives).
	SharedSize int64
	// ContentSize is, on the containerd image store, the packed content
	// of the image present in the content store: every manifest's
	// compressed layers, config and manifest, plus the index when the image
	// is one (Unknown when not known, and on a graph driver, which keeps no
	// packed content).
	ContentSize int64
	// Containers are the IDs of containers (any state) created from it.
	Containers []string
	// RunningContainers counts those of Containers that are running,
	// paused or restarting.
	RunningContainers int
	// Running counts those of Containers in the running state alone (as
	// docker ps --filter status=running): not paused, not restarting.
	Running int
	// Layers, oldest first; nil until known.
	Layers []Layer
	// BuildKit reports an image BuildKit built: build-cache records hold
	// its layers too, so deleting it moves bytes to the build cache
	// instead of freeing them. Known with the layers.
	BuildKit bool
	// Orig is the image as the engine gave it, when SafeText changed any
	// of its text; nil otherwise (on any ordinary host). Only output that
	// must keep the engine's exact bytes (--json) reads it.
	Orig *Image
}

// UniqueSize is the part of the image no other image uses, or Unknown.
func (i *Image) UniqueSize() int64 {
	if i.SharedSize < 0 || i.Size < 0 {
		return Unknown
	}
	return i.Size - i.SharedSize
}

// Dangling reports an image with no tag.
func (i *Image) Dangling() bool { return len(i.Tags) == 0 }

// Name is what the user calls the image: its first tag, or <none>:<none>.
func (i *Image) Name() string {
	if len(i.Tags) == 0 {
		return "<none>:<none>"
	}
	return i.Tags[0]
}

// Mount is one mount of a container.
type Mount struct {
	Type        string // volume, bind, tmpfs, …
	Name        string // volume name, for volume mounts
	Source      string
	Destination string
}

// Container states as the engine names them.
const (
	StateRunning    = "running"
	StatePaused     = "paused"
	StateRestarting = "restarting"
	StateExited     = "exited"
	StateCreated    = "created"
	StateDead       = "dead"
	StateRemoving   = "removing"
)

// Container is one container, keyed by ID.
type Container struct {
	ID       string
	Name     string // without the leading slash
	Image    string // the reference it was created from, as the engine reports it
	ImageID  string
	State    string
	ExitCode int // meaningful when State is exited
	Created  time.Time
	// Started and Finished are the engine's StartedAt and FinishedAt, from
	// inspect (the list call lacks them); zero when not known. Only bilge
	// prune asks for them, for the stopped containers its rules weigh.
	Started, Finished time.Time
	// SizeRw is the writable layer (Unknown until disk usage arrives).
	SizeRw int64
	// SizeRootFs is the writable layer plus the image (Unknown until known).
	SizeRootFs int64
	Mounts     []Mount
	Networks   []string // IDs of attached networks
	Labels     map[string]string
	// Orig is the container as the engine gave it, when SafeText changed any
	// of its text; nil otherwise (on any ordinary host). Only output that
	// must keep the engine's exact bytes (--json) reads it.
	Orig *Container
}

// Active reports a container docker system df counts as active.
func (c *Container) Active() bool {
	switch c.State {
	case StateRunning, StatePaused, StateRestarting:
		return true
	}
	return false
}

// Volume is one volume, keyed by name.
type Volume struct {
	Name    string
	Driver  string
	Scope   string
	Labels  map[string]string
	Created time.Time
	// Size is Unknown until disk usage arrives, NotReported when the driver
	// cannot say.
	Size int64
	// RefCount is the engine's count of containers using the volume
	// (Unknown until disk usage arrives).
	RefCount int64
	// Containers are the IDs of containers that mount it, from the
	// container list.
	Containers []string
	// Orig is the volume as the engine gave it, when SafeText changed any
	// of its text; nil otherwise (on any ordinary host). Only output that
	// must keep the engine's exact bytes (--json) reads it.
	Orig *Volume
}

// AnonymousVolumeLabel is set by engines from 23.0 on anonymous volumes.
const AnonymousVolumeLabel = "com.docker.volume.anonymous"

// Anonymous reports a volume the engine named itself: labelled so by newer
// engines, or, on older ones, a 64-hex-digit name.
func (v *Volume) Anonymous() bool {
	if _, ok := v.Labels[AnonymousVolumeLabel]; ok {
		return true
	}
	return isHex64(v.Name)
}

// InUse reports whether any container uses the volume.
func (v *Volume) InUse() bool {
	if v.RefCount > 0 || len(v.Containers) > 0 {
		return true
	}
	return false
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}

// Network is one network, keyed by ID.
type Network struct {
	ID         string
	Name       string
	Driver     string
	Scope      string
	Created    time.Time
	Labels     map[string]string
	Containers []string // IDs of attached containers
	// Orig is the network as the engine gave it, when SafeText changed any
	// of its text; nil otherwise (on any ordinary host). Only output that
	// must keep the engine's exact bytes (--json) reads it.
	Orig *Network
}

// Builtin reports the networks the engine creates itself and never lets
// anyone remove.
func (n *Network) Builtin() bool {
	switch n.Name {
	case "bridge", "host", "none":
		return true
	}
	return false
}

// BuildRecord is one BuildKit build-cache record, keyed by ID.
type BuildRecord struct {
	ID          string
	Parents     []string
	Type        string
	Description string
	Size        int64
	Created     time.Time
	LastUsed    time.Time // zero when never used
	UsageCount  int
	Shared      bool
	InUse       bool
	// Orig is the record as the engine gave it, when SafeText changed any
	// of its text; nil otherwise (on any ordinary host). Only output that
	// must keep the engine's exact bytes (--json) reads it.
	Orig *BuildRecord
}

// Engine identifies the Docker engine a snapshot came from.
type Engine struct {
	Host          string // the URL dialled
	Context       string // the docker context, when one was used
	Version       string
	APIVersion    string // negotiated
	OS            string
	Arch          string
	KernelVersion string
	// ID and Name are the engine's own identity (/info), the same whatever
	// address reached it; empty unless asked for (dockerapi's Daemon).
	ID, Name string
	// Product is the engine's kind as shown to the user: "Podman" for
	// Podman's Docker-compatible API, "Docker" otherwise (see ProductName).
	Product string
	// NoBuildCache: the engine keeps no build-cache records and has no
	// build-cache prune (Podman: Buildah's cache is intermediate images).
	NoBuildCache bool
	// NoNetworkEvents: the engine sends no network create/destroy events
	// (Podman 4), so networks are re-listed on the ping cycle.
	NoNetworkEvents bool
	// StoppedUseNetworks: a stopped or created container keeps its
	// networks in use, so "unused networks" leaves them (podman network
	// prune; Docker's network prune removes networks only stopped
	// containers are on).
	StoppedUseNetworks bool
	// Orig is the identity as the engine gave it, when SafeText changed any
	// of its text; nil otherwise (on any ordinary host). Only output that
	// must keep the engine's exact bytes (--json) reads it.
	Orig *Engine
}

// ProductName is the engine's kind for the header: "Docker" unless the
// engine said otherwise.
func (e Engine) ProductName() string {
	if e.Product == "" {
		return "Docker"
	}
	return e.Product
}

// VersionLabel is the engine's version as a fleet table shows it: the
// version alone for Docker, prefixed with the product otherwise ("Podman
// 4.3.1").
func (e Engine) VersionLabel() string {
	if e.Product == "" || e.Product == "Docker" {
		return e.Version
	}
	return e.Product + " " + e.Version
}

// Snapshot is everything bilge knows about one engine at one moment.
type Snapshot struct {
	Engine     Engine
	Images     []Image
	Containers []Container
	Volumes    []Volume
	Networks   []Network
	BuildCache []BuildRecord

	// LayersSize is the engine's total of every layer counted once
	// (Unknown until disk usage arrives).
	LayersSize int64
	// Reported is the engine's own docker system df table from the last
	// disk usage (API 1.52 and later), nil when the engine leaves it to the
	// client: Usage follows it when present.
	Reported []Usage
	// ContainerdStore reports an engine that keeps images in containerd's
	// image store (Docker 29's default): what deleting an image frees is
	// its unpacked snapshots and its content-store blobs, each once (see
	// containerdUnits), not graph-driver layers.
	ContainerdStore bool
	// Sized reports that the costly sizes (disk usage) are merged in.
	Sized bool
	// ContainersPending reports a snapshot of the image list alone, shown
	// while the other lists are still on their way: which containers use
	// each image (and so its status) is not known yet.
	ContainersPending bool

	ListedAt     time.Time // when the cheap lists were taken
	SizedAt      time.Time // when disk usage was taken
	ListDuration time.Duration
	SizeDuration time.Duration
}
