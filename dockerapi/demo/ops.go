package demo

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// State changes, each as the 20.10 daemon makes it, with its events. All
// run with e.mu held.

// ---- images ----

const (
	conflictDependentChild = 1 << iota
	conflictRunningContainer
	conflictActiveReference
	conflictStoppedContainer
	conflictHard = conflictDependentChild | conflictRunningContainer
	conflictSoft = conflictActiveReference | conflictStoppedContainer
)

type imageConflict struct {
	id   string
	hard bool
	used bool
	msg  string
}

func (c *imageConflict) apiError() *apiError {
	force := "must be forced"
	if c.hard {
		force = "cannot be forced"
	}
	return errConflict("conflict: unable to delete %s (%s) - %s", shortID(c.id), force, c.msg)
}

func (s *state) checkImageConflict(img *image, mask int) *imageConflict {
	if mask&conflictDependentChild != 0 && s.hasChildren(img.id) {
		return &imageConflict{id: img.id, hard: true, msg: "image has dependent child images"}
	}
	cs := s.sortedContainers()
	if mask&conflictRunningContainer != 0 {
		for _, c := range cs {
			if c.imageID == img.id && c.isRunning() {
				return &imageConflict{id: img.id, hard: true, used: true, msg: "image is being used by running container " + shortID(c.id)}
			}
		}
	}
	if mask&conflictActiveReference != 0 && len(img.refs) > 0 {
		return &imageConflict{id: img.id, msg: "image is referenced in multiple repositories"}
	}
	if mask&conflictStoppedContainer != 0 {
		for _, c := range cs {
			if c.imageID == img.id && !c.isRunning() {
				return &imageConflict{id: img.id, used: true, msg: "image is being used by stopped container " + shortID(c.id)}
			}
		}
	}
	return nil
}

// isSingleReference: at most one tag, and every reference in the same
// repository.
func isSingleReference(refs []string) bool {
	if len(refs) <= 1 {
		return len(refs) == 1
	}
	single := ""
	canonical := map[string]bool{}
	for _, r := range refs {
		if strings.Contains(r, "@") {
			canonical[repoName(r)] = true
		} else if single == "" {
			single = r
		} else {
			return false
		}
	}
	if single == "" {
		single = refs[0]
	}
	return len(canonical) == 1 && canonical[repoName(single)]
}

func isImageIDPrefix(id, ref string) bool {
	if strings.HasPrefix(id, ref) {
		return true
	}
	if i := strings.IndexByte(id, ':'); i >= 0 {
		return strings.HasPrefix(id[i+1:], ref)
	}
	return false
}

func (e *Engine) imageEvent(img *image, action string) {
	attrs := map[string]string{}
	if img != nil && e.s.images[img.id] != nil {
		for k, v := range img.config.labels {
			attrs[k] = v
		}
	}
	id := ""
	if img != nil {
		id = img.id
		attrs["name"] = img.id
	}
	e.emit("image", action, id, attrs)
}

// imageDelete is DELETE /images/{name}.
func (e *Engine) imageDelete(ref string, force, prune bool) ([]deleteItem, error) {
	s := e.s
	img, err := s.getImage(ref)
	if err != nil {
		return nil, err
	}
	var recs []deleteItem
	removedRepositoryRef := false
	if !isImageIDPrefix(img.id, ref) {
		named := normalizeRef(ref)
		if !force && isSingleReference(img.refs) {
			for _, c := range s.sortedContainers() {
				if c.imageID == img.id {
					return nil, errConflict("conflict: unable to remove repository reference %q (must force) - container %s is using its referenced image %s", ref, shortID(c.id), shortID(img.id))
				}
			}
		}
		s.removeRef(img, named)
		recs = append(recs, deleteItem{Untagged: named})
		e.imageEvent(img, "untag")
		if !strings.Contains(named, "@") {
			found := false
			for _, r := range img.refs {
				if !strings.Contains(r, "@") && repoName(r) == repoName(named) {
					found = true
				}
			}
			if !found {
				for _, r := range sortRefs(img.refs) {
					if strings.Contains(r, "@") && repoName(r) == repoName(named) {
						s.removeRef(img, r)
						recs = append(recs, deleteItem{Untagged: r})
					}
				}
			}
		}
		if len(img.refs) > 0 {
			return recs, nil
		}
		removedRepositoryRef = true
	} else if isSingleReference(img.refs) {
		mask := conflictHard
		if !force {
			mask |= conflictSoft &^ conflictActiveReference
		}
		if c := s.checkImageConflict(img, mask); c != nil {
			return nil, c.apiError()
		}
		for _, r := range sortRefs(img.refs) {
			s.removeRef(img, r)
			recs = append(recs, deleteItem{Untagged: r})
			e.imageEvent(img, "untag")
		}
	}
	if err := e.imageDeleteHelper(img, &recs, force, prune, removedRepositoryRef); err != nil {
		return nil, err
	}
	return recs, nil
}

func (e *Engine) imageDeleteHelper(img *image, recs *[]deleteItem, force, prune, quiet bool) error {
	s := e.s
	mask := conflictHard
	if !force {
		mask |= conflictSoft
	}
	if c := s.checkImageConflict(img, mask); c != nil {
		dangling := len(img.refs) == 0 && !s.hasChildren(img.id)
		if quiet && (!dangling || c.used) {
			return nil
		}
		return c.apiError()
	}
	parent := img.parent
	for _, r := range sortRefs(img.refs) {
		s.removeRef(img, r)
		*recs = append(*recs, deleteItem{Untagged: r})
		e.imageEvent(img, "untag")
	}
	delete(s.images, img.id)
	removed := s.releaseLayers(img.layers, s.imgRefs)
	e.imageEvent(img, "delete")
	*recs = append(*recs, deleteItem{Deleted: img.id})
	for _, l := range removed {
		*recs = append(*recs, deleteItem{Deleted: l.chainID})
	}
	if !prune || parent == "" {
		return nil
	}
	p := s.images[parent]
	if p == nil {
		return nil
	}
	return e.imageDeleteHelper(p, recs, false, true, true)
}

// imagesPrune is POST /images/prune.
func (e *Engine) imagesPrune(f filterArgs) ([]deleteItem, uint64, error) {
	if err := f.validate("dangling", "label", "label!", "until"); err != nil {
		return nil, 0, err
	}
	danglingOnly := true
	if vals := f.get("dangling"); len(vals) > 0 {
		switch {
		case f.exact("dangling", "false"), f.exact("dangling", "0"):
			danglingOnly = false
		case f.exact("dangling", "true"), f.exact("dangling", "1"):
		default:
			return nil, 0, errInvalid("Invalid filter 'dangling=%s'", vals[0])
		}
	}
	until, err := f.until(e.clock())
	if err != nil {
		return nil, 0, err
	}
	s := e.s
	sizes := map[string]int64{}
	for c, l := range s.layers {
		sizes[c] = l.size
	}
	children := s.childCounts()
	var cands []*image
	for _, img := range s.sortedImages() {
		if danglingOnly && children[img.id] > 0 {
			continue // not a head
		}
		if len(img.refs) == 0 && children[img.id] > 0 {
			continue
		}
		if !until.IsZero() && img.created.After(until) {
			continue
		}
		if !f.matchLabels(img.config.labels) {
			continue
		}
		cands = append(cands, img)
	}
	// Oldest first.
	for a, b := 0, len(cands)-1; a < b; a, b = a+1, b-1 {
		cands[a], cands[b] = cands[b], cands[a]
	}
	var deleted []deleteItem
	for _, img := range cands {
		if s.images[img.id] == nil {
			continue
		}
		if len(img.refs) > 0 {
			should := !danglingOnly
			if !should {
				should = len(img.tags()) == 0
			}
			if !should {
				continue
			}
			for _, r := range sortRefs(img.refs) {
				recs, err := e.imageDelete(r, false, true)
				if err != nil {
					continue
				}
				deleted = append(deleted, recs...)
			}
		} else {
			recs, err := e.imageDelete(strings.TrimPrefix(img.id, "sha256:"), false, true)
			if err != nil {
				continue
			}
			deleted = append(deleted, recs...)
		}
	}
	var reclaimed uint64
	for _, d := range deleted {
		if d.Deleted != "" {
			reclaimed += uint64(sizes[d.Deleted])
		}
	}
	e.emit("image", "prune", "", map[string]string{"reclaimed": strconv.FormatUint(reclaimed, 10)})
	return deleted, reclaimed, nil
}

// ---- containers ----

func (e *Engine) containerEvent(c *container, action string, extra map[string]string) {
	attrs := map[string]string{}
	for k, v := range c.labels {
		attrs[k] = v
	}
	attrs["image"] = c.imageRef
	attrs["name"] = c.name
	for k, v := range extra {
		attrs[k] = v
	}
	e.emit("container", action, c.id, attrs)
}

// stopContainer brings a running container down: die, the network
// endpoints released, the volumes unmounted.
func (e *Engine) stopContainer(c *container, code int, signal string) {
	if signal != "" {
		e.containerEvent(c, "kill", map[string]string{"signal": signal})
	}
	c.state = "exited"
	c.exitCode = code
	c.finished = e.clock().UTC().Truncate(time.Second)
	e.containerEvent(c, "die", map[string]string{"exitCode": strconv.Itoa(code)})
	for i, ep := range c.networks {
		if n := e.s.networks[ep.netID]; n != nil {
			e.emit("network", "disconnect", n.id, map[string]string{"container": c.id, "name": n.name, "type": n.driver})
		}
		c.networks[i] = endpoint{netID: ep.netID, netName: ep.netName, aliases: ep.aliases}
	}
	for _, m := range c.mounts {
		if m.typ == "volume" {
			e.emit("volume", "unmount", m.name, map[string]string{"container": c.id, "driver": "local"})
		}
	}
	c.ports = nil
}

func (e *Engine) startContainer(c *container) {
	for _, m := range c.mounts {
		if m.typ == "volume" {
			e.emit("volume", "mount", m.name, map[string]string{"container": c.id, "destination": m.dest, "driver": "local", "propagation": m.propagation, "read/write": strconv.FormatBool(m.rw)})
		}
	}
	for i, ep := range c.networks {
		n := e.s.networks[ep.netID]
		if n == nil {
			continue
		}
		ep.epID = fmt.Sprintf("%016x%016x%016x%016x", e.liveRNG.Uint64(), e.liveRNG.Uint64(), e.liveRNG.Uint64(), e.liveRNG.Uint64())
		if n.subnet != "" {
			ep.ip = fmt.Sprintf("%s.%d", strings.TrimSuffix(n.gateway, ".1"), n.nextIP)
			n.nextIP++
			ep.gateway = n.gateway
			ep.prefix, _ = strconv.Atoi(n.subnet[strings.IndexByte(n.subnet, '/')+1:])
			ep.mac = macFor(ep.ip)
		}
		c.networks[i] = ep
		e.emit("network", "connect", n.id, map[string]string{"container": c.id, "name": n.name, "type": n.driver})
	}
	c.state = "running"
	c.exitCode = 0
	c.started = e.clock().UTC().Truncate(time.Second)
	e.containerEvent(c, "start", nil)
}

// containerRemove is DELETE /containers/{id}.
func (e *Engine) containerRemove(ref string, force, removeVolumes bool) error {
	c, err := e.s.getContainer(ref)
	if err != nil {
		return err
	}
	if c.isRunning() {
		if !force {
			procedure := "Stop the container before attempting removal or force remove"
			if c.state == "paused" {
				procedure = "Unpause and then " + strings.ToLower(procedure)
			}
			return errConflict("You cannot remove a %s container %s. %s", c.state, c.id, procedure)
		}
		e.stopContainer(c, 137, "9")
	}
	e.destroyContainer(c, removeVolumes)
	return nil
}

func (e *Engine) destroyContainer(c *container, removeVolumes bool) {
	s := e.s
	delete(s.containers, c.id)
	s.releaseLayers(c.layers, s.ctrRefs)
	delete(e.liveStarted, c.id)
	if removeVolumes {
		for _, m := range c.mounts {
			if m.typ != "volume" || !isHex64(m.name) {
				continue // named volumes are removed explicitly only
			}
			if v := s.volumes[m.name]; v != nil && len(s.volumeUsers(m.name)) == 0 {
				delete(s.volumes, m.name)
				e.emit("volume", "destroy", m.name, map[string]string{"driver": v.driver})
			}
		}
	}
	e.containerEvent(c, "destroy", nil)
}

// containersPrune is POST /containers/prune.
func (e *Engine) containersPrune(f filterArgs) ([]string, uint64, error) {
	if err := f.validate("until", "label", "label!"); err != nil {
		return nil, 0, err
	}
	until, err := f.until(e.clock())
	if err != nil {
		return nil, 0, err
	}
	var deleted []string
	var reclaimed uint64
	for _, c := range e.s.sortedContainers() {
		if c.isRunning() {
			continue
		}
		if !until.IsZero() && !c.created.Before(until) {
			continue
		}
		if !f.matchLabels(c.labels) {
			continue
		}
		reclaimed += uint64(c.sizeRw)
		e.destroyContainer(c, false)
		deleted = append(deleted, c.id)
	}
	e.emit("container", "prune", "", map[string]string{"reclaimed": strconv.FormatUint(reclaimed, 10)})
	return deleted, reclaimed, nil
}

// ---- volumes ----

// volumeRemove is DELETE /volumes/{name}.
func (e *Engine) volumeRemove(name string, force bool) error {
	s := e.s
	v := s.volumes[name]
	if v == nil {
		if force {
			return nil
		}
		return errNotFound("get %s: no such volume", name)
	}
	if users := s.volumeUsers(name); len(users) > 0 {
		return errConflict("remove %s: volume is in use - [%s]", name, strings.Join(users, ", "))
	}
	delete(s.volumes, name)
	e.emit("volume", "destroy", name, map[string]string{"driver": v.driver})
	return nil
}

// volumesPrune is POST /volumes/prune with 1.41 semantics: every volume
// no container uses, named ones too.
func (e *Engine) volumesPrune(f filterArgs) ([]string, uint64, error) {
	if err := f.validate("label", "label!"); err != nil {
		return nil, 0, err
	}
	s := e.s
	rc := s.volumeRefCounts()
	deleted := []string{}
	var reclaimed uint64
	for _, v := range s.sortedVolumes() {
		if rc[v.name] > 0 || v.driver != "local" || !f.matchLabels(v.labels) {
			continue
		}
		delete(s.volumes, v.name)
		deleted = append(deleted, v.name)
		reclaimed += uint64(v.size)
	}
	e.emit("volume", "prune", "", map[string]string{"reclaimed": strconv.FormatUint(reclaimed, 10)})
	return deleted, reclaimed, nil
}

// ---- networks ----

// networkRemove is DELETE /networks/{id}.
func (e *Engine) networkRemove(ref string) error {
	n, err := e.s.getNetwork(ref)
	if err != nil {
		return err
	}
	if n.builtin {
		return errForbidden("%s is a pre-defined network and cannot be removed", n.name)
	}
	if len(e.s.activeEndpoints(n.id)) > 0 {
		return errForbidden("error while removing network: network %s id %s has active endpoints", n.name, n.id)
	}
	e.deleteNetwork(n)
	return nil
}

func (e *Engine) deleteNetwork(n *network) {
	delete(e.s.networks, n.id)
	e.emit("network", "destroy", n.id, map[string]string{"name": n.name, "type": n.driver})
}

// networksPrune is POST /networks/prune: every network that is not built
// in and has no active endpoint.
func (e *Engine) networksPrune(f filterArgs) ([]string, error) {
	if err := f.validate("until", "label", "label!"); err != nil {
		return nil, err
	}
	until, err := f.until(e.clock())
	if err != nil {
		return nil, err
	}
	var deleted []string
	for _, n := range e.s.sortedNetworks() {
		if n.builtin || len(e.s.activeEndpoints(n.id)) > 0 {
			continue
		}
		if !until.IsZero() && !n.created.Before(until) {
			continue
		}
		if !f.matchLabels(n.labels) {
			continue
		}
		e.deleteNetwork(n)
		deleted = append(deleted, n.name)
	}
	e.emit("network", "prune", "", map[string]string{})
	return deleted, nil
}

// ---- build cache ----

// buildPrune is POST /build/prune as 20.10's BuildKit does it: without all
// only records that are not shared with images; never records in use or
// with children; until is a duration of disuse; id is a regular
// expression (unanchored); label is accepted and ignored.
func (e *Engine) buildPrune(all bool, f filterArgs) ([]string, uint64, error) {
	var keep time.Duration
	for _, key := range []string{"until", "unused-for"} {
		if vals := f.get(key); len(vals) > 0 {
			if len(vals) > 1 {
				return nil, 0, errInvalid("filters expect only one value")
			}
			d, err := time.ParseDuration(vals[0])
			if err != nil {
				return nil, 0, errInternal("%q filter expects a duration (e.g., '24h'): %v", key, err)
			}
			keep = d
		}
	}
	var idRe *regexp.Regexp
	if vals := f.get("id"); len(vals) > 0 {
		if len(vals) > 1 {
			return nil, 0, errInvalid("filters expect only one value")
		}
		re, err := regexp.Compile(vals[0])
		if err != nil {
			return nil, 0, errInternal("failed to compile regexp %q: %v", vals[0], err)
		}
		idRe = re
	}
	exact := func(key, val string) bool {
		vals := f.get(key)
		return len(vals) == 0 || vals[0] == val
	}
	flag := func(key string, val bool) bool {
		vals := f.get(key)
		if len(vals) == 0 {
			return true
		}
		b, err := strconv.ParseBool(vals[0])
		return err != nil || b == val
	}
	now := e.clock()
	s := e.s
	var deleted []string
	var reclaimed uint64
	for {
		progress := false
		hasChild := map[string]bool{}
		for _, r := range s.records {
			if r.parent != "" {
				hasChild[r.parent] = true
			}
		}
		for _, r := range s.sortedRecords() {
			shared := s.shared(r)
			switch {
			case r.inUse, hasChild[r.id]:
				continue
			case !all && shared:
				continue
			case keep > 0 && r.lastUsed.After(now.Add(-keep)):
				continue
			case idRe != nil && !idRe.MatchString(r.id):
				continue
			case !exact("type", r.typ), !exact("description", r.desc), !exact("parent", r.parent):
				continue
			case !flag("inuse", r.inUse), !flag("shared", shared), !flag("private", !shared):
				continue
			}
			delete(s.records, r.id)
			deleted = append(deleted, r.id)
			if !shared {
				reclaimed += uint64(r.size)
			}
			progress = true
		}
		if !progress {
			break
		}
	}
	e.emit("builder", "prune", "", map[string]string{"reclaimed": strconv.FormatUint(reclaimed, 10)})
	return deleted, reclaimed, nil
}
