package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"bilge/model"
)

// fakeEngine serves a fixed snapshot; tests flip it offline or make calls
// fail to drive the refresh loop.
type fakeEngine struct {
	mu      sync.Mutex
	snap    *model.Snapshot
	du      *model.DiskUsage
	offline bool
	calls   map[string]int
	events  chan model.Event
	layers  map[string]model.ImageLayers
	deleted []string
	refuse  map[string]string
	// afterDelete, when set, changes the state and disk usage once a plan
	// is done, as the engine's would.
	afterDelete func(s *model.Snapshot, du *model.DiskUsage)
	// policyTimes are the times PolicyTimes gives; it waits for
	// policyRelease to close first when that is set.
	policyTimes   model.PolicyTimes
	policyRelease chan struct{}
}

func newFakeEngine(s *model.Snapshot, du *model.DiskUsage) *fakeEngine {
	return &fakeEngine{snap: s, du: du, calls: map[string]int{}, events: make(chan model.Event, 16), layers: map[string]model.ImageLayers{}, refuse: map[string]string{}}
}

// offlineError is what dockerapi returns for an engine it cannot reach:
// an error that reports Unreachable.
type offlineError struct{ msg string }

func (e offlineError) Error() string     { return e.msg }
func (e offlineError) Unreachable() bool { return true }

var errOffline error = offlineError{"Cannot connect to the Docker daemon at unix:///fake.sock. Is the docker daemon running?"}

func (f *fakeEngine) call(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[name]++
	if f.offline {
		return errOffline
	}
	return nil
}

func (f *fakeEngine) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeEngine) Ping(ctx context.Context) error { return f.call("ping") }

func (f *fakeEngine) Lists(ctx context.Context, early func([]model.Image)) (*model.Snapshot, error) {
	if err := f.call("lists"); err != nil {
		return nil, err
	}
	s := cloneSnapshot(f.snap)
	if early != nil {
		early(cloneSnapshot(f.snap).Images)
	}
	return s, nil
}

func (f *fakeEngine) Images(ctx context.Context) ([]model.Image, error) {
	if err := f.call("images"); err != nil {
		return nil, err
	}
	return cloneSnapshot(f.snap).Images, nil
}

func (f *fakeEngine) Containers(ctx context.Context) ([]model.Container, error) {
	if err := f.call("containers"); err != nil {
		return nil, err
	}
	return cloneSnapshot(f.snap).Containers, nil
}

func (f *fakeEngine) Volumes(ctx context.Context) ([]model.Volume, error) {
	if err := f.call("volumes"); err != nil {
		return nil, err
	}
	return cloneSnapshot(f.snap).Volumes, nil
}

func (f *fakeEngine) Networks(ctx context.Context) ([]model.Network, error) {
	if err := f.call("networks"); err != nil {
		return nil, err
	}
	return cloneSnapshot(f.snap).Networks, nil
}

func (f *fakeEngine) DiskUsage(ctx context.Context) (*model.DiskUsage, error) {
	if err := f.call("df"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	du := *f.du
	return &du, nil
}

func (f *fakeEngine) Events(ctx context.Context) (<-chan model.Event, <-chan error) {
	out := make(chan model.Event)
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		defer close(out)
		for {
			select {
			case ev := <-f.events:
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errc
}

func (f *fakeEngine) Layers(ctx context.Context, ids []string) (map[string]model.ImageLayers, error) {
	if err := f.call("layers"); err != nil {
		return nil, err
	}
	out := map[string]model.ImageLayers{}
	for _, id := range ids {
		if l, ok := f.layers[id]; ok {
			out[id] = l
		}
	}
	return out, nil
}

// Delete removes from the fake state what the plan names, failing items
// listed in f.refuse with their message.
func (f *fakeEngine) Delete(ctx context.Context, plan model.Plan, parallel int) <-chan model.Outcome {
	ch := make(chan model.Outcome, len(plan.Items))
	go func() {
		defer close(ch)
		for _, it := range plan.Items {
			f.mu.Lock()
			f.deleted = append(f.deleted, it.ID)
			msg, refused := f.refuse[it.ID]
			f.mu.Unlock()
			if refused {
				ch <- model.Outcome{Item: it, Status: model.Failed, Err: msg}
				continue
			}
			ch <- model.Outcome{Item: it, Status: model.Deleted}
		}
		f.mu.Lock()
		if f.afterDelete != nil {
			s, du := cloneSnapshot(f.snap), *f.du
			f.afterDelete(s, &du)
			f.snap, f.du = s, &du
		}
		f.mu.Unlock()
	}()
	return ch
}

func cloneSnapshot(s *model.Snapshot) *model.Snapshot {
	c := *s
	c.Images = append([]model.Image(nil), s.Images...)
	c.Containers = append([]model.Container(nil), s.Containers...)
	c.Volumes = append([]model.Volume(nil), s.Volumes...)
	c.Networks = append([]model.Network(nil), s.Networks...)
	c.ClearSizes()
	c.Link()
	return &c
}

// testNow is the fixed clock of every UI test.
var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func hexID(prefix string, n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprint(n)))
	return prefix + hex.EncodeToString(sum[:])
}

// sampleState is a small, realistic host: shared bases, a dangling image,
// a multi-tag image, containers in every state, named and anonymous
// volumes, networks and build cache.
func sampleState() (*model.Snapshot, *model.DiskUsage) {
	day := 24 * time.Hour
	img := func(n int, tags []string, age time.Duration, size, shared int64) model.Image {
		return model.Image{ID: hexID("sha256:", n), Tags: tags, Created: testNow.Add(-age), Size: size, SharedSize: model.Unknown,
			Labels: map[string]string{"team": fmt.Sprint("t", n%2)}}
	}
	s := &model.Snapshot{
		Engine: model.Engine{Host: "unix:///var/run/docker.sock", Version: "20.10.24", APIVersion: "1.41"},
		Images: []model.Image{
			img(1, []string{"postgres:16"}, 40*day, 432_000_000, 0),
			img(2, []string{"node:20", "node:lts", "node:latest"}, 10*day, 1_100_000_000, 0),
			img(3, []string{"myapp/api:1.4.2"}, 2*day, 1_180_000_000, 0),
			img(4, nil, 90*day, 310_000_000, 0),
			img(5, []string{"redis:7"}, 200*day, 117_000_000, 0),
			img(6, []string{"golang:1.26"}, 3*time.Hour, 880_000_000, 0),
		},
		Containers: []model.Container{
			{ID: hexID("", 101), Name: "db", Image: "postgres:16", ImageID: hexID("sha256:", 1), State: "running", Created: testNow.Add(-30 * day), Mounts: []model.Mount{{Type: "volume", Name: "pgdata", Destination: "/var/lib/postgresql/data"}}, Networks: []string{hexID("", 201)}},
			{ID: hexID("", 102), Name: "api", Image: "myapp/api:1.4.2", ImageID: hexID("sha256:", 3), State: "exited", ExitCode: 137, Created: testNow.Add(-2 * day), Mounts: []model.Mount{{Type: "volume", Name: hexID("", 301), Destination: "/cache"}}},
			{ID: hexID("", 103), Name: "builder", Image: "golang:1.26", ImageID: hexID("sha256:", 6), State: "created", Created: testNow.Add(-time.Hour)},
			{ID: hexID("", 104), Name: "cache", Image: "redis:7", ImageID: hexID("sha256:", 5), State: "exited", Created: testNow.Add(-100 * day)},
		},
		Volumes: []model.Volume{
			{Name: "pgdata", Driver: "local", Created: testNow.Add(-30 * day)},
			{Name: hexID("", 301), Driver: "local", Created: testNow.Add(-2 * day)},
			{Name: "old-data", Driver: "local", Created: testNow.Add(-300 * day), Labels: map[string]string{"keep": "no"}},
		},
		Networks: []model.Network{
			{ID: hexID("", 200), Name: "bridge", Driver: "bridge", Scope: "local", Created: testNow.Add(-400 * day)},
			{ID: hexID("", 201), Name: "app_default", Driver: "bridge", Scope: "local", Created: testNow.Add(-30 * day)},
			{ID: hexID("", 202), Name: "host", Driver: "host", Scope: "local", Created: testNow.Add(-400 * day)},
			{ID: hexID("", 203), Name: "none", Driver: "null", Scope: "local", Created: testNow.Add(-400 * day)},
			{ID: hexID("", 204), Name: "ci_net", Driver: "bridge", Scope: "local", Created: testNow.Add(-9 * day)},
		},
	}
	du := &model.DiskUsage{
		LayersSize: 2_939_000_000,
		Images: []model.ImageUsage{
			{ID: hexID("sha256:", 1), Size: 432_000_000, SharedSize: 80_000_000, Containers: 1},
			{ID: hexID("sha256:", 2), Size: 1_100_000_000, SharedSize: 1_000_000_000, Containers: 0},
			{ID: hexID("sha256:", 3), Size: 1_180_000_000, SharedSize: 1_000_000_000, Containers: 1},
			{ID: hexID("sha256:", 4), Size: 310_000_000, SharedSize: 0, Containers: 0},
			{ID: hexID("sha256:", 5), Size: 117_000_000, SharedSize: 80_000_000, Containers: 1},
			{ID: hexID("sha256:", 6), Size: 880_000_000, SharedSize: 0, Containers: 1},
		},
		Containers: []model.ContainerUsage{
			{ID: hexID("", 101), SizeRw: 63_000_000, SizeRootFs: 495_000_000},
			{ID: hexID("", 102), SizeRw: 1_500_000, SizeRootFs: 1_181_500_000},
			{ID: hexID("", 103), SizeRw: 0, SizeRootFs: 880_000_000},
			{ID: hexID("", 104), SizeRw: 12_000, SizeRootFs: 117_012_000},
		},
		Volumes: []model.VolumeUsage{
			{Name: "pgdata", Size: 2_400_000_000, RefCount: 1},
			{Name: hexID("", 301), Size: 15_000_000, RefCount: 1},
			{Name: "old-data", Size: 730_000_000, RefCount: 0},
		},
		BuildCache: []model.BuildRecord{
			{ID: "k2j3h4g5f6d7s8a9", Type: "regular", Description: "[builder 3/5] RUN go build ./...", Size: 640_000_000, Created: testNow.Add(-3 * day), LastUsed: testNow.Add(-2 * day), UsageCount: 4},
			{ID: "q1w2e3r4t5y6u7i8", Type: "source.local", Description: "local source for context", Size: 12_000_000, Created: testNow.Add(-3 * day), LastUsed: testNow.Add(-3 * day), UsageCount: 1, Shared: true},
		},
		Taken:    testNow.Add(-5 * time.Second),
		Duration: 420 * time.Millisecond,
	}
	return s, du
}

// sampleLayers is the layer graph behind sampleState: postgres and redis
// share an 80MB base, node and the api share a 1GB one.
func sampleLayers() map[string]model.ImageLayers {
	l := func(name string, size int64) model.Layer {
		return model.Layer{ChainID: hexID("sha256:", 1000+len(name)*31+int(size%997)), Size: size}
	}
	debian, nodeBase := l("debian", 80_000_000), l("node-base", 1_000_000_000)
	return map[string]model.ImageLayers{
		hexID("sha256:", 1): {Layers: []model.Layer{debian, l("postgres", 352_000_000)}},
		hexID("sha256:", 5): {Layers: []model.Layer{debian, l("redis", 37_000_000)}},
		hexID("sha256:", 2): {Layers: []model.Layer{nodeBase, l("node", 100_000_000)}},
		hexID("sha256:", 3): {Layers: []model.Layer{nodeBase, l("api", 180_000_000)}, BuildKit: false},
		hexID("sha256:", 4): {Layers: []model.Layer{l("dangling", 310_000_000)}},
		hexID("sha256:", 6): {Layers: []model.Layer{l("golang", 880_000_000)}},
	}
}

// PolicyTimes answers from policyTimes once release (when set) is closed.
func (f *fakeEngine) PolicyTimes(ctx context.Context, containers, images []string) (model.PolicyTimes, error) {
	if err := f.call("policytimes"); err != nil {
		return model.PolicyTimes{}, err
	}
	if f.policyRelease != nil {
		select {
		case <-f.policyRelease:
		case <-ctx.Done():
			return model.PolicyTimes{}, ctx.Err()
		}
	}
	t := model.PolicyTimes{Containers: map[string]model.ContainerTimes{}, Images: map[string]time.Time{}}
	for _, id := range containers {
		t.Containers[id] = f.policyTimes.Containers[id]
	}
	for _, id := range images {
		t.Images[id] = f.policyTimes.Images[id]
	}
	return t, nil
}
