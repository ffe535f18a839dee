package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// Time limits for engine calls: a hung engine must not leave a task
// spinning forever.
const (
	pingTimeout = 5 * time.Second
	listTimeout = 60 * time.Second
	dfTimeout   = 30 * time.Minute
)

func (a *App) withTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(a.ctx, d)
}

func (a *App) pingCmd() tea.Cmd {
	eng := a.eng
	return func() tea.Msg {
		ctx, cancel := a.withTimeout(pingTimeout)
		defer cancel()
		return pingMsg{err: eng.Ping(ctx)}
	}
}

// listsCmd fetches every cheap list. On the first load it delivers the
// images first (earlyImagesMsg), so that rows show while the slower
// container list is still on its way.
func (a *App) listsCmd(seq int, first bool) tea.Cmd {
	eng := a.eng
	if !first {
		return func() tea.Msg {
			ctx, cancel := a.withTimeout(listTimeout)
			defer cancel()
			s, err := eng.Lists(ctx, nil)
			return listsMsg{seq: seq, snap: s, err: err}
		}
	}
	return func() tea.Msg {
		ctx, cancel := a.withTimeout(listTimeout)
		early := make(chan []model.Image, 1)
		done := make(chan listsMsg, 1)
		go func() {
			defer cancel()
			s, err := eng.Lists(ctx, func(imgs []model.Image) { early <- imgs })
			done <- listsMsg{seq: seq, snap: s, err: err}
		}()
		select {
		case imgs := <-early:
			return earlyImagesMsg{seq: seq, images: imgs, rest: func() tea.Msg { return <-done }}
		case m := <-done:
			return m
		}
	}
}

func (a *App) kindCmd(k model.Kind, seq int) tea.Cmd {
	eng := a.eng
	return func() tea.Msg {
		ctx, cancel := a.withTimeout(listTimeout)
		defer cancel()
		var data any
		var err error
		switch k {
		case model.KindImage:
			data, err = eng.Images(ctx)
		case model.KindContainer:
			data, err = eng.Containers(ctx)
		case model.KindVolume:
			data, err = eng.Volumes(ctx)
		case model.KindNetwork:
			data, err = eng.Networks(ctx)
		}
		return kindMsg{kind: k, seq: seq, data: data, err: err}
	}
}

func (a *App) diskUsageCmd() tea.Cmd {
	eng := a.eng
	return func() tea.Msg {
		ctx, cancel := a.withTimeout(dfTimeout)
		defer cancel()
		du, err := eng.DiskUsage(ctx)
		return diskUsageMsg{du: du, err: err}
	}
}

// waitEvents blocks for the next event, then takes whatever else is already
// queued, so a burst of a thousand events is one message, not a thousand.
func waitEvents(gen int, evc <-chan model.Event, errc <-chan error) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-evc
		if !ok {
			return eventsEndMsg{gen: gen, err: <-errc}
		}
		batch := []model.Event{ev}
		for len(batch) < 4096 {
			select {
			case ev, ok := <-evc:
				if !ok {
					return eventsMsg{gen: gen, events: batch}
				}
				batch = append(batch, ev)
			default:
				return eventsMsg{gen: gen, events: batch}
			}
		}
		return eventsMsg{gen: gen, events: batch}
	}
}

func tickAfter(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}
