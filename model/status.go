package model

import (
	"strconv"
	"strings"
)

// ImageStatus is what the Images tab says about an image's use.
type ImageStatus int

const (
	// ImageInUse: a running, paused or restarting container uses it.
	ImageInUse ImageStatus = iota
	// ImageStoppedOnly: containers use it, none of them running.
	ImageStoppedOnly
	// ImageUnused: tagged, and no container uses it.
	ImageUnused
	// ImageDangling: no tag, and no container uses it.
	ImageDangling
)

func (s ImageStatus) String() string {
	switch s {
	case ImageInUse:
		return "in use"
	case ImageStoppedOnly:
		return "stopped only"
	case ImageUnused:
		return "unused"
	case ImageDangling:
		return "dangling"
	}
	return "?"
}

// Status derives the image's status from its containers and tags. An
// untagged image that containers still use is reported by its use, since
// that is what decides whether deleting it frees anything.
func (i *Image) Status() ImageStatus {
	switch {
	case i.RunningContainers > 0:
		return ImageInUse
	case len(i.Containers) > 0:
		return ImageStoppedOnly
	case i.Dangling():
		return ImageDangling
	}
	return ImageUnused
}

// StateText is the container's state as the Containers tab shows it:
// "running", "exited (CODE)", "created", "dead", "paused", "restarting",
// "removing", or the engine's word for any state it adds later.
func (c *Container) StateText() string {
	switch c.State {
	case StateExited:
		return "exited (" + strconv.Itoa(c.ExitCode) + ")"
	case "":
		return "unknown"
	}
	return c.State
}

// Label is the image's name where it must be told apart from others (a
// warning, a result, a list of children): its first tag, or <none>:<none>
// and its short ID, since untagged images all share that name.
func (i *Image) Label() string {
	if len(i.Tags) == 0 {
		return i.Name() + " " + ShortID(i.ID)
	}
	return i.Name()
}

// ImageText is the container's image as docker ps shows it: the short ID
// when the container was created from the image's ID (or its tag went to
// another image), the reference without its digest otherwise.
func (c *Container) ImageText() string {
	switch {
	case c.Image == "":
		return "<no image>"
	case c.ImageID != "" && ShortID(c.Image) == ShortID(c.ImageID):
		return ShortID(c.ImageID)
	}
	if name, _, ok := strings.Cut(c.Image, "@"); ok && name != "" {
		return name
	}
	return c.Image
}

// Stopped reports a container that is not active: exited, created, dead or
// being removed. container prune removes exactly these.
func (c *Container) Stopped() bool { return !c.Active() }

// Unused reports a network network prune would remove: no container is
// attached and the engine did not create it.
func (n *Network) Unused() bool { return len(n.Containers) == 0 && !n.Builtin() }
