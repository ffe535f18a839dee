package demo

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Faults for deletion runs: calls that never answer (a daemon frozen with
// SIGSTOP), and objects that appear behind the client's back.

type hangRule struct{ method, prefix string }

// Hang makes every later request with that method ("" for any) whose path
// (without the /vX.Y prefix) starts with prefix wait without an answer
// until the client gives up or Unhang is called, as a frozen daemon does.
func (e *Engine) Hang(method, prefix string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.unhang == nil {
		e.unhang = make(chan struct{})
	}
	e.hangs = append(e.hangs, hangRule{strings.ToUpper(method), prefix})
}

// Unhang answers the requests held by Hang and stops holding new ones.
func (e *Engine) Unhang() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hangs = nil
	if e.unhang != nil {
		close(e.unhang)
		e.unhang = nil
	}
}

// Hanging counts the requests held by Hang now.
func (e *Engine) Hanging() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hanging
}

// hold keeps a request matching a Hang rule until Unhang (true: answer it)
// or until the client goes (false).
func (e *Engine) hold(r *http.Request, p string) bool {
	e.mu.Lock()
	var release chan struct{}
	for _, h := range e.hangs {
		if (h.method == "" || h.method == r.Method) && strings.HasPrefix(p, h.prefix) {
			release = e.unhang
			break
		}
	}
	if release == nil {
		e.mu.Unlock()
		return true
	}
	e.hanging++
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.hanging--
		e.mu.Unlock()
	}()
	select {
	case <-release:
		return true
	case <-r.Context().Done():
		return false
	}
}

// ParseFaults reads faults from a spec, for driving a served engine from
// outside (bilge --demo reads BILGE_DEMO_FAULTS): semicolon-separated
// "hang=METHOD /prefix" entries, e.g. "hang=DELETE /containers/".
func ParseFaults(spec string) (Option, error) {
	var hangs []hangRule
	for _, f := range strings.Split(spec, ";") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		kind, arg, _ := strings.Cut(f, "=")
		switch kind {
		case "hang":
			method, prefix, ok := strings.Cut(strings.TrimSpace(arg), " ")
			if !ok || !strings.HasPrefix(prefix, "/") {
				return nil, fmt.Errorf("demo fault %q: want hang=METHOD /prefix", f)
			}
			hangs = append(hangs, hangRule{strings.ToUpper(method), prefix})
		default:
			return nil, fmt.Errorf("demo fault %q: unknown (known: hang)", f)
		}
	}
	return func(c *config) { c.hangs = append(c.hangs, hangs...) }, nil
}

// CreateContainer creates a container (state "created", as
// POST /containers/create leaves it) from an image, as someone else on the
// host would, with its event. It returns the new container's ID.
func (e *Engine) CreateContainer(imageRef, name string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	img, err := e.s.getImage(imageRef)
	if err != nil {
		return "", err
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	c := &container{
		id:       hex.EncodeToString(b[:]),
		name:     name,
		imageRef: imageRef,
		imageID:  img.id,
		layers:   img.layers,
		created:  e.clock().UTC().Truncate(time.Second),
		state:    "created",
		labels:   map[string]string{},
		path:     "sh",
	}
	e.s.addContainer(c)
	e.containerEvent(c, "create", nil)
	return c.id, nil
}
