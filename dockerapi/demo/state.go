package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The emulated engine's state. Everything here is guarded by Engine.mu.

// layer is one filesystem layer as the layer store keeps it: keyed by its
// chain ID, which names the layer together with everything under it.
type layer struct {
	chainID string
	diffID  string
	size    int64
}

// chainOf returns the chain ID of diffID stacked on parent (identity.ChainID
// of the image spec: sha256 of "parent diffID").
func chainOf(parent, diffID string) string {
	if parent == "" {
		return diffID
	}
	sum := sha256.Sum256([]byte(parent + " " + diffID))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// histEntry is one entry of an image's history, oldest first.
type histEntry struct {
	created   time.Time
	createdBy string
	comment   string
	empty     bool // metadata only: created no layer
}

type imageConfig struct {
	env        []string
	cmd        []string
	entrypoint []string
	workdir    string
	user       string
	ports      []string // "80/tcp"
	volumes    []string // container paths declared with VOLUME
	labels     map[string]string
}

func (c imageConfig) merge(o imageConfig) imageConfig {
	out := c
	out.env = append(append([]string(nil), c.env...), o.env...)
	if o.cmd != nil {
		out.cmd = o.cmd
	}
	if o.entrypoint != nil {
		out.entrypoint = o.entrypoint
		if o.cmd == nil {
			out.cmd = nil
		}
	}
	if o.workdir != "" {
		out.workdir = o.workdir
	}
	if o.user != "" {
		out.user = o.user
	}
	out.ports = appendUniq(c.ports, o.ports...)
	out.volumes = appendUniq(c.volumes, o.volumes...)
	if len(c.labels)+len(o.labels) > 0 {
		out.labels = map[string]string{}
		for k, v := range c.labels {
			out.labels[k] = v
		}
		for k, v := range o.labels {
			out.labels[k] = v
		}
	} else {
		out.labels = nil
	}
	return out
}

func appendUniq(a []string, b ...string) []string {
	out := append([]string(nil), a...)
	for _, x := range b {
		found := false
		for _, y := range out {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

// image is one image of the image store.
type image struct {
	id       string
	parent   string // legacy builder / docker commit parent
	created  time.Time
	refs     []string // familiar references: "repo:tag" and "repo@sha256:…", sorted
	layers   []*layer // oldest first
	history  []histEntry
	config   imageConfig
	buildkit bool
	comment  string
	// everTags are the tags the image ever had, for generated containers
	// that were created from it by name.
	everTags []string
}

func (i *image) size() int64 {
	var n int64
	for _, l := range i.layers {
		n += l.size
	}
	return n
}

func (i *image) tags() []string {
	var out []string
	for _, r := range i.refs {
		if !strings.Contains(r, "@") {
			out = append(out, r)
		}
	}
	return out
}

func (i *image) digests() []string {
	var out []string
	for _, r := range i.refs {
		if strings.Contains(r, "@") {
			out = append(out, r)
		}
	}
	return out
}

func (i *image) diffIDs() []string {
	out := make([]string, len(i.layers))
	for k, l := range i.layers {
		out[k] = l.diffID
	}
	return out
}

// mount is one mount point of a container.
type mount struct {
	typ         string // volume, bind, tmpfs
	name        string // volume name
	source      string
	dest        string
	driver      string
	mode        string
	rw          bool
	propagation string
}

// endpoint is a container's attachment to a network. Only running
// containers have an active endpoint (EndpointID, IP).
type endpoint struct {
	netID   string
	netName string
	ip      string
	prefix  int
	gateway string
	mac     string
	epID    string
	aliases []string
}

type port struct {
	private, public uint16
	typ             string
}

// container is one container.
type container struct {
	id       string
	name     string // without the leading slash
	imageRef string // Config.Image: what the user asked for
	imageID  string
	layers   []*layer // the image's layers, pinned by the writable layer
	created  time.Time
	started  time.Time
	finished time.Time
	state    string // created, running, paused, restarting, exited, dead
	exitCode int
	sizeRw   int64
	labels   map[string]string
	path     string
	args     []string
	mounts   []mount
	networks []endpoint
	netMode  string
	ports    []port
}

func (c *container) isRunning() bool {
	switch c.state {
	case "running", "paused", "restarting":
		return true
	}
	return false
}

func (c *container) imageSize() int64 {
	var n int64
	for _, l := range c.layers {
		n += l.size
	}
	return n
}

func (c *container) command() string {
	return strings.Join(append([]string{c.path}, c.args...), " ")
}

type volume struct {
	name    string
	driver  string
	created time.Time
	labels  map[string]string
	options map[string]string
	size    int64
}

func (v *volume) mountpoint() string { return "/var/lib/docker/volumes/" + v.name + "/_data" }

type network struct {
	id         string
	name       string
	driver     string
	scope      string
	created    time.Time
	labels     map[string]string
	options    map[string]string
	internal   bool
	attachable bool
	subnet     string
	gateway    string
	builtin    bool
	nextIP     int
}

// record is one BuildKit build-cache record.
type record struct {
	id       string
	parent   string
	typ      string // regular, source.local, exec.cachemount
	desc     string
	size     int64
	created  time.Time
	lastUsed time.Time // zero when never used
	usage    int
	inUse    bool
	// chainID is the layer the record's snapshot is, for regular records
	// of image layers: the record is Shared while an image holds it.
	chainID string
}

// state is the whole emulated host.
type state struct {
	images     map[string]*image
	refs       map[string]string // familiar reference → image ID
	layers     map[string]*layer // chain ID → layer, every layer the store holds
	imgRefs    map[string]int    // chain ID → images holding it
	ctrRefs    map[string]int    // chain ID → containers holding it
	containers map[string]*container
	volumes    map[string]*volume
	networks   map[string]*network
	records    map[string]*record
}

func newState() *state {
	return &state{
		images:     map[string]*image{},
		refs:       map[string]string{},
		layers:     map[string]*layer{},
		imgRefs:    map[string]int{},
		ctrRefs:    map[string]int{},
		containers: map[string]*container{},
		volumes:    map[string]*volume{},
		networks:   map[string]*network{},
		records:    map[string]*record{},
	}
}

// addImage puts an image in the store, taking references on its layers.
func (s *state) addImage(img *image) {
	s.images[img.id] = img
	for _, l := range img.layers {
		s.layers[l.chainID] = l
		s.imgRefs[l.chainID]++
	}
	for _, r := range img.refs {
		s.refs[r] = img.id
	}
}

// releaseLayers drops one reference on each layer of the chain and returns
// the layers no longer held by anything, top layer first (the order the
// layer store reports them in).
func (s *state) releaseLayers(layers []*layer, counts map[string]int) []*layer {
	var removed []*layer
	for k := len(layers) - 1; k >= 0; k-- {
		l := layers[k]
		counts[l.chainID]--
		if counts[l.chainID] <= 0 {
			delete(counts, l.chainID)
		}
		if s.imgRefs[l.chainID] == 0 && s.ctrRefs[l.chainID] == 0 {
			if _, ok := s.layers[l.chainID]; ok {
				delete(s.layers, l.chainID)
				removed = append(removed, l)
			}
		}
	}
	return removed
}

func (s *state) addContainer(c *container) {
	s.containers[c.id] = c
	for _, l := range c.layers {
		s.layers[l.chainID] = l
		s.ctrRefs[l.chainID]++
	}
}

// addRef points a familiar reference at an image, moving it off the image
// it named before.
func (s *state) addRef(img *image, ref string) {
	if old, ok := s.refs[ref]; ok {
		if old == img.id {
			return
		}
		if o := s.images[old]; o != nil {
			o.refs = removeString(o.refs, ref)
		}
	}
	s.refs[ref] = img.id
	img.refs = append(img.refs, ref)
	sort.Strings(img.refs)
	if !strings.Contains(ref, "@") {
		img.everTags = appendUniq(img.everTags, ref)
	}
}

func (s *state) removeRef(img *image, ref string) {
	delete(s.refs, ref)
	img.refs = removeString(img.refs, ref)
}

func removeString(list []string, x string) []string {
	out := list[:0:0]
	for _, y := range list {
		if y != x {
			out = append(out, y)
		}
	}
	return out
}

// childCounts counts, for each image, the images whose parent it is.
func (s *state) childCounts() map[string]int {
	out := map[string]int{}
	for _, img := range s.images {
		if img.parent != "" {
			out[img.parent]++
		}
	}
	return out
}

func (s *state) hasChildren(id string) bool {
	for _, img := range s.images {
		if img.parent == id {
			return true
		}
	}
	return false
}

// topLevel reports whether the image is listed by /images/json without
// all=1 (and counted by system df): it has a reference or no children.
func topLevel(img *image, children map[string]int) bool {
	return len(img.refs) > 0 || children[img.id] == 0
}

// sortedImages returns the images newest first, as docker images shows them.
func (s *state) sortedImages() []*image {
	out := make([]*image, 0, len(s.images))
	for _, img := range s.images {
		out = append(out, img)
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].created.Equal(out[b].created) {
			return out[a].created.After(out[b].created)
		}
		return out[a].id < out[b].id
	})
	return out
}

func (s *state) sortedContainers() []*container {
	out := make([]*container, 0, len(s.containers))
	for _, c := range s.containers {
		out = append(out, c)
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].created.Equal(out[b].created) {
			return out[a].created.After(out[b].created)
		}
		return out[a].id < out[b].id
	})
	return out
}

func (s *state) sortedVolumes() []*volume {
	out := make([]*volume, 0, len(s.volumes))
	for _, v := range s.volumes {
		out = append(out, v)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].name < out[b].name })
	return out
}

func (s *state) sortedNetworks() []*network {
	out := make([]*network, 0, len(s.networks))
	for _, n := range s.networks {
		out = append(out, n)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].name != out[b].name {
			return out[a].name < out[b].name
		}
		return out[a].id < out[b].id
	})
	return out
}

func (s *state) sortedRecords() []*record {
	out := make([]*record, 0, len(s.records))
	for _, r := range s.records {
		out = append(out, r)
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].created.Equal(out[b].created) {
			return out[a].created.After(out[b].created)
		}
		return out[a].id < out[b].id
	})
	return out
}

// volumeUsers returns the IDs of containers (any state) mounting the volume.
func (s *state) volumeUsers(name string) []string {
	var out []string
	for _, c := range s.sortedContainers() {
		for _, m := range c.mounts {
			if m.typ == "volume" && m.name == name {
				out = append(out, c.id)
				break
			}
		}
	}
	return out
}

func (s *state) volumeRefCounts() map[string]int {
	out := map[string]int{}
	for _, c := range s.containers {
		seen := map[string]bool{}
		for _, m := range c.mounts {
			if m.typ == "volume" && !seen[m.name] {
				seen[m.name] = true
				out[m.name]++
			}
		}
	}
	return out
}

// activeEndpoints returns the running containers attached to the network.
func (s *state) activeEndpoints(netID string) []*container {
	var out []*container
	for _, c := range s.sortedContainers() {
		if !c.isRunning() {
			continue
		}
		for _, ep := range c.networks {
			if ep.netID == netID {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// shared reports a build record whose layer an image also holds.
func (s *state) shared(r *record) bool {
	return r.chainID != "" && s.imgRefs[r.chainID] > 0
}

// ---- lookups ----

// apiError is an error the engine answers with a status.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errNotFound(format string, a ...any) *apiError {
	return &apiError{http.StatusNotFound, fmt.Sprintf(format, a...)}
}
func errConflict(format string, a ...any) *apiError {
	return &apiError{http.StatusConflict, fmt.Sprintf(format, a...)}
}
func errForbidden(format string, a ...any) *apiError {
	return &apiError{http.StatusForbidden, fmt.Sprintf(format, a...)}
}
func errInvalid(format string, a ...any) *apiError {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}
func errInternal(format string, a ...any) *apiError {
	return &apiError{http.StatusInternalServerError, fmt.Sprintf(format, a...)}
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// shortID is stringid.TruncateID: 12 hex digits without the algorithm.
func shortID(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// normalizeRef turns a reference into the familiar form the store keys by:
// docker.io/library/ and docker.io/ stripped, ":latest" added when neither
// a tag nor a digest is given.
func normalizeRef(ref string) string {
	ref = strings.TrimPrefix(ref, "docker.io/")
	ref = strings.TrimPrefix(ref, "index.docker.io/")
	ref = strings.TrimPrefix(ref, "library/")
	if strings.Contains(ref, "@") {
		return ref
	}
	slash := strings.LastIndexByte(ref, '/')
	if !strings.Contains(ref[slash+1:], ":") {
		ref += ":latest"
	}
	return ref
}

// repoName is the repository part of a familiar reference.
func repoName(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		return ref[:i]
	}
	slash := strings.LastIndexByte(ref, '/')
	if i := strings.LastIndexByte(ref, ':'); i > slash {
		return ref[:i]
	}
	return ref
}

// getImage resolves a reference, a full ID or an ID prefix as the engine
// does, with its "No such image" error.
func (s *state) getImage(ref string) (*image, error) {
	if ref == "" {
		return nil, errNotFound("No such image: ")
	}
	if strings.HasPrefix(ref, "sha256:") {
		hexpart := ref[len("sha256:"):]
		if len(hexpart) == 64 {
			if img := s.images[ref]; img != nil {
				return img, nil
			}
			return nil, errNotFound("No such image: %s", ref)
		}
		if img := s.searchImage(hexpart); img != nil {
			return img, nil
		}
		return nil, errNotFound("No such image: %s", ref)
	}
	if len(ref) == 64 && isHex(ref) {
		if img := s.images["sha256:"+ref]; img != nil {
			return img, nil
		}
		return nil, errNotFound("No such image: sha256:%s", ref)
	}
	named := normalizeRef(ref)
	if id, ok := s.refs[named]; ok {
		if img := s.images[id]; img != nil {
			return img, nil
		}
	}
	if isHex(ref) {
		if img := s.searchImage(ref); img != nil {
			return img, nil
		}
	}
	return nil, errNotFound("No such image: %s", named)
}

// searchImage finds the one image whose ID starts with the hex prefix.
func (s *state) searchImage(prefix string) *image {
	var found *image
	for id, img := range s.images {
		if strings.HasPrefix(id[len("sha256:"):], prefix) {
			if found != nil {
				return nil // ambiguous
			}
			found = img
		}
	}
	return found
}

func (s *state) getContainer(ref string) (*container, error) {
	if c := s.containers[ref]; c != nil {
		return c, nil
	}
	name := strings.TrimPrefix(ref, "/")
	for _, c := range s.containers {
		if c.name == name {
			return c, nil
		}
	}
	if isHex(ref) {
		var found *container
		for id, c := range s.containers {
			if strings.HasPrefix(id, ref) {
				if found != nil {
					return nil, errInvalid("Multiple IDs found with provided prefix: %s", ref)
				}
				found = c
			}
		}
		if found != nil {
			return found, nil
		}
	}
	return nil, errNotFound("No such container: %s", ref)
}

func (s *state) getNetwork(ref string) (*network, error) {
	if n := s.networks[ref]; n != nil {
		return n, nil
	}
	for _, n := range s.sortedNetworks() {
		if n.name == ref {
			return n, nil
		}
	}
	var found *network
	for id, n := range s.networks {
		if strings.HasPrefix(id, ref) {
			if found != nil {
				return nil, errInvalid("network %s is ambiguous (%d matches found based on ID prefix)", ref, 2)
			}
			found = n
		}
	}
	if found != nil {
		return found, nil
	}
	return nil, errNotFound("network %s not found", ref)
}
