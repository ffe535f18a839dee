package demo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Handler serves the engine API (for httptest; Serve uses it too).
func (e *Engine) Handler() http.Handler { return http.HandlerFunc(e.serveHTTP) }

var versionPrefix = regexp.MustCompile(`^/v([0-9]+)\.([0-9]+)(/.*)?$`)

func (e *Engine) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if e.Offline() {
		panic(http.ErrAbortHandler) // no answer: the client sees the connection go
	}
	p := r.URL.Path
	if m := versionPrefix.FindStringSubmatch(p); m != nil {
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		p = m[3]
		if p == "" {
			p = "/"
		}
		v := m[1] + "." + m[2]
		switch {
		case major > 1 || major == 1 && minor > 41:
			setHeaders(w)
			writeError(w, errInvalid("client version %s is too new. Maximum supported API version is %s", v, APIVersion))
			return
		case major < 1 || major == 1 && minor < 12:
			setHeaders(w)
			writeError(w, errInvalid("client version %s is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version", v))
			return
		}
	}
	setHeaders(w)

	e.mu.Lock()
	e.counts[r.Method+" "+p]++
	var delay time.Duration
	best := -1
	for prefix, d := range e.latency {
		if strings.HasPrefix(p, prefix) && len(prefix) > best {
			best, delay = len(prefix), d
		}
	}
	var stall chan struct{}
	for prefix, ch := range e.stalls {
		if strings.HasPrefix(p, prefix) {
			stall = ch
			break
		}
	}
	offline := e.offlineCh
	var fail *failRule
	for i := range e.fails {
		f := &e.fails[i]
		if (f.method == "" || f.method == "*" || f.method == r.Method) && strings.HasPrefix(p, f.prefix) {
			rule := *f
			fail = &rule
			f.left--
			if f.left <= 0 {
				e.fails = append(e.fails[:i], e.fails[i+1:]...)
			}
			break
		}
	}
	e.mu.Unlock()

	if stall != nil {
		select {
		case <-stall:
		case <-offline:
			panic(http.ErrAbortHandler)
		case <-r.Context().Done():
			return
		}
	}
	if !e.hold(r, p) {
		return
	}
	if delay > 0 && !sleep(r.Context(), delay) {
		return
	}
	if fail != nil {
		writeError(w, &apiError{fail.status, fail.msg})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, errInvalid("%v", err))
		return
	}
	if !e.route(w, r, p) {
		writeError(w, errNotFound("page not found"))
	}
}

func setHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Api-Version", APIVersion)
	h.Set("Docker-Experimental", "false")
	h.Set("Ostype", "linux")
	h.Set("Server", "Docker/"+EngineVersion+" (linux)")
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var ae *apiError
	if errors.As(err, &ae) {
		status = ae.status
	}
	writeJSON(w, status, errorJSON{Message: err.Error()})
}

// route dispatches a request; false means no such route.
func (e *Engine) route(w http.ResponseWriter, r *http.Request, p string) bool {
	m := r.Method
	get := m == http.MethodGet
	switch {
	case p == "/_ping" && (get || m == http.MethodHead):
		e.handlePing(w, r)
	case p == "/version" && get:
		e.handleVersion(w)
	case p == "/info" && get:
		e.handleInfo(w)
	case p == "/events" && get:
		e.handleEvents(w, r)
	case p == "/system/df" && get:
		e.handleDiskUsage(w, r)
	case p == "/images/json" && get:
		e.handleImageList(w, r)
	case p == "/images/prune" && m == http.MethodPost:
		e.handleImagePrune(w, r)
	case strings.HasPrefix(p, "/images/") && len(p) > len("/images/"):
		name := p[len("/images/"):]
		switch {
		case get && strings.HasSuffix(name, "/json"):
			e.handleImageInspect(w, strings.TrimSuffix(name, "/json"))
		case get && strings.HasSuffix(name, "/history"):
			e.handleImageHistory(w, strings.TrimSuffix(name, "/history"))
		case m == http.MethodDelete:
			e.handleImageDelete(w, r, name)
		default:
			return false
		}
	case p == "/containers/json" && get:
		e.handleContainerList(w, r)
	case p == "/containers/prune" && m == http.MethodPost:
		e.handleContainerPrune(w, r)
	case strings.HasPrefix(p, "/containers/"):
		id, action, _ := strings.Cut(p[len("/containers/"):], "/")
		switch {
		case id == "":
			return false
		case get && action == "json":
			e.handleContainerInspect(w, r, id)
		case m == http.MethodDelete && action == "":
			e.handleContainerDelete(w, r, id)
		case m == http.MethodPost && (action == "start" || action == "stop" || action == "kill" || action == "restart"):
			e.handleContainerAction(w, id, action)
		default:
			return false
		}
	case p == "/volumes" && get:
		e.handleVolumeList(w, r)
	case p == "/volumes/prune" && m == http.MethodPost:
		e.handleVolumePrune(w, r)
	case strings.HasPrefix(p, "/volumes/") && len(p) > len("/volumes/"):
		name := p[len("/volumes/"):]
		switch m {
		case http.MethodGet:
			e.handleVolumeInspect(w, name)
		case http.MethodDelete:
			e.handleVolumeDelete(w, r, name)
		default:
			return false
		}
	case p == "/networks" && get:
		e.handleNetworkList(w, r)
	case p == "/networks/prune" && m == http.MethodPost:
		e.handleNetworkPrune(w, r)
	case strings.HasPrefix(p, "/networks/") && len(p) > len("/networks/"):
		id := p[len("/networks/"):]
		switch m {
		case http.MethodGet:
			e.handleNetworkInspect(w, id)
		case http.MethodDelete:
			e.handleNetworkDelete(w, id)
		default:
			return false
		}
	case p == "/build/prune" && m == http.MethodPost:
		e.handleBuildPrune(w, r)
	default:
		return false
	}
	return true
}

// ---- system ----

func (e *Engine) handlePing(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Builder-Version", "2")
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodHead {
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("OK"))
}

func (e *Engine) handleVersion(w http.ResponseWriter) {
	details := map[string]string{
		"ApiVersion": APIVersion, "Arch": "amd64", "BuildTime": "2023-04-14T10:32:03.000000000+00:00", "Experimental": "false",
		"GitCommit": "5d6db84", "GoVersion": "go1.19.8", "KernelVersion": "6.1.0-demo-amd64", "MinAPIVersion": "1.12", "Os": "linux",
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"Platform":      map[string]string{"Name": "Docker Engine - Community"},
		"Components":    []map[string]any{{"Name": "Engine", "Version": EngineVersion, "Details": details}},
		"Version":       EngineVersion,
		"ApiVersion":    APIVersion,
		"MinAPIVersion": "1.12",
		"GitCommit":     "5d6db84",
		"GoVersion":     "go1.19.8",
		"Os":            "linux",
		"Arch":          "amd64",
		"KernelVersion": "6.1.0-demo-amd64",
		"BuildTime":     "2023-04-14T10:32:03.000000000+00:00",
	})
}

func (e *Engine) handleInfo(w http.ResponseWriter) {
	e.mu.Lock()
	var running, paused, stopped int
	for _, c := range e.s.containers {
		switch c.state {
		case "running", "restarting":
			running++
		case "paused":
			paused++
		default:
			stopped++
		}
	}
	images := len(e.s.images)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"ID":                "DEMO:BILG:E000:0000:0000:0000:0000:0000:0000:0000:0000:0000",
		"Containers":        running + paused + stopped,
		"ContainersRunning": running,
		"ContainersPaused":  paused,
		"ContainersStopped": stopped,
		"Images":            images,
		"Driver":            "overlay2",
		"DriverStatus":      [][2]string{{"Backing Filesystem", "extfs"}, {"Supports d_type", "true"}, {"Native Overlay Diff", "true"}},
		"LoggingDriver":     "json-file",
		"CgroupDriver":      "systemd",
		"CgroupVersion":     "2",
		"KernelVersion":     "6.1.0-demo-amd64",
		"OperatingSystem":   "Debian GNU/Linux 12 (bookworm) (bilge demo)",
		"OSVersion":         "12",
		"OSType":            "linux",
		"Architecture":      "x86_64",
		"NCPU":              8,
		"MemTotal":          int64(16_663_257_088),
		"DockerRootDir":     "/var/lib/docker",
		"Name":              "demo-host",
		"ServerVersion":     EngineVersion,
		"DefaultRuntime":    "runc",
		"SecurityOptions":   []string{"name=apparmor", "name=seccomp,profile=default", "name=cgroupns"},
	})
}

// handleDiskUsage is /system/df: whatever type= asks, 1.41 computes
// everything; one at a time.
func (e *Engine) handleDiskUsage(w http.ResponseWriter, r *http.Request) {
	if !e.dfRunning.CompareAndSwap(false, true) {
		writeError(w, errInternal("a disk usage operation is already running"))
		return
	}
	defer e.dfRunning.Store(false)
	e.mu.Lock()
	delay := e.dfDelay
	e.mu.Unlock()
	if delay > 0 && !sleep(r.Context(), delay) {
		return
	}
	e.mu.Lock()
	du := e.diskUsage()
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, du)
}

// ---- images ----

func (e *Engine) handleImageList(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.Form.Get("filters"))
	if err == nil {
		err = f.validate("before", "dangling", "label", "reference", "since")
	}
	if err != nil {
		writeError(w, err)
		return
	}
	all := boolValue(r.Form.Get("all"))
	danglingOnly := false
	if f.has("dangling") {
		switch {
		case f.exact("dangling", "true"), f.exact("dangling", "1"):
			danglingOnly = true
		case f.exact("dangling", "false"), f.exact("dangling", "0"):
		default:
			writeError(w, errInvalid("Invalid filter 'dangling=%s'", f.get("dangling")[0]))
			return
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.s
	children := s.childCounts()
	out := []imageSummary{}
	for _, img := range s.sortedImages() {
		if !f.matchLabels(img.config.labels) {
			continue
		}
		if f.has("reference") {
			ok := false
			for _, pat := range f.get("reference") {
				for _, t := range img.refs {
					if matchReference(pat, t) {
						ok = true
					}
				}
			}
			if !ok {
				continue
			}
		}
		sum := s.imageSummary(img)
		if len(img.refs) == 0 {
			if !all && children[img.id] > 0 {
				continue
			}
			if f.has("dangling") && !danglingOnly {
				continue
			}
		} else if danglingOnly && len(img.tags()) > 0 {
			continue
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, out)
}

// matchReference matches a reference filter (a glob on the familiar name,
// with or without tag).
func matchReference(pattern, ref string) bool {
	if ok, _ := path.Match(pattern, ref); ok {
		return true
	}
	ok, _ := path.Match(pattern, repoName(ref))
	return ok
}

func (e *Engine) handleImageInspect(w http.ResponseWriter, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	img, err := e.s.getImage(name)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, e.s.imageInspect(img))
}

func (e *Engine) handleImageHistory(w http.ResponseWriter, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	img, err := e.s.getImage(name)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, e.s.history(img))
}

func (e *Engine) handleImageDelete(w http.ResponseWriter, r *http.Request, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	recs, err := e.imageDelete(name, boolValue(r.Form.Get("force")), !boolValue(r.Form.Get("noprune")))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, recs)
}

func (e *Engine) handleImagePrune(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.Form.Get("filters"))
	if err != nil {
		writeError(w, err)
		return
	}
	e.mu.Lock()
	deleted, reclaimed, err := e.imagesPrune(f)
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		ImagesDeleted  []deleteItem
		SpaceReclaimed uint64
	}{deleted, reclaimed})
}

// ---- containers ----

func (e *Engine) handleContainerList(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.Form.Get("filters"))
	if err == nil {
		err = f.validate("ancestor", "before", "exited", "expose", "health", "id", "isolation", "is-task", "label", "name", "network", "publish", "since", "status", "volume")
	}
	if err != nil {
		writeError(w, err)
		return
	}
	all := boolValue(r.Form.Get("all")) || f.has("status")
	withSize := boolValue(r.Form.Get("size"))
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit > 0 {
		all = true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock()
	out := []containerSummary{}
	for _, c := range e.s.sortedContainers() {
		if !all && !c.isRunning() {
			continue
		}
		if f.has("status") && !f.exact("status", c.state) {
			continue
		}
		if f.has("id") && !anyPrefix(f.get("id"), c.id) {
			continue
		}
		if f.has("name") && !anyContains(f.get("name"), c.name) {
			continue
		}
		if f.has("exited") && (c.state != "exited" || !f.exact("exited", strconv.Itoa(c.exitCode))) {
			continue
		}
		if f.has("ancestor") {
			ok := false
			for _, a := range f.get("ancestor") {
				if img, err := e.s.getImage(a); err == nil && img.id == c.imageID {
					ok = true
				}
			}
			if !ok {
				continue
			}
		}
		if f.has("volume") {
			ok := false
			for _, m := range c.mounts {
				if f.exact("volume", m.name) || f.exact("volume", m.dest) {
					ok = true
				}
			}
			if !ok {
				continue
			}
		}
		if f.has("network") {
			ok := false
			for _, ep := range c.networks {
				if f.exact("network", ep.netID) || f.exact("network", ep.netName) {
					ok = true
				}
			}
			if !ok {
				continue
			}
		}
		if !f.matchLabels(c.labels) {
			continue
		}
		out = append(out, e.s.containerSummary(c, now, withSize))
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func anyPrefix(prefixes []string, s string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func anyContains(subs []string, s string) bool {
	for _, p := range subs {
		if strings.Contains(s, strings.TrimPrefix(p, "/")) {
			return true
		}
	}
	return false
}

func (e *Engine) handleContainerInspect(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.s.getContainer(id)
	if err != nil {
		writeError(w, err)
		return
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "0001-01-01T00:00:00Z"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	pid := 0
	if c.isRunning() {
		pid = 4000 + int(c.created.Unix()%30000)
	}
	networks := map[string]*endpointJSON{}
	for _, ep := range c.networks {
		networks[ep.netName] = endpointFor(ep, true)
	}
	mounts := []mountJSON{}
	for _, m := range c.mounts {
		mounts = append(mounts, mountToJSON(m))
	}
	cfg := configToJSON(&image{config: imageConfig{labels: c.labels}}, c.imageRef)
	cfg.Hostname = c.id[:12]
	cfg.Cmd = c.args
	cfg.Entrypoint = []string{c.path}
	resp := map[string]any{
		"Id":      c.id,
		"Created": ts(c.created),
		"Path":    c.path,
		"Args":    append([]string{}, c.args...),
		"State": map[string]any{
			"Status": c.state, "Running": c.isRunning(), "Paused": c.state == "paused", "Restarting": c.state == "restarting",
			"OOMKilled": false, "Dead": c.state == "dead", "Pid": pid, "ExitCode": c.exitCode, "Error": "",
			"StartedAt": ts(c.started), "FinishedAt": ts(c.finished),
		},
		"Image":           c.imageID,
		"Name":            "/" + c.name,
		"RestartCount":    0,
		"Driver":          "overlay2",
		"Platform":        "linux",
		"HostConfig":      map[string]any{"NetworkMode": c.netMode},
		"Mounts":          mounts,
		"Config":          cfg,
		"NetworkSettings": map[string]any{"Networks": networks},
	}
	if boolValue(r.Form.Get("size")) {
		resp["SizeRw"] = c.sizeRw
		resp["SizeRootFs"] = c.sizeRw + c.imageSize()
	}
	writeJSON(w, http.StatusOK, resp)
}

func (e *Engine) handleContainerDelete(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.Lock()
	err := e.containerRemove(id, boolValue(r.Form.Get("force")), boolValue(r.Form.Get("v")))
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Engine) handleContainerAction(w http.ResponseWriter, id, action string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.s.getContainer(id)
	if err != nil {
		writeError(w, err)
		return
	}
	switch action {
	case "start":
		if c.isRunning() {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		e.startContainer(c)
	case "stop":
		if !c.isRunning() {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		e.stopContainer(c, 0, "15")
		e.containerEvent(c, "stop", nil)
	case "kill":
		if !c.isRunning() {
			writeError(w, errConflict("Cannot kill container: %s: Container %s is not running", id, c.id))
			return
		}
		e.stopContainer(c, 137, "9")
	case "restart":
		if c.isRunning() {
			e.stopContainer(c, 0, "15")
		}
		e.startContainer(c)
		e.containerEvent(c, "restart", nil)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Engine) handleContainerPrune(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.Form.Get("filters"))
	if err != nil {
		writeError(w, err)
		return
	}
	e.mu.Lock()
	deleted, reclaimed, err := e.containersPrune(f)
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		ContainersDeleted []string
		SpaceReclaimed    uint64
	}{deleted, reclaimed})
}

// ---- volumes ----

func (e *Engine) handleVolumeList(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.Form.Get("filters"))
	if err == nil {
		err = f.validate("dangling", "driver", "label", "name")
	}
	if err != nil {
		writeError(w, err)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	rc := e.s.volumeRefCounts()
	out := []volumeJSON{}
	for _, v := range e.s.sortedVolumes() {
		if f.has("dangling") {
			dangling := f.exact("dangling", "true") || f.exact("dangling", "1")
			if dangling != (rc[v.name] == 0) {
				continue
			}
		}
		if f.has("name") && !anyContains(f.get("name"), v.name) {
			continue
		}
		if f.has("driver") && !f.exact("driver", v.driver) {
			continue
		}
		if !f.matchLabels(v.labels) {
			continue
		}
		out = append(out, volumeToJSON(v))
	}
	writeJSON(w, http.StatusOK, struct {
		Volumes  []volumeJSON
		Warnings []string
	}{out, nil})
}

func (e *Engine) handleVolumeInspect(w http.ResponseWriter, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v := e.s.volumes[name]
	if v == nil {
		writeError(w, errNotFound("get %s: no such volume", name))
		return
	}
	writeJSON(w, http.StatusOK, volumeToJSON(v))
}

func (e *Engine) handleVolumeDelete(w http.ResponseWriter, r *http.Request, name string) {
	e.mu.Lock()
	err := e.volumeRemove(name, boolValue(r.Form.Get("force")))
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Engine) handleVolumePrune(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.Form.Get("filters"))
	if err != nil {
		writeError(w, err)
		return
	}
	e.mu.Lock()
	deleted, reclaimed, err := e.volumesPrune(f)
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		VolumesDeleted []string
		SpaceReclaimed uint64
	}{deleted, reclaimed})
}

// ---- networks ----

func (e *Engine) handleNetworkList(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.Form.Get("filters"))
	if err == nil {
		err = f.validate("dangling", "driver", "id", "label", "name", "scope", "type")
	}
	if err != nil {
		writeError(w, err)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []networkJSON{}
	for _, n := range e.s.sortedNetworks() {
		if f.has("name") && !anyContains(f.get("name"), n.name) {
			continue
		}
		if f.has("id") && !anyPrefix(f.get("id"), n.id) {
			continue
		}
		if f.has("driver") && !f.exact("driver", n.driver) {
			continue
		}
		if f.has("type") {
			typ := "custom"
			if n.builtin {
				typ = "builtin"
			}
			if !f.exact("type", typ) {
				continue
			}
		}
		if f.has("dangling") {
			dangling := f.exact("dangling", "true") || f.exact("dangling", "1")
			if dangling != (!n.builtin && len(e.s.activeEndpoints(n.id)) == 0) {
				continue
			}
		}
		if !f.matchLabels(n.labels) {
			continue
		}
		out = append(out, e.s.networkToJSON(n, false))
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Engine) handleNetworkInspect(w http.ResponseWriter, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n, err := e.s.getNetwork(id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, e.s.networkToJSON(n, true))
}

func (e *Engine) handleNetworkDelete(w http.ResponseWriter, id string) {
	e.mu.Lock()
	err := e.networkRemove(id)
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Engine) handleNetworkPrune(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.Form.Get("filters"))
	if err != nil {
		writeError(w, err)
		return
	}
	e.mu.Lock()
	deleted, err := e.networksPrune(f)
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{ NetworksDeleted []string }{deleted})
}

// ---- build cache ----

func (e *Engine) handleBuildPrune(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilters(r.Form.Get("filters"))
	if err != nil {
		writeError(w, err)
		return
	}
	e.mu.Lock()
	deleted, reclaimed, err := e.buildPrune(boolValue(r.Form.Get("all")), f)
	e.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		CachesDeleted  []string
		SpaceReclaimed uint64
	}{deleted, reclaimed})
}
