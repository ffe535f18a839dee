// Package uidriver runs a Bubble Tea model the way tea.Program does —
// commands in goroutines, their messages delivered to Update one at a
// time — but without a terminal, so tools and tests can press keys and
// read View() as a user would.
package uidriver

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Driver owns a model and its pending messages.
type Driver struct {
	Model tea.Model
	msgs  chan tea.Msg
}

// New starts driving m: it sends the window size and runs Init.
func New(m tea.Model, width, height int) *Driver {
	d := &Driver{Model: m, msgs: make(chan tea.Msg, 4096)}
	d.Send(tea.WindowSizeMsg{Width: width, Height: height})
	d.exec(m.Init())
	return d
}

func (d *Driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		if msg := cmd(); msg != nil {
			d.msgs <- msg
		}
	}()
}

// Send delivers one message to Update now.
func (d *Driver) Send(msg tea.Msg) {
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			d.exec(c)
		}
		return
	}
	var cmd tea.Cmd
	d.Model, cmd = d.Model.Update(msg)
	d.exec(cmd)
}

// Screen is the current View's content.
func (d *Driver) Screen() string { return d.Model.View().Content }

// Settle delivers messages until none arrive for quiet, or for ten times
// quiet at most (a spinner never goes quiet while work runs).
func (d *Driver) Settle(quiet time.Duration) {
	limit := time.After(10 * quiet)
	for {
		select {
		case msg := <-d.msgs:
			d.Send(msg)
		case <-time.After(quiet):
			return
		case <-limit:
			return
		}
	}
}

// Until delivers messages until the screen satisfies cond, or fails after
// timeout.
func (d *Driver) Until(what string, timeout time.Duration, cond func(screen string) bool) error {
	deadline := time.After(timeout)
	for !cond(d.Screen()) {
		select {
		case msg := <-d.msgs:
			d.Send(msg)
		case <-deadline:
			return fmt.Errorf("timed out after %s waiting for %s; the screen:\n%s", timeout, what, d.Screen())
		}
	}
	return nil
}

// Keys presses keys by name ("enter", "esc", "down", "up", "space",
// "tab", or a printable character), letting each settle briefly.
func (d *Driver) Keys(keys ...string) {
	for _, k := range keys {
		d.Send(KeyPress(k))
		d.Settle(100 * time.Millisecond)
	}
}

// Type types text, rune by rune.
func (d *Driver) Type(s string) {
	for _, r := range s {
		d.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	d.Settle(100 * time.Millisecond)
}

// KeyPress is the message a key produces.
func KeyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}
