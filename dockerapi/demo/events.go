package demo

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// eventsLimit is how many past events the engine keeps for since= (the
// daemon keeps 256).
const eventsLimit = 256

type actorJSON struct {
	ID         string
	Attributes map[string]string
}

// eventMsg is one event as 20.10 writes it, with the deprecated status,
// id and from fields for containers and images.
type eventMsg struct {
	Status   string `json:"status,omitempty"`
	ID       string `json:"id,omitempty"`
	From     string `json:"from,omitempty"`
	Type     string
	Action   string
	Actor    actorJSON
	Scope    string `json:"scope"`
	Time     int64  `json:"time"`
	TimeNano int64  `json:"timeNano"`
}

// subscriber is one open event stream.
type subscriber struct {
	ch      chan eventMsg
	abort   chan struct{}
	aborted bool
	sent    int
	filter  eventFilter
}

// kill cuts the stream (with e.mu held).
func (s *subscriber) kill() {
	if !s.aborted {
		s.aborted = true
		close(s.abort)
	}
}

// emit logs an event and sends it to the streams (with e.mu held).
func (e *Engine) emit(typ, action, id string, attrs map[string]string) {
	now := e.clock()
	m := eventMsg{Type: typ, Action: action, Actor: actorJSON{ID: id, Attributes: attrs}, Scope: "local", Time: now.Unix(), TimeNano: now.UnixNano()}
	switch typ {
	case "container":
		m.Status, m.ID, m.From = action, id, attrs["image"]
	case "image":
		m.Status, m.ID = action, id
	}
	e.log = append(e.log, m)
	if len(e.log) > 2*eventsLimit {
		e.log = append([]eventMsg(nil), e.log[len(e.log)-eventsLimit:]...)
	}
	if e.eventsOff {
		return
	}
	for sub := range e.subs {
		if sub.aborted || !sub.filter.match(&m) {
			continue
		}
		select {
		case sub.ch <- m:
		default:
			sub.kill() // a reader that does not keep up loses its stream
		}
	}
}

// handleEvents streams events as JSON lines until the client goes, until=
// passes, or a fault cuts it.
func (e *Engine) handleEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := parseFilters(q.Get("filters"))
	if err == nil {
		err = f.validate("config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope", "secret", "service", "type", "volume")
	}
	if err != nil {
		writeError(w, err)
		return
	}
	now := e.clock()
	var since, until time.Time
	if v := q.Get("since"); v != "" {
		if since, err = parseTimestamp(v, now); err != nil {
			writeError(w, err)
			return
		}
	}
	if v := q.Get("until"); v != "" {
		if until, err = parseTimestamp(v, now); err != nil {
			writeError(w, err)
			return
		}
	}
	if !since.IsZero() && !until.IsZero() && until.Before(since) {
		writeError(w, errInvalid("`since` time (%s) cannot be after `until` time (%s)", q.Get("since"), q.Get("until")))
		return
	}
	ef := eventFilter{f}
	sub := &subscriber{ch: make(chan eventMsg, 1024), abort: make(chan struct{}), filter: ef}
	e.mu.Lock()
	var backlog []eventMsg
	if !since.IsZero() {
		log := e.log
		if len(log) > eventsLimit {
			log = log[len(log)-eventsLimit:]
		}
		for i := range log {
			t := time.Unix(0, log[i].TimeNano)
			if !t.Before(since) && (until.IsZero() || !t.After(until)) && ef.match(&log[i]) {
				backlog = append(backlog, log[i])
			}
		}
	}
	live := until.IsZero() || until.After(now)
	if live {
		e.subs[sub] = struct{}{}
	}
	offline := e.offlineCh
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.subs, sub)
		e.mu.Unlock()
	}()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	flush()
	enc := json.NewEncoder(w)
	for i := range backlog {
		if enc.Encode(&backlog[i]) != nil {
			return
		}
	}
	flush()
	if !live {
		return
	}
	var untilC <-chan time.Time
	if !until.IsZero() {
		t := time.NewTimer(until.Sub(now))
		defer t.Stop()
		untilC = t.C
	}
	for {
		select {
		case m := <-sub.ch:
			if enc.Encode(&m) != nil {
				return
			}
			flush()
			e.mu.Lock()
			sub.sent++
			drop := e.dropAfter > 0 && sub.sent >= e.dropAfter
			e.mu.Unlock()
			if drop {
				panic(http.ErrAbortHandler) // the connection closes mid-stream
			}
		case <-sub.abort:
			panic(http.ErrAbortHandler)
		case <-offline:
			panic(http.ErrAbortHandler)
		case <-r.Context().Done():
			return
		case <-untilC:
			return
		}
	}
}

// Tick makes one change a live host would: a container someone ran by hand
// starts, or one started that way stops, or a running one reports its
// health. Served engines with WithLiveEvents tick on their own.
func (e *Engine) Tick() {
	e.mu.Lock()
	defer e.mu.Unlock()
	var startable, stoppable, running []*container
	for _, c := range e.s.sortedContainers() {
		switch {
		case e.liveStarted[c.id] && c.state == "running":
			stoppable = append(stoppable, c)
		case c.state == "exited" && c.labels["com.docker.compose.project"] == "" && !strings.HasPrefix(c.name, "ci-job-"):
			startable = append(startable, c)
		case c.state == "running":
			running = append(running, c)
		}
	}
	r := e.liveRNG.Float64()
	switch {
	case len(stoppable) > 0 && (len(stoppable) >= 3 || r < 0.4):
		c := stoppable[e.liveRNG.IntN(len(stoppable))]
		switch e.liveRNG.IntN(4) {
		case 0:
			e.stopContainer(c, 137, "9")
		case 1:
			e.stopContainer(c, 143, "15")
		default:
			e.stopContainer(c, 0, "")
		}
		delete(e.liveStarted, c.id)
	case len(startable) > 0 && r < 0.85:
		c := startable[e.liveRNG.IntN(len(startable))]
		e.startContainer(c)
		e.liveStarted[c.id] = true
	case len(running) > 0:
		c := running[e.liveRNG.IntN(len(running))]
		e.containerEvent(c, "health_status: healthy", nil)
	}
}
