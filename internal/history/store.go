// Package history is bilge's record of an engine's disk use over time
// (issue 14): samples of the df table and of every image repository, and
// the clean-ups between them, in an SQLite database at
// $XDG_STATE_HOME/bilge/history.db.
//
// Reading a long window: Samples(…, false) for the trend (kinds only),
// then Repos for the two samples model.Growth compares — a year of hourly
// samples loads in about half the time it takes with every sample's
// repositories.
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
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"bilge/model"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

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
// several processes may use one database at once. Text read back (names,
// repositories, who cleaned up) goes through model.SafeText: what bilge
// wrote is already safe, a hand-edited file reaches no terminal.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time // the clock retention measures ages by

	mu    sync.Mutex
	names map[int64]string // repo_names, which only ever grows
}

// Open opens or creates the database at path (creating its directory
// 0700). A file that is corrupt, truncated, garbage or not a bilge
// history is never fatal: it is renamed aside to
// "<path>.corrupt-<UTC time 20060102T150405Z>" (with its -wal), a fresh
// database is started and warn gets one line saying so. A database from a
// newer bilge is left alone and Open returns an error. Open errs only when
// no database can be used; callers then warn once and go on without
// history.
func Open(path string, warn func(string)) (*Store, error) {
	if warn == nil {
		warn = func(string) {}
	}
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	// Without the lock (a read-only directory, say) Open still works;
	// SQLite's own locking keeps the data safe.
	if unlock, err := lockFile(path + ".lock"); err == nil {
		defer unlock()
	}
	movedAside := false
	moveAway := func(bad *badError) error {
		aside, err := moveAside(path, time.Now().UTC().Format("20060102T150405Z"))
		if err != nil {
			return fmt.Errorf("history: %s is not a usable bilge history (%s) and could not be moved aside: %w", path, bad.why, err)
		}
		movedAside = true
		warn(fmt.Sprintf("history: %s was not a usable bilge history (%s); moved it to %s and started a new one", path, bad.why, aside))
		return nil
	}
	for {
		var bad *badError
		schema, err := probe(ctx, path)
		if errors.As(err, &bad) && !movedAside {
			if err := moveAway(bad); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, openError(path, err)
		}
		s, err := open(ctx, path, schema, warn)
		if errors.As(err, &bad) && !movedAside {
			if err := moveAway(bad); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, openError(path, err)
		}
		return s, nil
	}
}

func openError(path string, err error) error {
	var newer *newerError
	if errors.As(err, &newer) {
		return fmt.Errorf("history: %s: %w", path, err)
	}
	return fmt.Errorf("history: open %s: %w", path, err)
}

// open opens the pool on a probed file and makes its schema current
// (unless the probe found it current: then Open takes no write lock).
func open(ctx context.Context, path string, schema int, warn func(string)) (*Store, error) {
	db, err := sql.Open("sqlite", dsn(path, storeParams...))
	if err != nil {
		return nil, err
	}
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		_ = db.Close()
		return nil, asBad(err)
	}
	if !strings.EqualFold(mode, "wal") {
		// Some file systems (network ones) cannot share WAL's index. The
		// rollback journal and the busy timeout still keep writers apart;
		// they only wait for each other longer.
		warn(fmt.Sprintf("history: %s is in journal mode %q, not WAL: bilge processes writing at once wait for each other", path, mode))
	}
	if schema < len(migrations) {
		if err := setup(ctx, db, migrations); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return &Store{db: db, path: path, now: time.Now}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// AddSample stores one sample (its kinds and repositories in one
// transaction) and then applies the stored retention to that engine.
func (s *Store) AddSample(ctx context.Context, smp model.Sample) error {
	_, err := s.add(ctx, smp, 0, false)
	return err
}

// AddSampleIfDue stores smp (as AddSample) only when the engine has no
// sample yet or its newest is at least every older than smp. The check and
// the write are one transaction, so two processes racing add one sample.
// added reports whether it did.
func (s *Store) AddSampleIfDue(ctx context.Context, smp model.Sample, every time.Duration) (added bool, err error) {
	return s.add(ctx, smp, every, true)
}

func checkEngine(e model.EngineRef) error {
	if e.ID == "" {
		return errors.New("history: no engine ID")
	}
	return nil
}

func (s *Store) add(ctx context.Context, smp model.Sample, every time.Duration, ifDue bool) (bool, error) {
	if err := checkEngine(smp.Engine); err != nil {
		return false, err
	}
	if !storable(smp.Time) {
		return false, fmt.Errorf("history: sample time %v out of range", smp.Time)
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock now
	if err != nil {
		return false, fmt.Errorf("history: add sample: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if ifDue {
		var last sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT max(s.time) FROM samples s JOIN engines e ON e.id = s.engine WHERE e.engine_id = ?`, smp.Engine.ID).Scan(&last)
		if err != nil {
			return false, fmt.Errorf("history: add sample: %w", err)
		}
		if last.Valid && smp.Time.Sub(fromNanos(last.Int64)) < every {
			return false, nil
		}
	}
	eng, err := insertSample(ctx, tx, smp)
	if err != nil {
		return false, fmt.Errorf("history: add sample: %w", err)
	}
	r, err := retention(ctx, tx)
	if err != nil || r.Valid() != "" {
		r = model.DefaultRetention // a hand-edited setting does not stop recording
	}
	if err := prune(ctx, tx, eng, r, s.now()); err != nil {
		return false, fmt.Errorf("history: retention: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("history: add sample: %w", err)
	}
	return true, nil
}

// insertSample writes smp (its engine row too) and returns the engine's
// row id.
func insertSample(ctx context.Context, tx *sql.Tx, smp model.Sample) (int64, error) {
	eng, err := upsertEngine(ctx, tx, smp.Engine)
	if err != nil {
		return 0, err
	}
	ids, err := repoIDs(ctx, tx, smp.Repos)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO samples(engine, time, kinds, repos) VALUES (?, ?, ?, ?)`,
		eng, smp.Time.UnixNano(), encodeKinds(smp.Kinds), encodeRepos(ids, smp.Repos))
	return eng, err
}

// addSamples stores many samples in one transaction without retention
// (tests and benchmarks build histories with it).
func (s *Store) addSamples(ctx context.Context, smps []model.Sample) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, smp := range smps {
		if _, err := insertSample(ctx, tx, smp); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// upsertEngine is the engine's row id, its name updated to e's.
func upsertEngine(ctx context.Context, tx *sql.Tx, e model.EngineRef) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO engines(engine_id, name) VALUES (?, ?)
		ON CONFLICT(engine_id) DO UPDATE SET name = excluded.name RETURNING id`, e.ID, e.Name).Scan(&id)
	return id, err
}

// repoIDs are the repo_names ids of repos' names, added where missing.
func repoIDs(ctx context.Context, tx *sql.Tx, repos []model.RepoSample) ([]int64, error) {
	if len(repos) == 0 {
		return nil, nil
	}
	sel, err := tx.PrepareContext(ctx, `SELECT id FROM repo_names WHERE name = ?`)
	if err != nil {
		return nil, err
	}
	defer sel.Close()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO repo_names(name) VALUES (?) RETURNING id`)
	if err != nil {
		return nil, err
	}
	defer ins.Close()
	ids := make([]int64, len(repos))
	for i, r := range repos {
		err := sel.QueryRowContext(ctx, r.Repo).Scan(&ids[i])
		if errors.Is(err, sql.ErrNoRows) {
			err = ins.QueryRowContext(ctx, r.Repo).Scan(&ids[i])
		}
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// prune applies r to one engine at now: drops the samples Keep drops
// (only those older than r.All are looked at: Keep keeps every younger
// one and they do not change its buckets) and the clean-ups older than
// r.Daily. The (engine, time) indexes make both range scans.
func prune(ctx context.Context, tx *sql.Tx, engine int64, r model.Retention, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, time FROM samples WHERE engine = ? AND time < ? ORDER BY time, id`,
		engine, nanos(now.Add(-r.All)))
	if err != nil {
		return err
	}
	var ids []int64
	var times []time.Time
	for rows.Next() {
		var id, t int64
		if err := rows.Scan(&id, &t); err != nil {
			_ = rows.Close()
			return err
		}
		ids = append(ids, id)
		times = append(times, fromNanos(t))
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	keep := r.Keep(times, now)
	var del *sql.Stmt
	for i, k := range keep {
		if k {
			continue
		}
		if del == nil {
			if del, err = tx.PrepareContext(ctx, `DELETE FROM samples WHERE id = ?`); err != nil {
				return err
			}
			defer del.Close()
		}
		if _, err := del.ExecContext(ctx, ids[i]); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM cleanups WHERE engine = ? AND time < ?`, engine, nanos(now.Add(-r.Daily)))
	return err
}

// AddCleanup stores one clean-up.
func (s *Store) AddCleanup(ctx context.Context, c model.Cleanup) error {
	if err := checkEngine(c.Engine); err != nil {
		return err
	}
	if !storable(c.Time) {
		return fmt.Errorf("history: clean-up time %v out of range", c.Time)
	}
	perKind, err := json.Marshal(c.PerKind)
	if err != nil {
		return fmt.Errorf("history: add clean-up: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: add clean-up: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	eng, err := upsertEngine(ctx, tx, c.Engine)
	if err != nil {
		return fmt.Errorf("history: add clean-up: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cleanups(engine, time, by, objects, freed, per_kind) VALUES (?, ?, ?, ?, ?, ?)`,
		eng, c.Time.UnixNano(), c.By, c.Objects, c.Freed, string(perKind)); err != nil {
		return fmt.Errorf("history: add clean-up: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: add clean-up: %w", err)
	}
	return nil
}

// Samples are the engine's samples with Time >= since, oldest first (UTC
// times). Their repositories only when withRepos (the UI's sparklines do
// not need them): then Repos is never nil; otherwise it is nil. A sample
// with no kinds has nil Kinds.
func (s *Store) Samples(ctx context.Context, engineID string, since time.Time, withRepos bool) ([]model.Sample, error) {
	var eng int64
	var name string
	err := s.db.QueryRowContext(ctx, `SELECT id, name FROM engines WHERE engine_id = ?`, engineID).Scan(&eng, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history: samples: %w", err)
	}
	var repoName func(int64) (string, error)
	if withRepos {
		if repoName, err = s.namer(ctx); err != nil {
			return nil, err
		}
	}
	query := `SELECT time, kinds FROM samples WHERE engine = ? AND time >= ? ORDER BY time, id`
	if withRepos {
		query = `SELECT time, kinds, repos FROM samples WHERE engine = ? AND time >= ? ORDER BY time, id`
	}
	rows, err := s.db.QueryContext(ctx, query, eng, nanos(since))
	if err != nil {
		return nil, fmt.Errorf("history: samples: %w", err)
	}
	defer rows.Close()
	var out []model.Sample
	ref := model.EngineRef{ID: engineID, Name: model.SafeText(name)}
	var kinds, repos sql.RawBytes
	dest := []any{new(int64), &kinds}
	if withRepos {
		dest = append(dest, &repos)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("history: samples: %w", err)
		}
		smp := model.Sample{Time: fromNanos(*dest[0].(*int64)), Engine: ref}
		if smp.Kinds, err = decodeKinds(kinds); err != nil {
			return nil, fmt.Errorf("history: sample at %v: kinds: %w", smp.Time, err)
		}
		if withRepos {
			if smp.Repos, err = decodeReposNamed(repos, repoName); err != nil {
				return nil, fmt.Errorf("history: sample at %v: repositories: %w", smp.Time, err)
			}
		}
		out = append(out, smp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: samples: %w", err)
	}
	return out, nil
}

// Repos are the repositories of the engine's sample at exactly at (nil
// when there is none). A long window's trend needs only the samples'
// kinds; model.Growth then needs the repositories of its two ends only:
// load the window with Samples(…, false) and these two with Repos.
func (s *Store) Repos(ctx context.Context, engineID string, at time.Time) ([]model.RepoSample, error) {
	var blob []byte
	err := s.db.QueryRowContext(ctx, `SELECT s.repos FROM samples s JOIN engines e ON e.id = s.engine
		WHERE e.engine_id = ? AND s.time = ? ORDER BY s.id DESC LIMIT 1`, engineID, nanos(at)).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history: repositories: %w", err)
	}
	name, err := s.namer(ctx)
	if err != nil {
		return nil, err
	}
	out, err := decodeReposNamed(blob, name)
	if err != nil {
		return nil, fmt.Errorf("history: sample at %v: repositories: %w", at, err)
	}
	return out, nil
}

// namer names repository ids from the cached names, reloading them for an
// id added by another process since they were read.
func (s *Store) namer(ctx context.Context) (func(int64) (string, error), error) {
	names, err := s.repoNames(ctx, 0)
	if err != nil {
		return nil, err
	}
	return func(id int64) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		if names, err = s.repoNames(ctx, id); err != nil {
			return "", err
		}
		return names[id], nil
	}, nil
}

// repoNames is the cache of repository names, (re)loaded when it is empty
// or lacks need (names are only ever added; an id never changes its name).
func (s *Store) repoNames(ctx context.Context, need int64) (map[int64]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.names[need]; s.names != nil && (need == 0 || ok) {
		return s.names, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM repo_names`)
	if err != nil {
		return nil, fmt.Errorf("history: repository names: %w", err)
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("history: repository names: %w", err)
		}
		names[id] = model.SafeText(name) // a hand-edited file reaches no terminal
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: repository names: %w", err)
	}
	if _, ok := names[need]; need != 0 && !ok {
		return nil, fmt.Errorf("history: repository name %d missing", need)
	}
	s.names = names // a new map: callers may hold the old one
	return names, nil
}

// Cleanups are the engine's clean-ups with Time >= since, oldest first
// (UTC times). An empty PerKind comes back nil.
func (s *Store) Cleanups(ctx context.Context, engineID string, since time.Time) ([]model.Cleanup, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.time, e.name, c.by, c.objects, c.freed, c.per_kind
		FROM cleanups c JOIN engines e ON e.id = c.engine
		WHERE e.engine_id = ? AND c.time >= ? ORDER BY c.time, c.id`, engineID, nanos(since))
	if err != nil {
		return nil, fmt.Errorf("history: clean-ups: %w", err)
	}
	defer rows.Close()
	var out []model.Cleanup
	for rows.Next() {
		var t int64
		var perKind string
		c := model.Cleanup{Engine: model.EngineRef{ID: engineID}}
		if err := rows.Scan(&t, &c.Engine.Name, &c.By, &c.Objects, &c.Freed, &perKind); err != nil {
			return nil, fmt.Errorf("history: clean-ups: %w", err)
		}
		c.Time = fromNanos(t)
		c.Engine.Name, c.By = model.SafeText(c.Engine.Name), model.SafeText(c.By)
		if err := json.Unmarshal([]byte(perKind), &c.PerKind); err != nil {
			return nil, fmt.Errorf("history: clean-up at %v: %w", c.Time, err)
		}
		if len(c.PerKind) == 0 {
			c.PerKind = nil
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: clean-ups: %w", err)
	}
	return out, nil
}

// EngineInfo is one engine the history knows.
type EngineInfo struct {
	model.EngineRef
	Samples     int
	First, Last time.Time
}

// Engines are the engines with at least one sample, newest Last first.
func (s *Store) Engines(ctx context.Context) ([]EngineInfo, error) {
	// Grouped on the (engine, time) index alone, then joined: a join per
	// sample would cost more than the count.
	rows, err := s.db.QueryContext(ctx, `SELECT e.engine_id, e.name, c.n, c.first, c.last
		FROM (SELECT engine, count(*) AS n, min(time) AS first, max(time) AS last FROM samples GROUP BY engine) c
		JOIN engines e ON e.id = c.engine
		ORDER BY c.last DESC, e.engine_id`)
	if err != nil {
		return nil, fmt.Errorf("history: engines: %w", err)
	}
	defer rows.Close()
	var out []EngineInfo
	for rows.Next() {
		var e EngineInfo
		var first, last int64
		if err := rows.Scan(&e.ID, &e.Name, &e.Samples, &first, &last); err != nil {
			return nil, fmt.Errorf("history: engines: %w", err)
		}
		e.First, e.Last = fromNanos(first), fromNanos(last)
		e.ID, e.Name = model.SafeText(e.ID), model.SafeText(e.Name)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: engines: %w", err)
	}
	return out, nil
}

// The retention's settings keys, each a duration in nanoseconds.
const (
	keyAll    = "retention_all"
	keyHourly = "retention_hourly"
	keyDaily  = "retention_daily"
)

// Retention is the retention stored in the database (so every process —
// the UI, a cron job — applies the same), model.DefaultRetention where it
// was never set.
func (s *Store) Retention(ctx context.Context) (model.Retention, error) {
	r, err := retention(ctx, s.db)
	if err != nil {
		return r, fmt.Errorf("history: retention: %w", err)
	}
	if why := r.Valid(); why != "" {
		return r, fmt.Errorf("history: stored retention: %s", why)
	}
	return r, nil
}

func retention(ctx context.Context, q querier) (model.Retention, error) {
	r := model.DefaultRetention
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM settings WHERE key IN (?, ?, ?)`, keyAll, keyHourly, keyDaily)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var v int64
		if err := rows.Scan(&key, &v); err != nil {
			return r, err
		}
		switch key {
		case keyAll:
			r.All = time.Duration(v)
		case keyHourly:
			r.Hourly = time.Duration(v)
		case keyDaily:
			r.Daily = time.Duration(v)
		}
	}
	return r, rows.Err()
}

// SetRetention stores r (an error when it is not Valid) and applies it to
// every engine now.
func (s *Store) SetRetention(ctx context.Context, r model.Retention) error {
	if why := r.Valid(); why != "" {
		return fmt.Errorf("history: %s", why)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: set retention: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for key, v := range map[string]time.Duration{keyAll: r.All, keyHourly: r.Hourly, keyDaily: r.Daily} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES (?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, int64(v)); err != nil {
			return fmt.Errorf("history: set retention: %w", err)
		}
	}
	var engines []int64
	rows, err := tx.QueryContext(ctx, `SELECT id FROM engines`)
	if err != nil {
		return fmt.Errorf("history: set retention: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return fmt.Errorf("history: set retention: %w", err)
		}
		engines = append(engines, id)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("history: set retention: %w", err)
	}
	now := s.now()
	for _, id := range engines {
		if err := prune(ctx, tx, id, r, now); err != nil {
			return fmt.Errorf("history: retention: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: set retention: %w", err)
	}
	return nil
}
