package ui

import (
	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// listsMsg carries a full resync of the cheap lists.
type listsMsg struct {
	seq  int
	snap *model.Snapshot
	err  error
}

// earlyImagesMsg carries the image list of the first load, ahead of the
// other lists; rest delivers the listsMsg.
type earlyImagesMsg struct {
	seq    int
	images []model.Image
	rest   tea.Cmd
}

// kindMsg carries a re-list of one kind after events touched it.
type kindMsg struct {
	kind model.Kind
	seq  int
	data any // []model.Image, []model.Container, …
	err  error
}

// diskUsageMsg carries a finished system df.
type diskUsageMsg struct {
	du  *model.DiskUsage
	err error
}

// pingMsg is the answer to the periodic ping.
type pingMsg struct{ err error }

// pingTickMsg asks for the next ping.
type pingTickMsg struct{}

// eventsMsg carries one or more engine events read in one go.
type eventsMsg struct {
	gen    int
	events []model.Event
}

// eventsEndMsg says the event stream ended.
type eventsEndMsg struct {
	gen int
	err error
}

// debounceMsg ends an event burst: re-list what it touched.
type debounceMsg struct{}

// diskUsageRetryMsg runs a df that was held back by the rate limit.
type diskUsageRetryMsg struct{}
