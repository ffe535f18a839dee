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

func (a *App) listsCmd(seq int) tea.Cmd {
	eng := a.eng
	return func() tea.Msg {
		ctx, cancel := a.withTimeout(listTimeout)
		defer cancel()
		s, err := eng.Lists(ctx)
		return listsMsg{seq: seq, snap: s, err: err}
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
