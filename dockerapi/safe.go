package dockerapi

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/moby/moby/client"

	"bilge/model"
)

// Engine text is hostile: a network name, a label or a build step can
// carry escape sequences that would retitle, recolour or blank the user's
// terminal. Every string the engine gives passes model.SafeText here, where
// it enters bilge; an object whose text changed keeps the engine's own in
// Orig (for --json). Names and IDs that changed are remembered, so
// deletions still name the object to the engine as the engine spells it.

// cleaner applies model.SafeText and notes whether anything changed.
type cleaner struct{ changed bool }

func (c *cleaner) text(s string) string {
	if model.IsSafeText(s) {
		return s
	}
	c.changed = true
	return model.SafeText(s)
}

func (c *cleaner) texts(ss []string) []string {
	for _, t := range ss {
		if !model.IsSafeText(t) {
			c.changed = true
			return model.SafeTexts(ss)
		}
	}
	return ss
}

func (c *cleaner) labels(m map[string]string) map[string]string {
	for k, v := range m {
		if !model.IsSafeText(k) || !model.IsSafeText(v) {
			c.changed = true
			return model.SafeLabels(m)
		}
	}
	return m
}

// The safe* functions make an object's text safe in place. The common
// case, nothing to change, costs a scan of each string and no allocation.

func (e *Engine) safeImage(img *model.Image) {
	var c cleaner
	id, parent := c.text(img.ID), c.text(img.ParentID)
	tags, digests := c.texts(img.Tags), c.texts(img.Digests)
	labels := c.labels(img.Labels)
	if !c.changed {
		return
	}
	o := *img
	img.ID, img.ParentID, img.Tags, img.Digests, img.Labels, img.Orig = id, parent, tags, digests, labels, &o
	e.names.add(model.KindImage, id, o.ID)
	for i := range tags {
		e.names.add(model.KindImage, tags[i], o.Tags[i])
	}
}

func (e *Engine) safeContainer(ctr *model.Container) {
	var c cleaner
	id, name, ref, imageID, state := c.text(ctr.ID), c.text(ctr.Name), c.text(ctr.Image), c.text(ctr.ImageID), c.text(ctr.State)
	mounts := ctr.Mounts
	for i, m := range ctr.Mounts {
		sm := model.Mount{Type: c.text(m.Type), Name: c.text(m.Name), Source: c.text(m.Source), Destination: c.text(m.Destination)}
		if sm != m {
			if &mounts[0] == &ctr.Mounts[0] {
				mounts = slices.Clone(ctr.Mounts)
			}
			mounts[i] = sm
		}
	}
	networks, labels := c.texts(ctr.Networks), c.labels(ctr.Labels)
	if !c.changed {
		return
	}
	o := *ctr
	ctr.ID, ctr.Name, ctr.Image, ctr.ImageID, ctr.State = id, name, ref, imageID, state
	ctr.Mounts, ctr.Networks, ctr.Labels, ctr.Orig = mounts, networks, labels, &o
	e.names.add(model.KindContainer, id, o.ID)
}

func (e *Engine) safeVolume(v *model.Volume) {
	var c cleaner
	name, driver, scope, labels := c.text(v.Name), c.text(v.Driver), c.text(v.Scope), c.labels(v.Labels)
	if !c.changed {
		return
	}
	o := *v
	v.Name, v.Driver, v.Scope, v.Labels, v.Orig = name, driver, scope, labels, &o
	e.names.add(model.KindVolume, name, o.Name)
}

func (e *Engine) safeNetwork(n *model.Network) {
	var c cleaner
	id, name, driver, scope, labels := c.text(n.ID), c.text(n.Name), c.text(n.Driver), c.text(n.Scope), c.labels(n.Labels)
	if !c.changed {
		return
	}
	o := *n
	n.ID, n.Name, n.Driver, n.Scope, n.Labels, n.Orig = id, name, driver, scope, labels, &o
	e.names.add(model.KindNetwork, id, o.ID)
}

func safeBuildRecord(r *model.BuildRecord) {
	var c cleaner
	id, typ, desc, parents := c.text(r.ID), c.text(r.Type), c.text(r.Description), c.texts(r.Parents)
	if !c.changed {
		return
	}
	o := *r
	r.ID, r.Type, r.Description, r.Parents, r.Orig = id, typ, desc, parents, &o
}

func safeIdentity(id model.Engine) model.Engine {
	var c cleaner
	s := id
	s.Host, s.Context, s.Version, s.APIVersion = c.text(id.Host), c.text(id.Context), c.text(id.Version), c.text(id.APIVersion)
	s.OS, s.Arch, s.KernelVersion = c.text(id.OS), c.text(id.Arch), c.text(id.KernelVersion)
	s.ID, s.Name = c.text(id.ID), c.text(id.Name)
	if c.changed {
		o := id
		s.Orig = &o
	}
	return s
}

// safeError is an engine error whose text is shown safe; errors.Is/As
// (and errdefs' classification) still see the original.
type safeError struct{ err error }

func (s *safeError) Error() string { return model.SafeText(s.err.Error()) }
func (s *safeError) Unwrap() error { return s.err }

// safeErr wraps err when its text needs it.
func safeErr(err error) error {
	if err == nil || model.IsSafeText(err.Error()) {
		return err
	}
	return &safeError{err}
}

// rawNames maps the safe form of a name or ID that SafeText changed back
// to the engine's own, per kind. It stays empty on ordinary hosts.
type rawNames struct {
	mu sync.Mutex
	m  map[model.Kind]map[string]string // safe → raw; "" when two raws share it
}

func (r *rawNames) add(k model.Kind, safe, raw string) {
	if safe == raw {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[model.Kind]map[string]string{}
	}
	if r.m[k] == nil {
		r.m[k] = map[string]string{}
	}
	if prev, ok := r.m[k][safe]; ok && prev != raw {
		raw = "" // ambiguous: never guess which object is meant
	}
	r.m[k][safe] = raw
}

// raw is the engine's spelling of name; an error when two objects show
// as the same safe text.
func (r *rawNames) raw(k model.Kind, name string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	raw, ok := r.m[k][name]
	switch {
	case !ok:
		return name, nil
	case raw == "":
		return "", fmt.Errorf("%s: more than one object shows as this name (it has control characters): not deleted", name)
	}
	return raw, nil
}

// rawDeleter names objects to the engine by their raw names.
type rawDeleter struct {
	deleter
	names *rawNames
}

func (d rawDeleter) ContainerRemove(ctx context.Context, id string, opts client.ContainerRemoveOptions) (client.ContainerRemoveResult, error) {
	raw, err := d.names.raw(model.KindContainer, id)
	if err != nil {
		return client.ContainerRemoveResult{}, err
	}
	return d.deleter.ContainerRemove(ctx, raw, opts)
}

func (d rawDeleter) ImageRemove(ctx context.Context, id string, opts client.ImageRemoveOptions) (client.ImageRemoveResult, error) {
	raw, err := d.names.raw(model.KindImage, id)
	if err != nil {
		return client.ImageRemoveResult{}, err
	}
	return d.deleter.ImageRemove(ctx, raw, opts)
}

func (d rawDeleter) VolumeRemove(ctx context.Context, name string, opts client.VolumeRemoveOptions) (client.VolumeRemoveResult, error) {
	raw, err := d.names.raw(model.KindVolume, name)
	if err != nil {
		return client.VolumeRemoveResult{}, err
	}
	return d.deleter.VolumeRemove(ctx, raw, opts)
}

func (d rawDeleter) NetworkRemove(ctx context.Context, id string, opts client.NetworkRemoveOptions) (client.NetworkRemoveResult, error) {
	raw, err := d.names.raw(model.KindNetwork, id)
	if err != nil {
		return client.NetworkRemoveResult{}, err
	}
	return d.deleter.NetworkRemove(ctx, raw, opts)
}

// rawDeleterOf wraps d so that deletions name objects as the engine does.
func (e *Engine) rawDeleterOf(d deleter) deleter {
	return rawDeleter{deleter: d, names: &e.names}
}
