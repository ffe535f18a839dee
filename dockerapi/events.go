package dockerapi

import (
	"context"
	"strings"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"bilge/model"
)

// Events subscribes to the engine's event stream for the kinds bilge shows.
// The events channel closes when the stream ends; the error channel then
// carries why (nil when ctx was cancelled).
func (e *Engine) Events(ctx context.Context) (<-chan model.Event, <-chan error) {
	res := e.api.Events(ctx, client.EventsListOptions{
		Filters: make(client.Filters).Add("type", "image", "container", "volume", "network"),
	})
	out := make(chan model.Event, 64)
	errc := make(chan error, 1)
	go func() {
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
				if ctx.Err() == nil {
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
	ev := model.Event{Action: model.SafeText(string(m.Action)), ID: model.SafeText(m.Actor.ID)}
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
