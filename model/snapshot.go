package model

import (
	"errors"
	"slices"
	"time"
)

// ErrDiskUsageBusy is the engine refusing a disk-usage scan because
// another one is running (engines before 23.0 run one at a time): not a
// failure, the scan is to be asked again shortly. The engine layer wraps
// its error so that errors.Is finds this.
var ErrDiskUsageBusy = errors.New("a disk usage operation is already running")

// DiskUsage is the engine's costly size report (the system df call), in
// model terms. It is fetched apart from the cheap lists and merged into a
// snapshot with ApplyDiskUsage, so lists can be shown before sizes arrive.
type DiskUsage struct {
	LayersSize int64
	Images     []ImageUsage
	Containers []ContainerUsage
	Volumes    []VolumeUsage
	BuildCache []BuildRecord
	// Reported is the engine's own docker system df table (images,
	// containers, volumes, build cache), on API 1.52 and later; nil on
	// older engines, which leave it to the client to compute.
	Reported []Usage
	Taken    time.Time
	Duration time.Duration
}

// ImageUsage is df's view of one image.
type ImageUsage struct {
	ID         string
	Size       int64
	SharedSize int64
	Containers int64
}

// ContainerUsage is df's view of one container.
type ContainerUsage struct {
	ID         string
	SizeRw     int64
	SizeRootFs int64
}

// VolumeUsage is df's view of one volume.
type VolumeUsage struct {
	Name     string
	Size     int64
	RefCount int64
}

// Link fills the relations the cheap lists imply: which containers use each
// image, volume and network. Call it after replacing any list.
func (s *Snapshot) Link() {
	imgIdx := make(map[string]int, len(s.Images))
	for i := range s.Images {
		s.Images[i].Containers = nil
		s.Images[i].RunningContainers = 0
		s.Images[i].Running = 0
		imgIdx[s.Images[i].ID] = i
	}
	volIdx := make(map[string]int, len(s.Volumes))
	for i := range s.Volumes {
		s.Volumes[i].Containers = nil
		volIdx[s.Volumes[i].Name] = i
	}
	// Networks by ID and by name: a container's network entry names the
	// network by ID on Docker, by name on Podman. An entry that is a
	// network's name (and no network's ID) is rewritten to that ID here,
	// so everything after Link sees IDs only.
	netIdx := make(map[string]int, len(s.Networks))
	netByName := make(map[string]int, len(s.Networks))
	for i := range s.Networks {
		s.Networks[i].Containers = nil
		netIdx[s.Networks[i].ID] = i
		if n := s.Networks[i].Name; n != "" {
			netByName[n] = i
		}
	}
	for ci := range s.Containers {
		c := &s.Containers[ci]
		if i, ok := imgIdx[c.ImageID]; ok {
			s.Images[i].Containers = append(s.Images[i].Containers, c.ID)
			if c.Active() {
				s.Images[i].RunningContainers++
			}
			if c.State == StateRunning {
				s.Images[i].Running++
			}
		}
		for _, m := range c.Mounts {
			if m.Type != "volume" {
				continue
			}
			if i, ok := volIdx[m.Name]; ok {
				s.Volumes[i].Containers = appendOnce(s.Volumes[i].Containers, c.ID)
			}
		}
		for k, n := range c.Networks {
			i, ok := netIdx[n]
			if !ok {
				if i, ok = netByName[n]; ok {
					c.Networks[k] = s.Networks[i].ID
				}
			}
			if ok {
				s.Networks[i].Containers = appendOnce(s.Networks[i].Containers, c.ID)
			}
		}
	}
}

func appendOnce(ids []string, id string) []string {
	if n := len(ids); n > 0 && ids[n-1] == id {
		return ids
	}
	return append(ids, id)
}

// ClearSizes marks every costly size Unknown, as the cheap lists leave them.
func (s *Snapshot) ClearSizes() {
	for i := range s.Images {
		s.Images[i].SharedSize = Unknown
	}
	for i := range s.Containers {
		s.Containers[i].SizeRw = Unknown
		s.Containers[i].SizeRootFs = Unknown
	}
	for i := range s.Volumes {
		s.Volumes[i].Size = Unknown
		s.Volumes[i].RefCount = Unknown
	}
	s.LayersSize = Unknown
	s.BuildCache = nil
	s.Reported = nil
	s.Sized = false
}

// ApplyDiskUsage merges a disk-usage report into the snapshot's lists.
// Objects the report does not mention keep Unknown sizes: they were created
// after it was taken and are shown as pending until the next report.
func (s *Snapshot) ApplyDiskUsage(du *DiskUsage) {
	if du == nil {
		return
	}
	imgs := indexBy(du.Images, func(u *ImageUsage) string { return u.ID })
	for i := range s.Images {
		img := &s.Images[i]
		if u, ok := imgs[img.ID]; ok {
			if u.SharedSize >= 0 {
				img.SharedSize = u.SharedSize
			}
			if u.Size >= 0 {
				img.Size = u.Size
			}
		}
	}
	ctrs := indexBy(du.Containers, func(u *ContainerUsage) string { return u.ID })
	for i := range s.Containers {
		c := &s.Containers[i]
		if u, ok := ctrs[c.ID]; ok {
			c.SizeRw = u.SizeRw
			c.SizeRootFs = u.SizeRootFs
		}
	}
	vols := indexBy(du.Volumes, func(u *VolumeUsage) string { return u.Name })
	for i := range s.Volumes {
		v := &s.Volumes[i]
		if u, ok := vols[v.Name]; ok {
			v.Size = u.Size
			if v.Size < 0 {
				v.Size = NotReported
			}
			v.RefCount = u.RefCount
		}
	}
	s.BuildCache = append([]BuildRecord(nil), du.BuildCache...)
	s.LayersSize = du.LayersSize
	s.Reported = slices.Clone(du.Reported)
	s.Sized = true
	s.SizedAt = du.Taken
	s.SizeDuration = du.Duration
}

// indexBy maps each element of xs by key to a pointer into xs.
func indexBy[T any](xs []T, key func(*T) string) map[string]*T {
	m := make(map[string]*T, len(xs))
	for i := range xs {
		m[key(&xs[i])] = &xs[i]
	}
	return m
}

// eachID calls f with the ID of every object of kind k (volumes by name).
func (s *Snapshot) eachID(k Kind, f func(id string)) {
	switch k {
	case KindImage:
		for i := range s.Images {
			f(s.Images[i].ID)
		}
	case KindContainer:
		for i := range s.Containers {
			f(s.Containers[i].ID)
		}
	case KindVolume:
		for i := range s.Volumes {
			f(s.Volumes[i].Name)
		}
	case KindNetwork:
		for i := range s.Networks {
			f(s.Networks[i].ID)
		}
	case KindBuildCache:
		for i := range s.BuildCache {
			f(s.BuildCache[i].ID)
		}
	}
}
