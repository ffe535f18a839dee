package demo

import (
	"fmt"
	"sort"
	"strings"
	"time"

	units "github.com/docker/go-units"
)

// JSON shapes as Engine 20.10 (API 1.41) writes them.

type imageSummary struct {
	Containers  int64
	Created     int64
	ID          string `json:"Id"`
	Labels      map[string]string
	ParentID    string `json:"ParentId"`
	RepoDigests []string
	RepoTags    []string
	SharedSize  int64
	Size        int64
	VirtualSize int64
}

type portJSON struct {
	IP          string `json:"IP,omitempty"`
	PrivatePort uint16
	PublicPort  uint16 `json:"PublicPort,omitempty"`
	Type        string
}

type endpointJSON struct {
	IPAMConfig          *struct{}
	Links               []string
	Aliases             []string
	NetworkID           string
	EndpointID          string
	Gateway             string
	IPAddress           string
	IPPrefixLen         int
	IPv6Gateway         string
	GlobalIPv6Address   string
	GlobalIPv6PrefixLen int
	MacAddress          string
	DriverOpts          map[string]string
}

type mountJSON struct {
	Type        string `json:"Type,omitempty"`
	Name        string `json:"Name,omitempty"`
	Source      string
	Destination string
	Driver      string `json:"Driver,omitempty"`
	Mode        string
	RW          bool
	Propagation string
}

type containerSummary struct {
	ID         string `json:"Id"`
	Names      []string
	Image      string
	ImageID    string
	Command    string
	Created    int64
	Ports      []portJSON
	SizeRw     int64 `json:",omitempty"`
	SizeRootFs int64 `json:",omitempty"`
	Labels     map[string]string
	State      string
	Status     string
	HostConfig struct {
		NetworkMode string `json:",omitempty"`
	}
	NetworkSettings struct {
		Networks map[string]*endpointJSON
	}
	Mounts []mountJSON
}

type usageData struct {
	Size     int64
	RefCount int64
}

type volumeJSON struct {
	CreatedAt  string `json:",omitempty"`
	Driver     string
	Labels     map[string]string
	Mountpoint string
	Name       string
	Options    map[string]string
	Scope      string
	UsageData  *usageData `json:",omitempty"`
}

type ipamConfigJSON struct {
	Subnet  string `json:",omitempty"`
	Gateway string `json:",omitempty"`
}

type networkContainerJSON struct {
	Name        string
	EndpointID  string
	MacAddress  string
	IPv4Address string
	IPv6Address string
}

type networkJSON struct {
	Name       string
	ID         string `json:"Id"`
	Created    time.Time
	Scope      string
	Driver     string
	EnableIPv6 bool
	IPAM       struct {
		Driver  string
		Options map[string]string
		Config  []ipamConfigJSON
	}
	Internal   bool
	Attachable bool
	Ingress    bool
	ConfigFrom struct{ Network string }
	ConfigOnly bool
	Containers map[string]networkContainerJSON
	Options    map[string]string
	Labels     map[string]string
}

type buildCacheJSON struct {
	ID          string
	Parent      string `json:",omitempty"`
	Type        string
	Description string
	InUse       bool
	Shared      bool
	Size        int64
	CreatedAt   time.Time
	LastUsedAt  *time.Time
	UsageCount  int
}

type diskUsageJSON struct {
	LayersSize  int64
	Images      []imageSummary
	Containers  []containerSummary
	Volumes     []volumeJSON
	BuildCache  []buildCacheJSON
	BuilderSize int64 `json:",omitempty"`
}

type configJSON struct {
	Hostname     string
	Domainname   string
	User         string
	AttachStdin  bool
	AttachStdout bool
	AttachStderr bool
	ExposedPorts map[string]struct{} `json:",omitempty"`
	Tty          bool
	OpenStdin    bool
	StdinOnce    bool
	Env          []string
	Cmd          []string
	Image        string
	Volumes      map[string]struct{}
	WorkingDir   string
	Entrypoint   []string
	OnBuild      []string
	Labels       map[string]string
}

type imageInspectJSON struct {
	ID              string `json:"Id"`
	RepoTags        []string
	RepoDigests     []string
	Parent          string
	Comment         string
	Created         string
	Container       string
	ContainerConfig configJSON
	DockerVersion   string
	Author          string
	Config          configJSON
	Architecture    string
	Os              string
	Size            int64
	VirtualSize     int64
	GraphDriver     struct {
		Data map[string]string
		Name string
	}
	RootFS struct {
		Type   string
		Layers []string
	}
	Metadata struct {
		LastTagTime time.Time
	}
}

type historyJSON struct {
	Comment   string
	Created   int64
	CreatedBy string
	ID        string `json:"Id"`
	Size      int64
	Tags      []string
}

type deleteItem struct {
	Untagged string `json:"Untagged,omitempty"`
	Deleted  string `json:"Deleted,omitempty"`
}

type errorJSON struct {
	Message string `json:"message"`
}

// ---- building them from the state ----

func (s *state) imageSummary(img *image) imageSummary {
	size := img.size()
	sum := imageSummary{
		Containers:  -1,
		Created:     img.created.Unix(),
		ID:          img.id,
		Labels:      img.config.labels,
		ParentID:    img.parent,
		SharedSize:  -1,
		Size:        size,
		VirtualSize: size,
	}
	if t := img.tags(); len(t) > 0 {
		sum.RepoTags = t
	}
	if d := img.digests(); len(d) > 0 {
		sum.RepoDigests = d
	}
	if sum.RepoTags == nil && sum.RepoDigests == nil {
		sum.RepoTags = []string{"<none>:<none>"}
		sum.RepoDigests = []string{"<none>@<none>"}
	}
	return sum
}

// containerImage is the Image column: the reference the container was
// created from while it still names the container's image, else the ID.
func (s *state) containerImage(c *container) string {
	if c.imageRef == c.imageID {
		return c.imageID
	}
	img, err := s.getImage(c.imageRef)
	if err != nil || img.id != c.imageID {
		return c.imageID
	}
	return c.imageRef
}

func (s *state) containerSummary(c *container, now time.Time, withSize bool) containerSummary {
	cs := containerSummary{
		ID:      c.id,
		Names:   []string{"/" + c.name},
		Image:   s.containerImage(c),
		ImageID: c.imageID,
		Command: c.command(),
		Created: c.created.Unix(),
		Ports:   []portJSON{},
		Labels:  c.labels,
		State:   c.state,
		Status:  statusString(c, now),
		Mounts:  []mountJSON{},
	}
	if withSize {
		cs.SizeRw = c.sizeRw
		cs.SizeRootFs = c.sizeRw + c.imageSize()
	}
	cs.HostConfig.NetworkMode = c.netMode
	cs.NetworkSettings.Networks = map[string]*endpointJSON{}
	for _, ep := range c.networks {
		cs.NetworkSettings.Networks[ep.netName] = endpointFor(ep, false)
	}
	for _, p := range c.ports {
		cs.Ports = append(cs.Ports, portJSON{IP: "0.0.0.0", PrivatePort: p.private, PublicPort: p.public, Type: p.typ},
			portJSON{IP: "::", PrivatePort: p.private, PublicPort: p.public, Type: p.typ})
	}
	for _, m := range c.mounts {
		cs.Mounts = append(cs.Mounts, mountToJSON(m))
	}
	return cs
}

func endpointFor(ep endpoint, withAliases bool) *endpointJSON {
	ej := &endpointJSON{NetworkID: ep.netID, EndpointID: ep.epID, Gateway: ep.gateway, IPAddress: ep.ip, IPPrefixLen: ep.prefix, MacAddress: ep.mac}
	if withAliases {
		ej.Aliases = ep.aliases
	}
	return ej
}

func mountToJSON(m mount) mountJSON {
	return mountJSON{Type: m.typ, Name: m.name, Source: m.source, Destination: m.dest, Driver: m.driver, Mode: m.mode, RW: m.rw, Propagation: m.propagation}
}

func statusString(c *container, now time.Time) string {
	switch c.state {
	case "running":
		return "Up " + units.HumanDuration(now.Sub(c.started))
	case "paused":
		return "Up " + units.HumanDuration(now.Sub(c.started)) + " (Paused)"
	case "restarting":
		return fmt.Sprintf("Restarting (%d) %s ago", c.exitCode, units.HumanDuration(now.Sub(c.finished)))
	case "created":
		return "Created"
	case "exited":
		if c.finished.IsZero() {
			return fmt.Sprintf("Exited (%d)", c.exitCode)
		}
		return fmt.Sprintf("Exited (%d) %s ago", c.exitCode, units.HumanDuration(now.Sub(c.finished)))
	case "dead":
		return "Dead"
	case "removing":
		return "Removal In Progress"
	}
	return ""
}

func volumeToJSON(v *volume) volumeJSON {
	return volumeJSON{
		CreatedAt:  v.created.UTC().Format(time.RFC3339),
		Driver:     v.driver,
		Labels:     v.labels,
		Mountpoint: v.mountpoint(),
		Name:       v.name,
		Options:    v.options,
		Scope:      "local",
	}
}

func (s *state) networkToJSON(n *network, withContainers bool) networkJSON {
	nj := networkJSON{Name: n.name, ID: n.id, Created: n.created, Scope: n.scope, Driver: n.driver, Internal: n.internal,
		Attachable: n.attachable, Options: n.options, Labels: n.labels, Containers: map[string]networkContainerJSON{}}
	nj.IPAM.Driver = "default"
	nj.IPAM.Config = []ipamConfigJSON{}
	if n.subnet != "" {
		nj.IPAM.Config = append(nj.IPAM.Config, ipamConfigJSON{Subnet: n.subnet, Gateway: n.gateway})
	}
	if nj.Options == nil {
		nj.Options = map[string]string{}
	}
	if withContainers {
		for _, c := range s.activeEndpoints(n.id) {
			for _, ep := range c.networks {
				if ep.netID != n.id {
					continue
				}
				addr := ""
				if ep.ip != "" {
					addr = fmt.Sprintf("%s/%d", ep.ip, ep.prefix)
				}
				nj.Containers[c.id] = networkContainerJSON{Name: c.name, EndpointID: ep.epID, MacAddress: ep.mac, IPv4Address: addr}
			}
		}
	}
	return nj
}

func (s *state) recordToJSON(r *record) buildCacheJSON {
	b := buildCacheJSON{ID: r.id, Parent: r.parent, Type: r.typ, Description: r.desc, InUse: r.inUse, Shared: s.shared(r),
		Size: r.size, CreatedAt: r.created, UsageCount: r.usage}
	if !r.lastUsed.IsZero() {
		t := r.lastUsed
		b.LastUsedAt = &t
	}
	return b
}

func configToJSON(img *image, imageRef string) configJSON {
	c := img.config
	cj := configJSON{User: c.user, Env: c.env, Cmd: c.cmd, Image: imageRef, WorkingDir: c.workdir, Entrypoint: c.entrypoint, Labels: c.labels}
	if len(c.ports) > 0 {
		cj.ExposedPorts = map[string]struct{}{}
		for _, p := range c.ports {
			cj.ExposedPorts[p] = struct{}{}
		}
	}
	if len(c.volumes) > 0 {
		cj.Volumes = map[string]struct{}{}
		for _, v := range c.volumes {
			cj.Volumes[v] = struct{}{}
		}
	}
	return cj
}

func (s *state) imageInspect(img *image) imageInspectJSON {
	ij := imageInspectJSON{
		ID:           img.id,
		RepoTags:     append([]string{}, img.tags()...),
		RepoDigests:  append([]string{}, img.digests()...),
		Parent:       img.parent,
		Comment:      img.comment,
		Created:      img.created.UTC().Format(time.RFC3339Nano),
		Config:       configToJSON(img, ""),
		Architecture: "amd64",
		Os:           "linux",
		Size:         img.size(),
		VirtualSize:  img.size(),
	}
	if !img.buildkit {
		ij.DockerVersion = "20.10.24"
		ij.ContainerConfig = configToJSON(img, img.parent)
	}
	if len(img.layers) > 0 {
		top := strings.TrimPrefix(img.layers[len(img.layers)-1].chainID, "sha256:")
		ij.GraphDriver.Name = "overlay2"
		ij.GraphDriver.Data = map[string]string{
			"MergedDir": "/var/lib/docker/overlay2/" + top + "/merged",
			"UpperDir":  "/var/lib/docker/overlay2/" + top + "/diff",
			"WorkDir":   "/var/lib/docker/overlay2/" + top + "/work",
		}
	}
	ij.RootFS.Type = "layers"
	ij.RootFS.Layers = img.diffIDs()
	return ij
}

// history answers /images/{id}/history as the daemon builds it: newest
// first, each layer-creating entry with its layer's size, image IDs (and
// tags) filled in along the parent chain, "<missing>" beyond.
func (s *state) history(img *image) []historyJSON {
	out := make([]historyJSON, 0, len(img.history))
	li := 0
	for _, h := range img.history {
		var size int64
		if !h.empty && li < len(img.layers) {
			size = img.layers[li].size
			li++
		}
		out = append(out, historyJSON{ID: "<missing>", Created: h.created.Unix(), CreatedBy: h.createdBy, Comment: h.comment, Size: size})
	}
	// Reverse: newest first.
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	cur := img
	for k := range out {
		out[k].ID = cur.id
		out[k].Tags = cur.tags()
		if cur.parent == "" {
			break
		}
		next := s.images[cur.parent]
		if next == nil {
			break
		}
		cur = next
	}
	return out
}

// diskUsage is /system/df's answer (legacy shape, as 1.41 sends it). Images
// are the top-level ones; SharedSize counts the bytes of an image's layers
// that another listed image also has; LayersSize each of their layers once.
func (e *Engine) diskUsage() diskUsageJSON {
	s := e.s
	now := e.clock()
	children := s.childCounts()
	var listed []*image
	refs := map[string]int{}
	for _, img := range s.sortedImages() {
		if !topLevel(img, children) {
			continue
		}
		listed = append(listed, img)
		for _, l := range img.layers {
			refs[l.chainID]++
		}
	}
	perImage := map[string]int64{}
	for _, c := range s.containers {
		perImage[c.imageID]++
	}
	du := diskUsageJSON{Images: []imageSummary{}, Containers: []containerSummary{}, Volumes: []volumeJSON{}, BuildCache: []buildCacheJSON{}}
	seen := map[string]bool{}
	for _, img := range listed {
		sum := s.imageSummary(img)
		sum.Containers = perImage[img.id]
		sum.SharedSize = 0
		for _, l := range img.layers {
			if refs[l.chainID] > 1 {
				sum.SharedSize += l.size
			}
			if !seen[l.chainID] {
				seen[l.chainID] = true
				du.LayersSize += l.size
			}
		}
		du.Images = append(du.Images, sum)
	}
	for _, c := range s.sortedContainers() {
		du.Containers = append(du.Containers, s.containerSummary(c, now, true))
	}
	rc := s.volumeRefCounts()
	for _, v := range s.sortedVolumes() {
		vj := volumeToJSON(v)
		vj.UsageData = &usageData{Size: v.size, RefCount: int64(rc[v.name])}
		du.Volumes = append(du.Volumes, vj)
	}
	for _, r := range s.sortedRecords() {
		du.BuildCache = append(du.BuildCache, s.recordToJSON(r))
		du.BuilderSize += r.size
	}
	return du
}

// sortRefs keeps references in the reference store's lexical order.
func sortRefs(refs []string) []string {
	out := append([]string(nil), refs...)
	sort.Strings(out)
	return out
}
