package dockerapi

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"bilge/model"
)

// Events subscribes to the engine's event stream for the kinds bilge shows.
// The events channel closes when the stream ends; the error channel then
// carries why (nil when ctx was cancelled). It returns once the stream is
// connected or has failed: a connection the engine does not answer within
// the stream-connect bound ends with a *TimeoutError. A connected stream
// may stay silent for as long as the host is quiet.
func (e *Engine) Events(ctx context.Context) (<-chan model.Event, <-chan error) {
	sctx, cancel := context.WithCancelCause(ctx)
	limit := e.timeouts.StreamConnect
	if limit <= 0 { // an Engine built without New
		limit = defaultTimeouts.StreamConnect
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < limit {
		limit = time.Until(dl)
	}
	stalled := &TimeoutError{Host: e.ep.Host, Call: "GET /events", After: limit, Err: context.DeadlineExceeded}
	timer := time.AfterFunc(limit, func() { cancel(stalled) })
	// The client returns once the response headers are in (or it failed).
	res := e.api.Events(sctx, client.EventsListOptions{
		// Engines before 23.0 send no builder events; asking for them is
		// harmless (the type filter's values are not checked).
		Filters: make(client.Filters).Add("type", "image", "container", "volume", "network", "builder"),
	})
	timer.Stop()
	out := make(chan model.Event, 64)
	errc := make(chan error, 1)
	go func() {
		defer cancel(nil)
		defer close(errc)
		defer close(out)
		for {
			select {
			case m, ok := <-res.Messages:
				if !ok {
					return
				}
				ev, keep := mapEvent(m)
				if !keep {
					continue
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case err := <-res.Err:
				switch {
				case ctx.Err() != nil:
				case errors.Is(context.Cause(sctx), stalled):
					errc <- stalled
				default:
					errc <- e.explain(err)
				}
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errc
}

// mapEvent says which list an engine event changes, or keep=false when it
// changes none. What the engine sends (moby's daemon, 20.10 to 29):
//
//   - container: create, destroy, rename, update, start, die, stop, kill,
//     pause, unpause, restart, oom, prune (one event for the whole prune,
//     after a destroy per container) change the containers list, and
//     through it what uses images, volumes and networks. "commit" creates
//     an image: an untagged `docker commit` sends nothing else before
//     Engine 27 (which adds image "create"), so it refreshes the images.
//     exec_*, health_status, top, attach, detach, resize, export, copy,
//     archive-path, extract-to-dir and checkpoint change nothing listed.
//   - image: pull, tag, untag, delete, import, load, create (27+: commit
//     and builds, tagged or not), prune change the images list; save and
//     push do not.
//   - volume: create, destroy, prune, and mount/unmount (cheap; the in-use
//     state comes from the containers); network: create, destroy, connect,
//     disconnect, remove, prune.
//   - builder: prune (23.0+) changes the build cache, which comes with disk
//     usage. Builds send no builder event: a BuildKit build that tags its
//     image sends image "tag"; an untagged one is seen at the next resync
//     before Engine 27.
func mapEvent(m events.Message) (model.Event, bool) {
	ev := model.Event{Action: model.SafeText(string(m.Action)), ID: model.SafeText(m.Actor.ID)}
	a := string(m.Action)
	switch m.Type {
	case events.ImageEventType:
		ev.Kind = model.KindImage
		switch a {
		case "save", "push":
			return ev, false
		}
	case events.ContainerEventType:
		ev.Kind = model.KindContainer
		// Frequent actions that change nothing bilge shows.
		if strings.HasPrefix(a, "exec_") || strings.HasPrefix(a, "health_status") {
			return ev, false
		}
		switch a {
		case "commit":
			ev.Kind = model.KindImage
			if id := m.Actor.Attributes["imageID"]; id != "" {
				ev.ID = id
			}
		case "top", "attach", "detach", "resize", "export", "copy", "archive-path", "extract-to-dir", "checkpoint":
			return ev, false
		}
	case events.VolumeEventType:
		ev.Kind = model.KindVolume
	case events.NetworkEventType:
		ev.Kind = model.KindNetwork
	case events.BuilderEventType:
		ev.Kind = model.KindBuildCache
	default:
		return ev, false
	}
	return ev, true
}
