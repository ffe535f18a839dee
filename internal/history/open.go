package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// applicationID marks a bilge history ("bilg") in the SQLite header, so a
// foreign SQLite file at our path is recognised as not ours.
const applicationID = 0x62696c67

// migrations[i] brings a database from schema i to schema i+1; the schema
// is PRAGMA user_version. Steps are only ever appended.
var migrations = []string{
	// 1: engines, samples (kinds and repositories as blobs: encode.go),
	// repository names, clean-ups, settings (the retention).
	`CREATE TABLE engines (
		id        INTEGER PRIMARY KEY,
		engine_id TEXT NOT NULL UNIQUE,
		name      TEXT NOT NULL
	);
	CREATE TABLE samples (
		id     INTEGER PRIMARY KEY,
		engine INTEGER NOT NULL REFERENCES engines(id),
		time   INTEGER NOT NULL,
		kinds  BLOB NOT NULL,
		repos  BLOB NOT NULL
	);
	CREATE INDEX samples_engine_time ON samples(engine, time);
	CREATE TABLE repo_names (
		id   INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE
	);
	CREATE TABLE cleanups (
		id       INTEGER PRIMARY KEY,
		engine   INTEGER NOT NULL REFERENCES engines(id),
		time     INTEGER NOT NULL,
		by       TEXT NOT NULL,
		objects  INTEGER NOT NULL,
		freed    INTEGER NOT NULL,
		per_kind TEXT NOT NULL
	);
	CREATE INDEX cleanups_engine_time ON cleanups(engine, time);
	CREATE TABLE settings (
		key   TEXT PRIMARY KEY,
		value INTEGER NOT NULL
	) WITHOUT ROWID;`,
}

// schemaCheck selects every column the current schema has: it fails on a
// database whose tables are missing or different.
var schemaCheck = []string{
	`SELECT id, engine_id, name FROM engines LIMIT 0`,
	`SELECT id, engine, time, kinds, repos FROM samples LIMIT 0`,
	`SELECT id, name FROM repo_names LIMIT 0`,
	`SELECT id, engine, time, by, objects, freed, per_kind FROM cleanups LIMIT 0`,
	`SELECT key, value FROM settings LIMIT 0`,
}

// quickCheckMax is the largest database Open runs PRAGMA quick_check on:
// it reads every page, ~3 ms of CPU a MB. A history under the default
// retention takes well under 1 MB an engine; larger ones get their header,
// size and schema checked, and damage deeper in shows as errors on use.
const quickCheckMax = 4 << 20

// badError says the file at the path is not a usable bilge history: Open
// moves it aside.
type badError struct{ why string }

func (e *badError) Error() string { return e.why }

// newerError says the database is from a newer bilge: Open leaves it.
type newerError struct{ schema, known int }

func (e *newerError) Error() string {
	return fmt.Sprintf("history.db is from a newer bilge (schema %d; this bilge reads up to %d)", e.schema, e.known)
}

// asBad turns SQLite's "this is not a (sound) database" errors into a
// badError; other errors (permissions, locks, I/O) pass unchanged.
func asBad(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FORMAT:
			return &badError{why: oneLine(se.Error())}
		}
	}
	return err
}

// dsn is the connection string of the database at path: the path as a
// file: URI (so '?', '#' and '%' in it stay part of the name) and the
// query parameters, which modernc applies on every pooled connection.
func dsn(path string, params ...string) string {
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath()}
	return u.String() + "?" + strings.Join(params, "&")
}

// storeParams: a busy timeout so writers wait for each other, WAL so
// readers never block writers, and BEGIN IMMEDIATE for every transaction
// so a writer takes the write lock up front (a deferred transaction that
// upgrades to a write in WAL mode fails with SQLITE_BUSY without waiting).
var storeParams = []string{
	"_pragma=busy_timeout(10000)",
	"_pragma=journal_mode(WAL)",
	"_pragma=foreign_keys(1)",
	"_pragma=synchronous(NORMAL)",
	"_txlock=immediate",
}

// probeParams look at a file without changing it: no journal mode
// switch, and read-only, so closing does not checkpoint a -wal into the
// file or delete it (a file moved aside keeps its bytes, its -wal too).
var probeParams = []string{"mode=ro", "_pragma=busy_timeout(10000)"}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkHeader reads the start of the file: a file that is not SQLite at
// all is bad before SQLite opens it (SQLite would drop its -wal).
func checkHeader(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil && size >= int64(len(head)) {
		return err
	}
	if string(head) != sqliteMagic {
		return &badError{why: "not an SQLite database"}
	}
	if size < 512 { // the smallest page, and a database has at least one
		return &badError{why: fmt.Sprintf("truncated to %d bytes", size)}
	}
	return nil
}

// probe looks at the file at path and returns its schema: 0 when it is
// missing or empty, else a sound bilge history's schema, which this bilge
// can read (perhaps after migrating), or -1 when a read-only look cannot
// tell. Errors: a badError when the file is
// not a sound bilge history, a newerError, or another error when it cannot
// be read at all.
func probe(ctx context.Context, path string) (int, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	case err != nil:
		return 0, err
	case !fi.Mode().IsRegular():
		return 0, fmt.Errorf("%s is not a regular file", path)
	}
	wal, err := os.Stat(path + "-wal")
	walSize := int64(0)
	if err == nil {
		walSize = wal.Size()
	}
	if fi.Size() == 0 && walSize == 0 {
		return 0, nil
	}
	if fi.Size() > 0 {
		if err := checkHeader(path, fi.Size()); err != nil {
			return 0, err
		}
	}
	db, err := sql.Open("sqlite", dsn(path, probeParams...))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return inconclusive(err)
	}
	defer conn.Close()
	schema, err := inspect(ctx, conn, len(migrations))
	if err != nil {
		return inconclusive(err)
	}
	if schema == 0 {
		return 0, nil
	}
	if fi.Size() <= quickCheckMax {
		var res string
		if err := conn.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&res); err != nil {
			return 0, asBad(err)
		}
		if res != "ok" {
			return 0, &badError{why: "damaged: " + oneLine(res)}
		}
	} else if walSize == 0 {
		// Too big to read through on every start; a truncated file shows
		// as fewer bytes than its pages (with a WAL, pages may live there).
		var pages, pageSize int64
		if err := conn.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
			return 0, asBad(err)
		}
		if err := conn.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
			return 0, asBad(err)
		}
		if pages*pageSize > fi.Size() {
			return 0, &badError{why: fmt.Sprintf("truncated: %d bytes of %d", fi.Size(), pages*pageSize)}
		}
	}
	if schema == len(migrations) {
		if err := checkSchema(ctx, conn); err != nil {
			return 0, err
		}
	}
	return schema, nil
}

// inconclusive is probe's answer to err: a read-only connection cannot
// recover a crashed writer's hot journal (SQLITE_READONLY_*); then the
// probe says nothing (-1) and Open's read-write setup looks instead.
func inconclusive(err error) (int, error) {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_READONLY {
		return -1, nil
	}
	return 0, asBad(err)
}

// querier is what inspect and checkSchema need of a connection or a
// transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// inspect reads the header: the schema version of a bilge history (0 for
// an empty database), a badError for another application's database, a
// newerError for one past known.
func inspect(ctx context.Context, q querier, known int) (int, error) {
	var app, schema, tables int
	if err := q.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return 0, err
	}
	if err := q.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&schema); err != nil {
		return 0, err
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		return 0, err
	}
	switch {
	case app == 0 && schema == 0 && tables == 0:
		return 0, nil // new
	case app == 0:
		return 0, &badError{why: "an SQLite database that is not bilge's"}
	case app != applicationID:
		return 0, &badError{why: fmt.Sprintf("another application's SQLite database (application_id %#x)", uint32(app))}
	case schema > known:
		return 0, &newerError{schema: schema, known: known}
	case schema <= 0:
		return 0, &badError{why: fmt.Sprintf("unknown schema %d", schema)}
	}
	return schema, nil
}

func checkSchema(ctx context.Context, q querier) error {
	for _, query := range schemaCheck {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			if bad := asBad(err); bad != err {
				return bad
			}
			return &badError{why: "not bilge's history schema: " + oneLine(err.Error())}
		}
		_ = rows.Close()
	}
	return nil
}

// setup brings the database at db to the last of steps (migrations, in
// Open): creates it when it is new, migrates it when it is older, all in
// one immediate transaction, so two processes opening a new database
// create it once and a failed step leaves the database as it was.
func setup(ctx context.Context, db *sql.DB, steps []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return asBad(err)
	}
	defer func() { _ = tx.Rollback() }()
	schema, err := inspect(ctx, tx, len(steps))
	if err != nil {
		return asBad(err)
	}
	if schema == 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
			return asBad(err)
		}
	}
	for v := schema; v < len(steps); v++ {
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, asBad(err))
		}
	}
	if schema < len(steps) {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(steps))); err != nil {
			return asBad(err)
		}
	}
	if err := checkSchema(ctx, tx); err != nil {
		return err
	}
	return asBad(tx.Commit())
}

// moveAside renames the file at path to "<path>.corrupt-<UTC time>" (a
// free name) with its -wal and -journal (unless empty), and removes its
// -shm (an index SQLite rebuilds). A -wal left behind would be replayed into the new
// database, so one that can be neither moved nor removed is an error.
func moveAside(path, stamp string) (string, error) {
	base := path + ".corrupt-" + stamp
	aside := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(path, aside); err != nil {
		return "", err
	}
	for _, suffix := range []string{"-wal", "-journal"} {
		var err error
		if fi, serr := os.Stat(path + suffix); serr == nil && fi.Size() > 0 {
			err = os.Rename(path+suffix, aside+suffix)
		} else {
			err = os.ErrNotExist // empty: nothing to keep
		}
		if err != nil {
			if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return aside, err
			}
		}
	}
	if err := os.Remove(path + "-shm"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return aside, err
	}
	return aside, nil
}

// oneLine keeps a message on one line of printable text.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
