package dockerapi

import (
	"testing"

	"github.com/moby/moby/api/types/events"

	"bilge/model"
)

// TestMapEvent: every event that changes a list bilge shows refreshes that
// list; the frequent ones that change nothing are dropped. The actions are
// those moby's daemon sends (20.10 to 29).
func TestMapEvent(t *testing.T) {
	t.Parallel()
	const none = model.Kind(-1)
	cases := []struct {
		typ    events.Type
		action string
		want   model.Kind
	}{
		// An untagged docker commit: before Engine 27 its only event.
		{events.ContainerEventType, "commit", model.KindImage},
		{events.ContainerEventType, "create", model.KindContainer},
		{events.ContainerEventType, "destroy", model.KindContainer},
		{events.ContainerEventType, "rename", model.KindContainer},
		{events.ContainerEventType, "update", model.KindContainer},
		{events.ContainerEventType, "start", model.KindContainer},
		{events.ContainerEventType, "die", model.KindContainer},
		{events.ContainerEventType, "stop", model.KindContainer},
		{events.ContainerEventType, "kill", model.KindContainer},
		{events.ContainerEventType, "pause", model.KindContainer},
		{events.ContainerEventType, "unpause", model.KindContainer},
		{events.ContainerEventType, "restart", model.KindContainer},
		{events.ContainerEventType, "oom", model.KindContainer},
		{events.ContainerEventType, "prune", model.KindContainer},
		{events.ContainerEventType, "exec_create: sh -c true", none},
		{events.ContainerEventType, "exec_start: sh -c true", none},
		{events.ContainerEventType, "exec_die", none},
		{events.ContainerEventType, "health_status: healthy", none},
		{events.ContainerEventType, "top", none},
		{events.ContainerEventType, "attach", none},
		{events.ContainerEventType, "detach", none},
		{events.ContainerEventType, "resize", none},
		{events.ContainerEventType, "export", none},
		{events.ContainerEventType, "copy", none},
		{events.ContainerEventType, "archive-path", none},
		{events.ContainerEventType, "extract-to-dir", none},
		{events.ContainerEventType, "checkpoint", none},
		{events.ImageEventType, "pull", model.KindImage},
		{events.ImageEventType, "tag", model.KindImage},
		{events.ImageEventType, "untag", model.KindImage},
		{events.ImageEventType, "delete", model.KindImage},
		{events.ImageEventType, "import", model.KindImage},
		{events.ImageEventType, "load", model.KindImage},
		{events.ImageEventType, "create", model.KindImage},
		{events.ImageEventType, "prune", model.KindImage},
		{events.ImageEventType, "save", none},
		{events.ImageEventType, "push", none},
		{events.VolumeEventType, "create", model.KindVolume},
		{events.VolumeEventType, "destroy", model.KindVolume},
		{events.VolumeEventType, "prune", model.KindVolume},
		{events.VolumeEventType, "mount", model.KindVolume},
		{events.NetworkEventType, "create", model.KindNetwork},
		{events.NetworkEventType, "destroy", model.KindNetwork},
		{events.NetworkEventType, "connect", model.KindNetwork},
		{events.NetworkEventType, "disconnect", model.KindNetwork},
		{events.NetworkEventType, "prune", model.KindNetwork},
		{events.BuilderEventType, "prune", model.KindBuildCache},
		{events.DaemonEventType, "reload", none},
		{events.PluginEventType, "install", none},
	}
	for _, c := range cases {
		ev, keep := mapEvent(events.Message{Type: c.typ, Action: events.Action(c.action), Actor: events.Actor{ID: "x"}})
		got := none
		if keep {
			got = ev.Kind
		}
		if got != c.want {
			t.Errorf("%s %q: refreshes %v, want %v", c.typ, c.action, kindName(got), kindName(c.want))
		}
	}
	// A commit names the new image.
	ev, _ := mapEvent(events.Message{Type: events.ContainerEventType, Action: "commit", Actor: events.Actor{ID: "ctr", Attributes: map[string]string{"imageID": "sha256:new"}}})
	if ev.ID != "sha256:new" {
		t.Errorf("commit event ID %q, want the new image's", ev.ID)
	}
}

func kindName(k model.Kind) string {
	if k < 0 {
		return "nothing"
	}
	return k.String()
}
