package model

import "time"

// PolicyTimes are the times the list calls lack that a policy weighs (see
// Policy.NeedsTimes), by ID: when containers started and stopped, when
// images were last tagged. An ID that was asked for and is gone has zero
// times.
type PolicyTimes struct {
	Containers map[string]ContainerTimes
	Images     map[string]time.Time // LastTagged
}

// ContainerTimes are a container's Started and Finished.
type ContainerTimes struct{ Started, Finished time.Time }

// Covers reports whether t has every container and image listed.
func (t PolicyTimes) Covers(containers, images []string) bool {
	for _, id := range containers {
		if _, ok := t.Containers[id]; !ok {
			return false
		}
	}
	for _, id := range images {
		if _, ok := t.Images[id]; !ok {
			return false
		}
	}
	return true
}

// WithTimes is a copy of s whose containers and images carry the times t
// has for them; s is not changed (its slices are copied, not what they
// share).
func (s *Snapshot) WithTimes(t PolicyTimes) *Snapshot {
	c := *s
	c.Containers = append([]Container(nil), s.Containers...)
	c.Images = append([]Image(nil), s.Images...)
	for i := range c.Containers {
		if ct, ok := t.Containers[c.Containers[i].ID]; ok {
			c.Containers[i].Started, c.Containers[i].Finished = ct.Started, ct.Finished
		}
	}
	for i := range c.Images {
		if lt, ok := t.Images[c.Images[i].ID]; ok {
			c.Images[i].LastTagged = lt
		}
	}
	return &c
}
