// Package enginetest seeds a real Docker daemon with a small, realistic,
// labelled state for end-to-end tests, and removes exactly that state
// afterwards.
//
// It speaks the Engine API with plain net/http (the project rule: only
// dockerapi imports the moby client), over the unix socket named by
// DOCKER_HOST (unix:// or plain tcp://) or /var/run/docker.sock, on API
// version 1.41 (or the daemon's minimum version, if that is higher).
//
// Every object a seed creates carries the label Label=<run ID> (and
// Label+".role"=<role>); names live under "bilge-test-<run ID>-…" and images
// under the repository "bilge-test/<run ID>/…", so they never collide with
// the user's objects or with a concurrent run. Cleanup removes only objects
// with that label, plus the image IDs and build-cache record IDs the seed
// recorded.
//
// # The seeded state
//
// Sizes are exact and decimal (1 MB = 1,000,000 bytes); every byte is
// pseudo-random (incompressible), seeded by the run ID, so two runs never
// share a layer. P is the size of the static test program (testprog, ~1.7 MB).
//
// Layers (file sizes; the engine reports a layer's size as the sum of its
// regular files):
//
//	base      /usr/local/bin/testprog (P) + /opt/base/filler (1 MB)
//	alpha     /opt/alpha/blob 3 MB
//	beta      /opt/beta/blob 2 MB
//	gamma     /opt/gamma/blob 1 MB
//	delta     /opt/delta/blob 2.5 MB
//	beta-old  /opt/beta/blob 1 MB
//
// Images (generated in Go as a docker-save tar and loaded; R = bilge-test/<run ID>):
//
//	alpha     base+alpha         R/alpha:latest                              created 40 days ago
//	beta      base+beta          R/beta:latest, R/beta:v2, R/beta-mirror:stable  2 hours ago
//	gamma     base+alpha+gamma   R/gamma:1.0 (shares base+alpha with alpha)   400 days ago
//	delta     base+delta         R/delta:latest, used by no container         400 days ago
//	dangling  base+beta-old      no tag (<none>:<none>)                       40 days ago
//	built     BuildKit build (FROM scratch, COPY a 300 kB blob)  R/built:latest
//
// Volumes (N = bilge-test-<run ID>):
//
//	data      N-data    2 MB, mounted at /data by the running container
//	unused    N-unused  1 MB, written by a container since removed
//	empty     N-empty   0 B, never used
//	anon      (random)  1 MB, anonymous, mounted at /anon by "failed"
//
// Networks: idle-1 and idle-2 (N-idle-1, N-idle-2, bridge, no containers) and
// app (N-app, bridge, the running container attached).
//
// Containers:
//
//	created   N-created   alpha  never started                           SizeRw 0
//	exited    N-exited    alpha  wrote /data/blob (1.5 MB), exit 0        SizeRw 1.5 MB
//	failed    N-failed    gamma  wrote /anon/blob into the anonymous
//	                             volume, exit 3                           SizeRw 0
//	running   N-running   beta   wrote /var/cache/app/state (500 kB),
//	                             sleeps; volume data at /data, network app  SizeRw 500 kB
//
// So alpha and gamma are used only by stopped containers, beta by the
// running one, delta, dangling and built by none.
//
// Build cache: the records the BuildKit build created (IDs found by diffing
// /system/df before and after the build).
package enginetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Label is the key of the label every seeded object carries; its value is
// the run ID. Label+".role" names the object's role in the State.
const Label = "bilge.test"

// RoleLabel is the key of the label naming an object's role (e.g. "running").
const RoleLabel = Label + ".role"

// baseVersion is the API version used unless the daemon's minimum is higher.
const baseVersion = "1.41"

// Engine is a raw HTTP connection to a Docker daemon.
type Engine struct {
	client  *http.Client
	host    string
	version string
	// maxVersion is the newest API version the daemon speaks.
	maxVersion string
	arch       string
	// containerdStore: the daemon keeps images in the containerd image
	// store (IDs are manifest digests, sizes count packed content).
	containerdStore bool
	// podman: the daemon is Podman's Docker-compatible API (its /version
	// names the component "Podman Engine").
	podman bool

	mu   sync.Mutex
	made map[string]*record // by run ID: what seeding recorded
}

// record is what a seed made that labels cannot find: image IDs (also
// labelled, recorded for safety) and build-cache record IDs.
type record struct {
	images     []string
	buildCache []string
}

// APIError is a non-2xx answer from the daemon.
type APIError struct {
	Method, Path string
	StatusCode   int
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// StatusCode returns the HTTP status of an *APIError in err's chain, or 0.
func StatusCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

// Connect connects to the daemon named by DOCKER_HOST (unix:// or tcp://
// without TLS), or /var/run/docker.sock, and checks that /_ping answers.
// It is for the tools (bilge-seed, bilge-bench), which say which daemon
// they use; tests use Require, which never reaches a daemon the tests did
// not start.
func Connect() (*Engine, error) {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = "unix:///var/run/docker.sock"
	}
	return ConnectHost(host)
}

// ConnectHost connects to the daemon at host (unix:// or tcp:// without
// TLS) and checks that /_ping answers.
func ConnectHost(host string) (*Engine, error) {
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("DOCKER_HOST %q: %v", host, err)
	}
	var dial func(ctx context.Context) (net.Conn, error)
	var d net.Dialer
	switch u.Scheme {
	case "unix":
		path := u.Path
		if path == "" {
			path = u.Opaque
		}
		dial = func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", path) }
	case "tcp":
		if os.Getenv("DOCKER_TLS_VERIFY") != "" || os.Getenv("DOCKER_CERT_PATH") != "" {
			return nil, fmt.Errorf("DOCKER_HOST %q: TLS is not supported by enginetest", host)
		}
		addr := u.Host
		dial = func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	default:
		return nil, fmt.Errorf("DOCKER_HOST %q: only unix:// and tcp:// are supported by enginetest", host)
	}
	tr := &http.Transport{
		DialContext:         func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) },
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     30 * time.Second,
	}
	e := &Engine{client: &http.Client{Transport: tr}, host: host, made: map[string]*record{}}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := e.raw(ctx, http.MethodGet, "/_ping", nil, nil, "")
	if err != nil {
		return nil, fmt.Errorf("no Docker daemon answers at %s: %w", host, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(string(b)) != "OK" {
		return nil, fmt.Errorf("no Docker daemon answers at %s: /_ping said %q", host, b)
	}
	var v struct {
		APIVersion    string `json:"ApiVersion"`
		MinAPIVersion string `json:"MinAPIVersion"`
		Arch          string
		Components    []struct{ Name string }
	}
	resp, err = e.raw(ctx, http.MethodGet, "/version", nil, nil, "")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", host, err)
	}
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: /version: %v", host, err)
	}
	e.version = baseVersion
	e.maxVersion = v.APIVersion
	if v.MinAPIVersion != "" && versionLess(baseVersion, v.MinAPIVersion) {
		e.version = v.MinAPIVersion
	}
	if v.APIVersion != "" && versionLess(v.APIVersion, e.version) {
		return nil, fmt.Errorf("%s: daemon API %s is older than %s", host, v.APIVersion, baseVersion)
	}
	for _, c := range v.Components {
		if c.Name == "Podman Engine" {
			e.podman = true
		}
	}
	e.arch = v.Arch
	if e.arch == "" {
		e.arch = "amd64"
	}
	var info struct{ DriverStatus [][2]string }
	if err := e.Do(ctx, http.MethodGet, "/info", nil, nil, &info); err != nil {
		return nil, fmt.Errorf("%s: %w", host, err)
	}
	for _, kv := range info.DriverStatus {
		if kv[0] == "driver-type" && kv[1] == "io.containerd.snapshotter.v1" {
			e.containerdStore = true
		}
	}
	return e, nil
}

// Require connects to the test process's own daemon (started by Main, see
// TestDaemon) or skips the test when there is none — unless the
// environment has CI=true, where a missing daemon fails the test.
func Require(t testing.TB) *Engine {
	t.Helper()
	d := TestDaemon(t)
	e, err := ConnectHost(d.Host())
	if err != nil {
		t.Fatalf("the test daemon (%s) does not answer: %v\n%s", d, err, d.logTail(20))
	}
	return e
}

// Podman reports whether the daemon is Podman's Docker-compatible API.
func (e *Engine) Podman() bool { return e.podman }

// Host returns the DOCKER_HOST the engine was reached at.
func (e *Engine) Host() string { return e.host }

// ContainerdStore reports whether the daemon keeps images in the
// containerd image store (Engine ≥ 24 with the containerd-snapshotter
// feature, the default of fresh Engine 29 installs).
func (e *Engine) ContainerdStore() bool { return e.containerdStore }

// APIVersion returns the API version used in request paths, e.g. "1.41".
func (e *Engine) APIVersion() string { return e.version }

// Do sends one API request: path is without the version prefix (e.g.
// "/containers/json"); body, if not nil, is sent as JSON; out, if not nil,
// receives the decoded JSON answer. A non-2xx answer is an *APIError.
func (e *Engine) Do(ctx context.Context, method, path string, query url.Values, body io.Reader, out any) error {
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	resp, err := e.raw(ctx, method, "/v"+e.version+path, query, body, ct)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decoding answer: %v", method, path, err)
	}
	return nil
}

// doJSON is Do with in marshalled as the body.
func (e *Engine) doJSON(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	return e.Do(ctx, method, path, query, body, out)
}

// raw sends a request and returns the answer if it is 2xx; path is complete.
func (e *Engine) raw(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string) (*http.Response, error) {
	u := "http://docker" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	msg := strings.TrimSpace(string(b))
	var m struct{ Message string }
	if json.Unmarshal(b, &m) == nil && m.Message != "" {
		msg = m.Message
	}
	return nil, &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Message: msg}
}

// streamMsg is one message of a JSON progress stream (load, build).
type streamMsg struct {
	Stream      string `json:"stream"`
	Status      string `json:"status"`
	ID          string `json:"id"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
	Aux json.RawMessage `json:"aux"`
}

// stream sends a request whose answer is a JSON message stream, reads it to
// the end, calls fn (if not nil) for each message and returns the first
// error message the stream carried.
func (e *Engine) stream(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string, fn func(streamMsg)) error {
	resp, err := e.raw(ctx, method, "/v"+e.version+path, query, body, contentType)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	var first error
	for {
		var m streamMsg
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("%s %s: reading stream: %v", method, path, err)
		}
		if first == nil {
			if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
				first = fmt.Errorf("%s %s: %s", method, path, m.ErrorDetail.Message)
			} else if m.Error != "" {
				first = fmt.Errorf("%s %s: %s", method, path, m.Error)
			}
		}
		if fn != nil {
			fn(m)
		}
	}
	return first
}

// versionLess reports whether API version a is older than b ("1.41" < "1.44").
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// LabelFilters returns the query parameters that select the objects of one
// run in list calls (/containers/json, /images/json, /volumes, /networks).
func LabelFilters(runID string) url.Values {
	return url.Values{"filters": {filterJSON("label", Label+"="+runID)}}
}

func filterJSON(key string, values ...string) string {
	b, _ := json.Marshal(map[string][]string{key: values})
	return string(b)
}

func (e *Engine) recordFor(runID string) *record {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.made[runID]
	if r == nil {
		r = &record{}
		e.made[runID] = r
	}
	return r
}

func (e *Engine) recordImages(runID string, ids ...string) {
	r := e.recordFor(runID)
	e.mu.Lock()
	r.images = append(r.images, ids...)
	e.mu.Unlock()
}

func (e *Engine) recordBuildCache(runID string, ids ...string) {
	r := e.recordFor(runID)
	e.mu.Lock()
	r.buildCache = append(r.buildCache, ids...)
	e.mu.Unlock()
}

// recorded returns copies of what seeding recorded for a run.
func (e *Engine) recorded(runID string) (images, buildCache []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.made[runID]; r != nil {
		images = append(images, r.images...)
		buildCache = append(buildCache, r.buildCache...)
	}
	return images, buildCache
}
