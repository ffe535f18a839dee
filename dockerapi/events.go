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
		Filters: make(client.Filters).Add("type", "image", "container", "volume", "network"),
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

func mapEvent(m events.Message) (model.Event, bool) {
	ev := model.Event{Action: string(m.Action), ID: m.Actor.ID}
	switch m.Type {
	case events.ImageEventType:
		ev.Kind = model.KindImage
	case events.ContainerEventType:
		ev.Kind = model.KindContainer
		// Frequent actions that change nothing bilge shows.
		a := string(m.Action)
		if strings.HasPrefix(a, "exec_") || strings.HasPrefix(a, "health_status") {
			return ev, false
		}
		switch a {
		case "top", "attach", "detach", "resize", "export", "copy", "archive-path", "extract-to-dir", "commit":
			return ev, false
		}
	case events.VolumeEventType:
		ev.Kind = model.KindVolume
	case events.NetworkEventType:
		ev.Kind = model.KindNetwork
	default:
		return ev, false
	}
	return ev, true
}
