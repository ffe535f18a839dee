package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"golang.org/x/sync/errgroup"

	"bilge/model"
)

// What bilge prune asks beyond the lists: when stopped containers stopped
// and when images were last tagged (the list calls give neither), and
// where the engine keeps its data. Only for the objects a rule weighs, so
// a policy without such rules costs nothing more.

// inspector is the part of the engine those look-ups need.
type inspector interface {
	ContainerInspect(ctx context.Context, id string, opts client.ContainerInspectOptions) (client.ContainerInspectResult, error)
	ImageInspect(ctx context.Context, id string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	Info(ctx context.Context, opts client.InfoOptions) (client.SystemInfoResult, error)
}

func (e *Engine) inspector() (inspector, error) {
	in, ok := e.api.(inspector)
	if !ok {
		return nil, errors.New("this engine cannot inspect")
	}
	return in, nil
}

// FillContainerTimes sets Started and Finished of the snapshot's
// containers whose IDs are given, from inspect (no size), at most
// DefaultParallel at once. A container gone meanwhile keeps zero times.
func (e *Engine) FillContainerTimes(ctx context.Context, s *model.Snapshot, ids []string) error {
	in, err := e.inspector()
	if err != nil {
		return err
	}
	idx := map[string]int{}
	for i := range s.Containers {
		idx[s.Containers[i].ID] = i
	}
	type times struct{ started, finished time.Time }
	got := make([]times, len(ids))
	err = e.each(ctx, len(ids), func(ctx context.Context, k int) error {
		ctx, done := e.start(ctx, "GET /containers/"+model.ShortID(ids[k])+"/json", e.timeouts.Call)
		res, err := in.ContainerInspect(ctx, ids[k], client.ContainerInspectOptions{})
		if err = done(err); err != nil {
			if cerrdefs.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("inspect container %s: %w", model.ShortID(ids[k]), e.explain(err))
		}
		if st := res.Container.State; st != nil {
			got[k] = times{engineTime(st.StartedAt), engineTime(st.FinishedAt)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, id := range ids {
		if i, ok := idx[id]; ok {
			s.Containers[i].Started, s.Containers[i].Finished = got[k].started, got[k].finished
		}
	}
	return nil
}

// FillImageTagTimes sets LastTagged of the snapshot's images whose IDs are
// given, from inspect's Metadata.LastTagTime.
func (e *Engine) FillImageTagTimes(ctx context.Context, s *model.Snapshot, ids []string) error {
	in, err := e.inspector()
	if err != nil {
		return err
	}
	idx := map[string]int{}
	for i := range s.Images {
		idx[s.Images[i].ID] = i
	}
	got := make([]time.Time, len(ids))
	err = e.each(ctx, len(ids), func(ctx context.Context, k int) error {
		ctx, done := e.start(ctx, "GET /images/"+model.ShortID(ids[k])+"/json", e.timeouts.Call)
		res, err := in.ImageInspect(ctx, ids[k])
		if err = done(err); err != nil {
			if cerrdefs.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("inspect image %s: %w", model.ShortID(ids[k]), e.explain(err))
		}
		if t := res.Metadata.LastTagTime; t.Year() > 1 {
			got[k] = t.UTC()
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, id := range ids {
		if i, ok := idx[id]; ok {
			s.Images[i].LastTagged = got[k]
		}
	}
	return nil
}

// DataRoot is the directory the engine keeps its data in (/info's
// DockerRootDir), as the engine sees it.
func (e *Engine) DataRoot(ctx context.Context) (string, error) {
	in, err := e.inspector()
	if err != nil {
		return "", err
	}
	ctx, done := e.start(ctx, "GET /info", e.timeouts.Call)
	res, err := in.Info(ctx, client.InfoOptions{})
	if err = done(err); err != nil {
		return "", e.explain(err)
	}
	return res.Info.DockerRootDir, nil
}

// each runs f for 0..n-1, at most DefaultParallel at once; the first error
// stops the rest.
func (e *Engine) each(ctx context.Context, n int, f func(ctx context.Context, k int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(DefaultParallel)
	for k := range n {
		g.Go(func() error { return f(gctx, k) })
	}
	return g.Wait()
}

// engineTime reads an inspect timestamp; zero for none ("0001-01-01…").
func engineTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t.UTC()
}

// PolicyTimes reads the times a policy weighs (model.Policy.NeedsTimes)
// for the UI, which keeps them beside its own snapshot: as
// FillContainerTimes and FillImageTagTimes, each call with its deadline.
// Every ID asked for is in the result; one gone meanwhile has zero times.
func (e *Engine) PolicyTimes(ctx context.Context, containers, images []string) (model.PolicyTimes, error) {
	s := &model.Snapshot{Containers: make([]model.Container, len(containers)), Images: make([]model.Image, len(images))}
	for i, id := range containers {
		s.Containers[i].ID = id
	}
	for i, id := range images {
		s.Images[i].ID = id
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return e.FillContainerTimes(gctx, s, containers) })
	g.Go(func() error { return e.FillImageTagTimes(gctx, s, images) })
	if err := g.Wait(); err != nil {
		return model.PolicyTimes{}, err
	}
	t := model.PolicyTimes{Containers: make(map[string]model.ContainerTimes, len(containers)), Images: make(map[string]time.Time, len(images))}
	for _, c := range s.Containers {
		t.Containers[c.ID] = model.ContainerTimes{Started: c.Started, Finished: c.Finished}
	}
	for _, img := range s.Images {
		t.Images[img.ID] = img.LastTagged
	}
	return t, nil
}
