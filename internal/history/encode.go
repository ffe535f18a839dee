package history

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"time"

	"bilge/model"
)

// A sample's kinds and repositories are stored as two small blobs rather
// than a row per kind and per repository: a year of hourly samples of five
// engines with twenty repositories each is ~900k repository rows, over
// 20 MB as rows (each row carries SQLite's record and cell overhead) and
// ~6 MB as blobs. Nobody queries them by SQL: bilge reads whole samples.
//
// Both blobs start with a format byte, then a count, then per entry
// varints (zig-zag, so Unknown = -1 takes one byte):
//
//	kinds: kind, total, active, size, reclaimable, exact
//	repos: repo_names.id, tags, size
//
// A kind is stored as its model.Kind number: kinds are only ever added at
// the end of model's kind table.
const blobFormat = 1

var errBlob = errors.New("malformed sample data")

func encodeKinds(m map[model.Kind]model.KindSample) []byte {
	keys := make([]model.Kind, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 2+len(m)*16)
	b = append(b, blobFormat)
	b = binary.AppendUvarint(b, uint64(len(m)))
	for _, k := range keys {
		ks := m[k]
		b = binary.AppendVarint(b, int64(k))
		b = binary.AppendVarint(b, int64(ks.Total))
		b = binary.AppendVarint(b, int64(ks.Active))
		b = binary.AppendVarint(b, ks.Size)
		b = binary.AppendVarint(b, ks.Reclaimable)
		b = binary.AppendVarint(b, ks.Exact)
	}
	return b
}

func decodeKinds(b []byte) (map[model.Kind]model.KindSample, error) {
	d := decoder{b: b}
	n := d.header()
	if n == 0 || d.err != nil {
		return nil, d.err
	}
	m := make(map[model.Kind]model.KindSample, n)
	for range n {
		k := model.Kind(d.int())
		m[k] = model.KindSample{Total: d.int(), Active: d.int(), Size: d.varint(), Reclaimable: d.varint(), Exact: d.varint()}
	}
	return m, d.done()
}

func encodeRepos(ids []int64, repos []model.RepoSample) []byte {
	b := make([]byte, 0, 2+len(repos)*10)
	b = append(b, blobFormat)
	b = binary.AppendUvarint(b, uint64(len(repos)))
	for i, r := range repos {
		b = binary.AppendUvarint(b, uint64(ids[i]))
		b = binary.AppendVarint(b, int64(r.Tags))
		b = binary.AppendVarint(b, r.Size)
	}
	return b
}

// decodeReposNamed decodes a repos blob straight into RepoSamples, naming
// each id with name.
func decodeReposNamed(b []byte, name func(id int64) (string, error)) ([]model.RepoSample, error) {
	d := decoder{b: b}
	n := d.header()
	if d.err != nil {
		return nil, d.err
	}
	out := make([]model.RepoSample, n)
	for i := range out {
		id := int64(d.uvarint())
		tags, size := d.int(), d.varint()
		if d.err != nil {
			return nil, d.err
		}
		repo, err := name(id)
		if err != nil {
			return nil, err
		}
		out[i] = model.RepoSample{Repo: repo, Tags: tags, Size: size}
	}
	return out, d.done()
}

// decoder reads varints off a blob, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

// header checks the format byte and reads the entry count.
func (d *decoder) header() int {
	if len(d.b) == 0 || d.b[0] != blobFormat {
		d.err = errBlob
		return 0
	}
	d.b = d.b[1:]
	n := d.uvarint()
	// Every entry takes bytes: a count beyond what is left is a lie (and
	// would make a huge allocation).
	if n > uint64(len(d.b)) {
		d.err = errBlob
		return 0
	}
	return int(n)
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBlob
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errBlob
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int {
	v := d.varint()
	if v > math.MaxInt32 || v < math.MinInt32 {
		d.err = errBlob
		return 0
	}
	return int(v)
}

func (d *decoder) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errBlob
	}
	return d.err
}

// Times are stored as Unix nanoseconds (UTC by definition), which covers
// the years 1678 to 2262.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos is t for a query bound: times outside what nanoseconds hold
// (the zero time among them) clamp to the ends.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// storable reports whether t round-trips through nanoseconds.
func storable(t time.Time) bool {
	return !t.Before(minTime) && !t.After(maxTime)
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
