// Package demo is an in-process emulator of the Docker Engine HTTP API
// (API 1.41, as Engine 20.10 serves it), good enough for bilge's real
// moby-client code path to run against it unchanged.
//
// New generates a realistic host from a seed: a few hundred images over a
// few dozen repositories sharing base images (a real layer graph with
// chain IDs), dangling and multi-tag images, containers in every state,
// named and anonymous volumes, compose networks, BuildKit build cache.
// The same seed gives the same host, IDs included. Deleting through the API
// changes the state the way the engine does: layers are freed only when no
// image or container holds them, conflicts come back with the engine's
// status and words, and every change shows on the event stream.
//
// The engine doubles as a fault injector for tests: latency, failing
// requests, a slow or busy system df, an event stream that stops or drops,
// an engine that goes away and comes back.
package demo

import (
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// APIVersion is the API version the emulator speaks.
const APIVersion = "1.41"

// EngineVersion is the version /version reports.
const EngineVersion = "20.10.24-demo"

// Scale is how many images (as /images/json lists them), containers and
// volumes New generates.
type Scale struct {
	Images, Containers, Volumes int
}

// DefaultScale is the host New generates unless told otherwise.
var DefaultScale = Scale{Images: 300, Containers: 80, Volumes: 60}

// Option configures New.
type Option func(*config)

type config struct {
	now       time.Time
	clock     func() time.Time
	scale     Scale
	live      bool
	liveEvery time.Duration
	hangs     []hangRule
}

// WithNow sets the instant the generated host's ages are counted from
// (default: the wall clock at New, to the second). Fix it for byte-for-byte
// identical states; IDs, names and sizes depend on the seed only.
func WithNow(t time.Time) Option { return func(c *config) { c.now = t.UTC().Truncate(time.Second) } }

// WithClock sets the clock the engine reads for statuses ("Up 2 hours"),
// event times and prune filters (default time.Now).
func WithClock(f func() time.Time) Option { return func(c *config) { c.clock = f } }

// WithScale asks for a bigger or smaller host.
func WithScale(images, containers, volumes int) Option {
	return func(c *config) { c.scale = Scale{images, containers, volumes} }
}

// WithLiveEvents makes a served engine start and stop a container now and
// then (every 4 s), with the events that go with it, so the host looks
// alive.
func WithLiveEvents() Option {
	return func(c *config) {
		c.live = true
		if c.liveEvery == 0 {
			c.liveEvery = 4 * time.Second
		}
	}
}

// WithLiveEventsEvery is WithLiveEvents with another period.
func WithLiveEventsEvery(d time.Duration) Option {
	return func(c *config) { c.live, c.liveEvery = true, d }
}

// Engine is one emulated Docker engine. It is safe for concurrent use.
type Engine struct {
	cfg   config
	clock func() time.Time

	mu          sync.Mutex // guards everything below but dfRunning and the server
	s           *state
	log         []eventMsg // the last events, for since=
	subs        map[*subscriber]struct{}
	eventsOff   bool
	dropAfter   int
	latency     map[string]time.Duration
	fails       []failRule
	dfDelay     time.Duration
	stalls      map[string]chan struct{} // prefix → closed by Unstall
	offline     bool
	offlineCh   chan struct{} // closed when the engine goes offline
	counts      map[string]int
	liveRNG     *rand.Rand
	liveStarted map[string]bool

	hangs   []hangRule
	unhang  chan struct{} // closed by Unhang
	hanging int

	dfRunning atomic.Bool

	srvMu sync.Mutex
	srv   *server
	last  *server // the latest served, kept after it stops, for Close
}

type failRule struct {
	method, prefix string
	status         int
	msg            string
	left           int
}

// New generates the host for seed.
func New(seed int64, opts ...Option) *Engine {
	cfg := config{scale: DefaultScale}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.now.IsZero() {
		cfg.now = time.Now().UTC().Truncate(time.Second)
	}
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	e := &Engine{
		cfg:         cfg,
		clock:       cfg.clock,
		s:           generate(seed, cfg.now, cfg.scale),
		subs:        map[*subscriber]struct{}{},
		latency:     map[string]time.Duration{},
		stalls:      map[string]chan struct{}{},
		offlineCh:   make(chan struct{}),
		counts:      map[string]int{},
		liveRNG:     rand.New(rand.NewPCG(uint64(seed), 0x5deece66d)),
		liveStarted: map[string]bool{},
	}
	if len(cfg.hangs) > 0 {
		e.hangs, e.unhang = cfg.hangs, make(chan struct{})
	}
	return e
}

// ---- fault injection ----

// SetLatency delays every request whose path (without the /vX.Y prefix)
// starts with prefix by d; d = 0 removes the delay. The longest matching
// prefix wins; "" matches every request.
func (e *Engine) SetLatency(prefix string, d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d <= 0 {
		delete(e.latency, prefix)
		return
	}
	e.latency[prefix] = d
}

// Stall makes every request whose path (without the /vX.Y prefix) starts
// with prefix go unanswered: the connection is accepted and then nothing,
// as from an engine that hangs (or was stopped with SIGSTOP) after
// accepting it. Stalled requests wait until Unstall(prefix), until the
// client gives up, or until the engine goes offline or is closed. ""
// stalls every request, /_ping included.
func (e *Engine) Stall(prefix string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.stalls[prefix]; !ok {
		e.stalls[prefix] = make(chan struct{})
	}
}

// Unstall answers the requests Stall(prefix) held, and the later ones.
func (e *Engine) Unstall(prefix string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ch, ok := e.stalls[prefix]; ok {
		close(ch)
		delete(e.stalls, prefix)
	}
}

// FailNext makes the next n requests with that method ("" for any) whose
// path starts with prefix fail with status and the JSON body
// {"message": message}, as the engine's errors come.
func (e *Engine) FailNext(method, prefix string, status int, message string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n <= 0 {
		return
	}
	e.fails = append(e.fails, failRule{strings.ToUpper(method), prefix, status, message, n})
}

// DropStreamAfter cuts every event stream mid-stream (the connection
// closes without the end of the chunked body) once it has sent n more
// events; it applies to the streams open now and to later ones until
// DropStreamAfter(0).
func (e *Engine) DropStreamAfter(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dropAfter = n
	for s := range e.subs {
		s.sent = 0
	}
}

// DropStreams cuts every open event stream now.
func (e *Engine) DropStreams() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for s := range e.subs {
		s.kill()
	}
}

// StopEvents keeps event streams open but silent: events still happen
// (and can be read back with since=) but are not sent. ResumeEvents sends
// again, from the next event on.
func (e *Engine) StopEvents() {
	e.mu.Lock()
	e.eventsOff = true
	e.mu.Unlock()
}

// ResumeEvents undoes StopEvents.
func (e *Engine) ResumeEvents() {
	e.mu.Lock()
	e.eventsOff = false
	e.mu.Unlock()
}

// SetDiskUsageDelay makes /system/df take d. While one runs, another fails
// with 500 "a disk usage operation is already running", as on 20.10.
func (e *Engine) SetDiskUsageDelay(d time.Duration) {
	e.mu.Lock()
	e.dfDelay = d
	e.mu.Unlock()
}

// SetOffline takes the engine away (true) or brings it back (false). A
// served engine closes its listener and every connection, so clients see
// "connection refused"; the socket comes back at the same path. Through
// Handler, requests are cut without an answer.
func (e *Engine) SetOffline(off bool) error {
	e.mu.Lock()
	changed := e.offline != off
	e.offline = off
	if changed && off {
		close(e.offlineCh)
	}
	if changed && !off {
		e.offlineCh = make(chan struct{})
	}
	e.mu.Unlock()
	if !changed {
		return nil
	}
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	if e.srv == nil {
		return nil
	}
	if off {
		e.srv.stop()
		return nil
	}
	return e.srv.listen(e)
}

// Offline reports whether the engine is offline.
func (e *Engine) Offline() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.offline
}

// Requests counts the requests received with that method ("" for any)
// whose path (without the /vX.Y prefix) starts with prefix.
func (e *Engine) Requests(method, prefix string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for k, c := range e.counts {
		m, p, _ := strings.Cut(k, " ")
		if (method == "" || strings.EqualFold(method, m)) && strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// ResetRequests zeroes the request counts.
func (e *Engine) ResetRequests() {
	e.mu.Lock()
	e.counts = map[string]int{}
	e.mu.Unlock()
}

// ---- state accessors for tests ----

// Stats are the host's figures, as system df computes them, plus the
// exact reclaim of deleting every unused image.
type Stats struct {
	Images      int // as /images/json lists them (top-level)
	AllImages   int // with the intermediate images of legacy builds
	Dangling    int // listed images without a tag
	MultiTagged int // listed images with more than one tag
	// ImagesActive are the listed images some container uses.
	ImagesActive int
	Layers       int   // layers of listed images
	LayersSize   int64 // each layer of a listed image once, as df's LayersSize
	// ImagesReclaimable is what deleting every image no container uses
	// frees: LayersSize minus the layers of the images in use.
	ImagesReclaimable int64
	// ImagesReclaimableDocker is docker's own figure (Σ Size−SharedSize of
	// unused images), which misses layers shared only among unused images.
	ImagesReclaimableDocker int64

	Containers, Running   int // Running counts running, paused, restarting
	ContainersSize        int64
	ContainersReclaimable int64

	Volumes, VolumesInUse, Anonymous int
	VolumesSize, VolumesReclaimable  int64

	Networks, NetworksUnused int // unused: not built in, no container attached

	BuildRecords, BuildInUse, BuildShared int
	BuildCacheSize                        int64 // records not shared
	BuildCacheReclaimable                 int64 // neither shared nor in use
}

// Snapshot returns the host's figures now.
func (e *Engine) Snapshot() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.s
	var st Stats
	du := e.diskUsage()
	st.LayersSize = du.LayersSize
	st.AllImages = len(s.images)
	st.Images = len(du.Images)
	used := map[string]bool{}
	for _, img := range du.Images {
		if len(s.images[img.ID].tags()) == 0 {
			st.Dangling++
		}
		if len(img.RepoTags) > 1 {
			st.MultiTagged++
		}
		if img.Containers > 0 {
			st.ImagesActive++
			for _, l := range s.images[img.ID].layers {
				used[l.chainID] = true
			}
		} else {
			st.ImagesReclaimableDocker += img.Size - img.SharedSize
		}
	}
	listed := map[string]int64{}
	for _, img := range du.Images {
		for _, l := range s.images[img.ID].layers {
			listed[l.chainID] = l.size
		}
	}
	st.Layers = len(listed)
	for c, size := range listed {
		if !used[c] {
			st.ImagesReclaimable += size
		}
	}
	for _, c := range du.Containers {
		st.Containers++
		st.ContainersSize += c.SizeRw
		switch c.State {
		case "running", "paused", "restarting":
			st.Running++
		default:
			st.ContainersReclaimable += c.SizeRw
		}
	}
	for _, v := range du.Volumes {
		st.Volumes++
		st.VolumesSize += v.UsageData.Size
		if isHex64(v.Name) {
			st.Anonymous++
		}
		if v.UsageData.RefCount > 0 {
			st.VolumesInUse++
		} else {
			st.VolumesReclaimable += v.UsageData.Size
		}
	}
	attached := map[string]bool{}
	for _, c := range s.containers {
		for _, ep := range c.networks {
			attached[ep.netID] = true
		}
	}
	for _, n := range s.networks {
		st.Networks++
		if !n.builtin && !attached[n.id] {
			st.NetworksUnused++
		}
	}
	for _, r := range du.BuildCache {
		st.BuildRecords++
		if r.InUse {
			st.BuildInUse++
		}
		if r.Shared {
			st.BuildShared++
			continue
		}
		st.BuildCacheSize += r.Size
		if !r.InUse {
			st.BuildCacheReclaimable += r.Size
		}
	}
	return st
}

// ImageInfo describes one image of the store.
type ImageInfo struct {
	ID       string
	Tags     []string
	Digests  []string
	Parent   string
	Created  time.Time
	Listed   bool // shown by /images/json (not a hidden intermediate image)
	Children int
	BuildKit bool
	Size     int64
	// SharedSize and UniqueSize are as df reports them (listed images).
	SharedSize, UniqueSize int64
	// Containers use the image; RunningContainers of them are running.
	Containers        []string
	RunningContainers int
	ChainIDs          []string // oldest first
}

// Images lists every image of the store, newest first.
func (e *Engine) Images() []ImageInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.s
	children := s.childCounts()
	shared := map[string]int64{}
	for _, sum := range e.diskUsage().Images {
		shared[sum.ID] = sum.SharedSize
	}
	users := map[string][]*container{}
	for _, c := range s.sortedContainers() {
		users[c.imageID] = append(users[c.imageID], c)
	}
	var out []ImageInfo
	for _, img := range s.sortedImages() {
		info := ImageInfo{ID: img.id, Tags: img.tags(), Digests: img.digests(), Parent: img.parent, Created: img.created,
			Listed: topLevel(img, children), Children: children[img.id], BuildKit: img.buildkit, Size: img.size()}
		info.SharedSize = shared[img.id]
		info.UniqueSize = info.Size - info.SharedSize
		for _, c := range users[img.id] {
			info.Containers = append(info.Containers, c.id)
			if c.isRunning() {
				info.RunningContainers++
			}
		}
		for _, l := range img.layers {
			info.ChainIDs = append(info.ChainIDs, l.chainID)
		}
		out = append(out, info)
	}
	return out
}

// ContainerInfo describes one container.
type ContainerInfo struct {
	ID, Name, ImageID, State string
	ExitCode                 int
	SizeRw                   int64
	Volumes                  []string // names of mounted volumes
	Networks                 []string // IDs of networks it is attached to
	Labels                   map[string]string
}

// Containers lists every container, newest first.
func (e *Engine) Containers() []ContainerInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []ContainerInfo
	for _, c := range e.s.sortedContainers() {
		ci := ContainerInfo{ID: c.id, Name: c.name, ImageID: c.imageID, State: c.state, ExitCode: c.exitCode, SizeRw: c.sizeRw, Labels: c.labels}
		for _, m := range c.mounts {
			if m.typ == "volume" {
				ci.Volumes = append(ci.Volumes, m.name)
			}
		}
		for _, ep := range c.networks {
			ci.Networks = append(ci.Networks, ep.netID)
		}
		out = append(out, ci)
	}
	return out
}

// VolumeInfo describes one volume.
type VolumeInfo struct {
	Name       string
	Size       int64
	Anonymous  bool
	Labels     map[string]string
	Containers []string
}

// Volumes lists every volume by name.
func (e *Engine) Volumes() []VolumeInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []VolumeInfo
	for _, v := range e.s.sortedVolumes() {
		out = append(out, VolumeInfo{Name: v.name, Size: v.size, Anonymous: isHex64(v.name), Labels: v.labels, Containers: e.s.volumeUsers(v.name)})
	}
	return out
}

// NetworkInfo describes one network.
type NetworkInfo struct {
	ID, Name, Driver string
	Builtin          bool
	Containers       []string // attached, any state
	Active           []string // running containers with an endpoint
}

// Networks lists every network by name.
func (e *Engine) Networks() []NetworkInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []NetworkInfo
	for _, n := range e.s.sortedNetworks() {
		ni := NetworkInfo{ID: n.id, Name: n.name, Driver: n.driver, Builtin: n.builtin}
		for _, c := range e.s.sortedContainers() {
			for _, ep := range c.networks {
				if ep.netID == n.id {
					ni.Containers = append(ni.Containers, c.id)
					if c.isRunning() {
						ni.Active = append(ni.Active, c.id)
					}
					break
				}
			}
		}
		out = append(out, ni)
	}
	return out
}

// BuildRecordInfo describes one build-cache record.
type BuildRecordInfo struct {
	ID, Parent, Type, Description string
	Size                          int64
	InUse, Shared                 bool
	LastUsed                      time.Time
}

// BuildRecords lists the build cache, newest first.
func (e *Engine) BuildRecords() []BuildRecordInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []BuildRecordInfo
	for _, r := range e.s.sortedRecords() {
		out = append(out, BuildRecordInfo{ID: r.id, Parent: r.parent, Type: r.typ, Description: r.desc, Size: r.size, InUse: r.inUse, Shared: e.s.shared(r), LastUsed: r.lastUsed})
	}
	return out
}

func isHex64(s string) bool { return len(s) == 64 && isHex(s) }
