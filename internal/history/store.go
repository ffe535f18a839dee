// Package history is bilge's record of an engine's disk use over time
// (issue 14): samples of the df table and of every image repository, and
// the clean-ups between them, in an SQLite database at
// $XDG_STATE_HOME/bilge/history.db.
//
// The driver is modernc.org/sqlite: SQLite translated to pure Go, so bilge
// keeps building without cgo (static binaries, cross-compiles from one
// machine). github.com/ncruces/go-sqlite3 is pure Go too, but it runs
// SQLite as WebAssembly through wazero, which compiles the module at the
// start of every process — a cost a cron job's `bilge record` pays each
// time.
package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"bilge/model"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

var errTODO = errors.New("history: not implemented yet")

// DefaultPath is $XDG_STATE_HOME/bilge/history.db when XDG_STATE_HOME is
// set (and absolute), else ~/.local/state/bilge/history.db.
func DefaultPath(getenv func(string) string) (string, error) {
	if x := getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "bilge", "history.db"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("history: no home directory and no XDG_STATE_HOME: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "bilge", "history.db"), nil
}

// Store is one history database. It is safe for concurrent use, and
// several processes may use one database at once.
type Store struct {
	path string
}

// Open opens or creates the database at path (creating its directory
// 0700). A file that is corrupt, truncated, garbage or not a bilge
// history is never fatal: it is renamed aside to
// "<path>.corrupt-<UTC time>", a fresh database is started and warn gets
// one line saying so. A database from a newer bilge is left alone and
// Open returns an error. Open errs only when no database can be used.
func Open(path string, warn func(string)) (*Store, error) {
	return nil, errTODO
}

// Close closes the database.
func (s *Store) Close() error { return nil }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// AddSample stores one sample and then applies the stored retention to
// that engine.
func (s *Store) AddSample(ctx context.Context, smp model.Sample) error {
	return errTODO
}

// AddSampleIfDue stores smp only when the engine's newest sample is at
// least every older than smp (atomically: two processes racing add one).
// added reports whether it did.
func (s *Store) AddSampleIfDue(ctx context.Context, smp model.Sample, every time.Duration) (added bool, err error) {
	return false, errTODO
}

// AddCleanup stores one clean-up.
func (s *Store) AddCleanup(ctx context.Context, c model.Cleanup) error {
	return errTODO
}

// Samples are the engine's samples with Time >= since, oldest first;
// their repositories only when withRepos.
func (s *Store) Samples(ctx context.Context, engineID string, since time.Time, withRepos bool) ([]model.Sample, error) {
	return nil, errTODO
}

// Cleanups are the engine's clean-ups with Time >= since, oldest first.
func (s *Store) Cleanups(ctx context.Context, engineID string, since time.Time) ([]model.Cleanup, error) {
	return nil, errTODO
}

// EngineInfo is one engine the history knows.
type EngineInfo struct {
	model.EngineRef
	Samples     int
	First, Last time.Time
}

// Engines are the engines with samples, newest Last first.
func (s *Store) Engines(ctx context.Context) ([]EngineInfo, error) {
	return nil, errTODO
}

// Retention is the retention stored in the database (so every process
// applies the same), model.DefaultRetention unless set.
func (s *Store) Retention(ctx context.Context) (model.Retention, error) {
	return model.DefaultRetention, errTODO
}

// SetRetention stores r (an error when it is not Valid) and applies it to
// every engine now.
func (s *Store) SetRetention(ctx context.Context, r model.Retention) error {
	return errTODO
}
