package ui

import (
	"context"

	"bilge/model"
)

// Engine is what the UI needs from Docker. dockerapi.Engine satisfies it;
// tests drive the UI with a fake.
type Engine interface {
	// Ping checks the engine answers.
	Ping(ctx context.Context) error
	// Lists fetches every cheap list (no costly sizes) and the engine's
	// identity. early, when not nil, gets a copy of the images as soon as
	// their list is in, from another goroutine, and must not block.
	Lists(ctx context.Context, early func([]model.Image)) (*model.Snapshot, error)
	Images(ctx context.Context) ([]model.Image, error)
	Containers(ctx context.Context) ([]model.Container, error)
	Volumes(ctx context.Context) ([]model.Volume, error)
	Networks(ctx context.Context) ([]model.Network, error)
	// DiskUsage is the costly size report; the UI runs one at a time.
	DiskUsage(ctx context.Context) (*model.DiskUsage, error)
	// Events streams changes until ctx ends or the stream fails.
	Events(ctx context.Context) (<-chan model.Event, <-chan error)
	// Layers returns the layers of the given images (cached forever: image
	// IDs are content addresses). Images that vanished are left out.
	Layers(ctx context.Context, ids []string) (map[string]model.ImageLayers, error)
	// PolicyTimes reads the times a policy weighs (Policy.NeedsTimes) of
	// the given containers and images, each call with its deadline; every
	// ID asked for is in the result (zero times for one gone).
	PolicyTimes(ctx context.Context, containers, images []string) (model.PolicyTimes, error)
	// Delete runs a plan in the background: for each item a Started report
	// when its first call is sent, then one outcome; the channel closes
	// when all are done. Cancelling ctx skips what has not started; every
	// call has a deadline, so the channel always closes.
	Delete(ctx context.Context, plan model.Plan, parallel int) <-chan model.Outcome
}

// Recorder keeps the deletions log; ui.Options.Recorder is nil when there
// is none (the demo engine). Begin runs in Update when a clean-up is
// confirmed: it copies what it needs of the snapshot and index the plan was
// computed on and does no I/O.
type Recorder interface {
	Begin(plan model.Plan, snap *model.Snapshot, ix *model.ReclaimIndex) RecordedRun
}

// RecordedRun records one clean-up's deletions.
type RecordedRun interface {
	// Watch passes the worker's outcomes through, unchanged and in order,
	// recording each deletion (the file I/O happens on its own goroutine).
	Watch(ch <-chan model.Outcome) <-chan model.Outcome
	// Err is the first failure to record, or nil: a failure never holds
	// up a deletion, it is shown as a warning.
	Err() error
}
