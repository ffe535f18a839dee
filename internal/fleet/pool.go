package fleet

import (
	"errors"
	"sync"

	"bilge/dockerapi"
)

// Pool keeps one open client per engine of a fleet across measures, for
// the fleet view, which measures every engine again every 30 s and opens
// an engine's tabs on the same client: an ssh engine keeps its one ssh
// master (one login) and a TLS engine its connections, instead of new
// ones each time. A client whose measure failed is closed and dropped,
// so the next measure starts afresh. Close closes every client.
type Pool struct {
	// Open builds an engine's client (nil: dockerapi.New).
	Open func(dockerapi.Endpoint) (*dockerapi.Engine, error)

	mu      sync.Mutex
	engines map[string]*dockerapi.Engine
	closed  bool
}

// errPoolClosed is Get's error once the pool is closed.
var errPoolClosed = errors.New("bilge is closing its connections")

// Get is member m's client, opened on first use (keyed by the member's
// name, which is unique in a fleet).
func (p *Pool) Get(m Member) (*dockerapi.Engine, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errPoolClosed
	}
	if e := p.engines[m.Name]; e != nil {
		return e, nil
	}
	open := p.Open
	if open == nil {
		open = dockerapi.New
	}
	e, err := open(m.Endpoint)
	if err != nil {
		return nil, err
	}
	if m.Demo {
		e.UseLayerCache(dockerapi.MemoryLayerCache())
	}
	if p.engines == nil {
		p.engines = map[string]*dockerapi.Engine{}
	}
	p.engines[m.Name] = e
	return e, nil
}

// Drop closes member m's client if it is still e (a measure on it failed:
// the next one opens a new client).
func (p *Pool) Drop(m Member, e *dockerapi.Engine) {
	p.mu.Lock()
	cur := p.engines[m.Name]
	if cur == e {
		delete(p.engines, m.Name)
	}
	p.mu.Unlock()
	if cur == e && e != nil {
		e.Close()
	}
}

// Close closes every client (an ssh engine's master ends with it); Get
// fails from then on.
func (p *Pool) Close() {
	p.mu.Lock()
	engines := p.engines
	p.engines, p.closed = nil, true
	p.mu.Unlock()
	for _, e := range engines {
		e.Close()
	}
}
