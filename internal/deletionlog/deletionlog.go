// Package deletionlog keeps the record of every object bilge deletes, from
// the UI or by policy, so a user can see later what went and re-pull what
// they miss: one JSON object a line in $XDG_STATE_HOME/bilge/deletions.jsonl.
//
// A log that cannot be written never stops or holds up a deletion: the
// failure is reported (once) for a warning line, and deleting goes on.
//
// Lines are appended with O_APPEND and one write each, so two bilge
// processes deleting at once (a cron prune and the UI) give whole lines.
//
// A deletion run is recorded by reading the worker's outcomes through a
// Run (main.go's recorder builds the Recorder for an engine; the UI gets it
// as ui.Options.Recorder). bilge prune passes each item's rule:
//
//	rec := recorder(e)                          // main.go
//	rec.Rules = map[deletionlog.Key]string{{Kind: model.KindImage, ID: id}: "dev-after-7d", …}
//	run := rec.Begin(plan, snap, ix)            // before deleting: what each item is and frees
//	for o := range run.Watch(e.Delete(ctx, plan, parallel)) { … }
//	if err := run.Err(); err != nil { /* one warning line; the exit code is the deletions' */ }
package deletionlog

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"bilge/model"
)

// Interactive is the rule of a deletion the user chose in the UI.
const Interactive = "interactive"

// Engine names the engine an object was deleted from: the engine's own
// identity (/info's ID and Name, when it gave them) and how bilge reached it.
type Engine struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Host    string `json:"host"`
	Context string `json:"context,omitempty"`
}

// Entry is one deletion: one line of the log. Text is the engine's exact
// bytes (hostile text included): show it through model.SafeText.
type Entry struct {
	Time   time.Time `json:"time"`
	Engine Engine    `json:"engine"`
	// Kind is image, container, volume, network or build-cache.
	Kind string `json:"kind"`
	// ID is the engine's ID (a volume's name).
	ID string `json:"id"`
	// Names are an image's tags, a container's or network's name, a
	// build-cache record's description.
	Names []string `json:"names,omitempty"`
	// RepoDigests (images) are what to pull to get the image back when its
	// tag has moved since.
	RepoDigests []string          `json:"repoDigests,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	// Size is the bytes the disk gained by this deletion as exact reclaim
	// predicts it, given what went before it in the same run (so the sizes
	// of a run add up to what it freed); null when not known.
	Size *int64 `json:"size"`
	// Rule is the policy rule that selected the object, or "interactive".
	Rule string `json:"rule"`
}

// KindName is the log's word for a kind.
func KindName(k model.Kind) string {
	switch k {
	case model.KindImage:
		return "image"
	case model.KindContainer:
		return "container"
	case model.KindVolume:
		return "volume"
	case model.KindNetwork:
		return "network"
	case model.KindBuildCache:
		return "build-cache"
	}
	return "?"
}

// DefaultPath is $XDG_STATE_HOME/bilge/deletions.jsonl when XDG_STATE_HOME
// is set (and absolute), else ~/.local/state/bilge/deletions.jsonl.
func DefaultPath() (string, error) {
	if x := os.Getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "bilge", "deletions.jsonl"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("deletions log: no home directory and no XDG_STATE_HOME: %w", err)
	}
	return filepath.Join(home, ".local", "state", "bilge", "deletions.jsonl"), nil
}

// Log is the deletions log at one path. It is safe for concurrent use.
type Log struct {
	path string
}

// Open names the log at path. Nothing is created until the first entry.
func Open(path string) *Log { return &Log{path: path} }

// appendMu serialises Append within the process.
var appendMu sync.Mutex

// Path is where the log is.
func (l *Log) Path() string { return l.path }

// Append adds entries to the log, one line each, creating its directory
// (0700: the log names what a user deleted) and the file (0600) if needed.
// Each line is one write on a file opened with O_APPEND, so lines from
// several processes never interleave.
func (l *Log) Append(entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	// Writers in this process take turns (prune --fleet logs several
	// engines at once): the torn-line check below reads the file's last
	// byte, which another writer's half-done write could make look torn
	// and so cost a blank line.
	appendMu.Lock()
	defer appendMu.Unlock()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return fmt.Errorf("deletions log: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("deletions log: %w", err)
	}
	// A last line torn by a crash would swallow the next one: start on a
	// line of its own (a blank line, should another writer get there
	// first, is skipped when read).
	var lead []byte
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, fi.Size()-1); err == nil && last[0] != '\n' {
			lead = []byte{'\n'}
		}
	}
	var werr error
	for _, e := range entries {
		b, err := json.Marshal(e)
		if err != nil {
			werr = fmt.Errorf("deletions log: %w", err)
			break
		}
		line := append(append(lead, b...), '\n')
		lead = nil
		if _, err := f.Write(line); err != nil {
			werr = fmt.Errorf("deletions log: %w", err)
			break
		}
	}
	if err := f.Close(); err != nil && werr == nil {
		werr = fmt.Errorf("deletions log: %w", err)
	}
	return werr
}

// Read returns every entry of the log in file order; a log that does not
// exist yet has none. Lines that are not entries (a torn last line after a
// crash, or text from something else) are skipped and counted in bad.
func Read(path string) (entries []Entry, bad int, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("deletions log: %w", err)
	}
	defer f.Close()
	return parse(f)
}

func parse(r io.Reader) (entries []Entry, bad int, err error) {
	br := bufio.NewReader(r)
	for {
		line, rerr := br.ReadBytes('\n')
		if s := strings.TrimSpace(string(line)); s != "" {
			var e Entry
			if json.Unmarshal([]byte(s), &e) == nil && e.Kind != "" && e.ID != "" {
				entries = append(entries, e)
			} else {
				bad++
			}
		}
		if rerr == io.EOF {
			return entries, bad, nil
		}
		if rerr != nil {
			return entries, bad, fmt.Errorf("deletions log: %w", rerr)
		}
	}
}

// exact calls f with each object of xs as the snapshot shows it and as
// the engine gave it (orig: its Orig, when sanitising changed its text).
func exact[T any](xs []T, orig func(*T) *T, f func(shown, raw *T)) {
	for i := range xs {
		raw := &xs[i]
		if o := orig(raw); o != nil {
			raw = o
		}
		f(&xs[i], raw)
	}
}

// Key names one object (as a policy plan names each item's rule).
type Key = model.PlanKey

// Recorder records the deletions of runs on one engine in a log.
type Recorder struct {
	Log    *Log
	Engine Engine
	// Identify, when set, is asked once, at the first deletion recorded,
	// for the engine's own ID and Name (an engine call, left out of the
	// way until something is deleted); an error leaves them out.
	Identify func() (id, name string, err error)
	// Rules names the rule that selected each object; objects not in it
	// (and every object when it is nil) are logged as "interactive".
	Rules map[Key]string
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	identify sync.Once
	mu       sync.Mutex // guards Engine once Identify may run
}

// engine is the engine's identity, asking Identify the first time.
func (r *Recorder) engine() Engine {
	r.identify.Do(func() {
		if r.Identify == nil {
			return
		}
		id, name, err := r.Identify()
		if err != nil {
			return
		}
		r.mu.Lock()
		r.Engine.ID, r.Engine.Name = id, name
		r.mu.Unlock()
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Engine
}

// Run is one deletion run being recorded.
type Run struct {
	rec     *Recorder
	entries map[Key]Entry
	tally   *model.Tally

	mu  sync.Mutex
	err error
}

// Begin takes, from the snapshot and reclaim index the plan was computed
// on, what the log will say of each item of the plan. It only reads them,
// keeps nothing of them but the index, and does no I/O, so the UI can call
// it in Update; the snapshot may change once it returns.
func (r *Recorder) Begin(plan model.Plan, snap *model.Snapshot, ix *model.ReclaimIndex) *Run {
	run := &Run{rec: r, entries: make(map[Key]Entry, plan.Len())}
	if ix != nil {
		run.tally = ix.Tally()
	}
	want := make(map[Key]bool, plan.Len())
	for _, it := range plan.Items {
		k := Key{Kind: it.Kind, ID: it.ID}
		want[k] = true
		rule := r.Rules[k]
		if rule == "" {
			rule = Interactive
		}
		// An object the snapshot no longer has is logged by what the
		// plan says of it.
		run.entries[k] = Entry{Kind: KindName(it.Kind), ID: it.ID, Names: nonEmpty(it.Name), Rule: rule}
	}
	describe := func(k Key, fill func(e *Entry)) {
		if !want[k] {
			return
		}
		e := run.entries[k]
		fill(&e)
		run.entries[k] = e
	}
	if snap == nil {
		return run
	}
	// The engine's exact text is in Orig when SafeText changed any of it.
	exact(snap.Images, func(x *model.Image) *model.Image { return x.Orig }, func(img, raw *model.Image) {
		describe(Key{Kind: model.KindImage, ID: img.ID}, func(e *Entry) {
			e.ID, e.Names, e.RepoDigests, e.Labels = raw.ID, clone(raw.Tags), clone(raw.Digests), cloneMap(raw.Labels)
		})
	})
	exact(snap.Containers, func(x *model.Container) *model.Container { return x.Orig }, func(c, raw *model.Container) {
		describe(Key{Kind: model.KindContainer, ID: c.ID}, func(e *Entry) {
			e.ID, e.Names, e.Labels = raw.ID, nonEmpty(raw.Name), cloneMap(raw.Labels)
		})
	})
	exact(snap.Volumes, func(x *model.Volume) *model.Volume { return x.Orig }, func(v, raw *model.Volume) {
		describe(Key{Kind: model.KindVolume, ID: v.Name}, func(e *Entry) {
			e.ID, e.Names, e.Labels = raw.Name, nil, cloneMap(raw.Labels)
		})
	})
	exact(snap.Networks, func(x *model.Network) *model.Network { return x.Orig }, func(n, raw *model.Network) {
		describe(Key{Kind: model.KindNetwork, ID: n.ID}, func(e *Entry) {
			e.ID, e.Names, e.Labels = raw.ID, nonEmpty(raw.Name), cloneMap(raw.Labels)
		})
	})
	exact(snap.BuildCache, func(x *model.BuildRecord) *model.BuildRecord { return x.Orig }, func(b, raw *model.BuildRecord) {
		describe(Key{Kind: model.KindBuildCache, ID: b.ID}, func(e *Entry) {
			e.ID, e.Names = raw.ID, nonEmpty(raw.Description)
		})
	})
	return run
}

// Watch passes the worker's outcomes through, unchanged and in order,
// appending a line to the log for each deletion before passing its
// outcome on; the returned channel closes when ch does. A line that cannot
// be written is not retried and holds nothing up: Err reports it.
func (run *Run) Watch(ch <-chan model.Outcome) <-chan model.Outcome {
	out := make(chan model.Outcome)
	go func() {
		defer close(out)
		for o := range ch {
			if o.Status == model.Deleted {
				_ = run.Record(o.Item) // kept for Err
			}
			out <- o
		}
	}()
	return out
}

// Record appends the entry of one deleted plan item: Watch calls it for
// each deletion; callers that read the outcomes themselves call it
// instead. A failure is kept for Err and returned.
func (run *Run) Record(it model.PlanItem) error {
	run.mu.Lock()
	defer run.mu.Unlock()
	k := Key{Kind: it.Kind, ID: it.ID}
	e, ok := run.entries[k]
	if !ok {
		e = Entry{Kind: KindName(it.Kind), ID: it.ID, Names: nonEmpty(it.Name), Rule: Interactive}
	}
	now := time.Now
	if run.rec.Now != nil {
		now = run.rec.Now
	}
	e.Time = now().UTC()
	e.Engine = run.rec.engine()
	e.Size = run.freed(it)
	err := run.rec.Log.Append(e)
	if err != nil && run.err == nil {
		run.err = err
	}
	return err
}

// freed is what deleting the item adds to what the run has freed so far,
// on the exact-reclaim index the plan was computed on; nil when that is
// not known exactly. Called with mu held.
func (run *Run) freed(it model.PlanItem) *int64 {
	var zero int64
	if it.Kind == model.KindNetwork {
		return &zero // networks hold no disk space
	}
	if run.tally == nil {
		return nil
	}
	before := run.tally.Result().Total
	run.tally.Set(it.Kind, it.ID, true)
	after := run.tally.Result()
	if after.PendingKinds.Has(it.Kind) || !run.tally.Marked(it.Kind, it.ID) {
		return nil
	}
	n := after.Total - before
	return &n
}

// Err is the first failure to write the log in this run, or nil.
func (run *Run) Err() error {
	run.mu.Lock()
	defer run.mu.Unlock()
	return run.err
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func clone(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return append([]string(nil), ss...)
}

func cloneMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
