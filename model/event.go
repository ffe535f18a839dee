package model

// Event is one change the engine reported: enough to know which kind to
// re-list. (Prune events carry no per-object detail, so the kind is all
// that matters.)
type Event struct {
	Kind   Kind
	Action string
	ID     string
}
