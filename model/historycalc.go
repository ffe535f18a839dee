package model

import (
	"slices"
	"strings"
	"time"
)

// NoRepo is the repository of untagged (dangling) images in a sample.
const NoRepo = "<none>"

// SampleOf is one history sample of the snapshot: the df table per kind
// (docker's columns and bilge's exact reclaimable, Unknown where it is not
// known: ix nil or figures pending) and every image repository.
func SampleOf(s *Snapshot, ix *ReclaimIndex, eng EngineRef, at time.Time) Sample {
	var exact map[Kind]KindReclaim
	if ix != nil {
		exact = ix.ExactReclaimable()
	}
	kinds := make(map[Kind]KindSample, NumKinds)
	for _, u := range s.Usage() {
		ks := KindSample{Total: u.Total, Active: u.Active, Size: u.Size, Reclaimable: u.Reclaimable, Exact: Unknown}
		if e, ok := exact[u.Kind]; ok && !e.Pending {
			ks.Exact = e.Bytes
		}
		kinds[u.Kind] = ks
	}
	return Sample{Time: at, Engine: eng, Kinds: kinds, Repos: ReposOf(s)}
}

// ReposOf is every image repository of the snapshot, by name: how many
// tags it has and the disk its images take, each layer counted once (the
// images' own sizes, each image once, where layers are not known).
// Untagged images are the repository NoRepo with no tags.
func ReposOf(s *Snapshot) []RepoSample {
	type acc struct {
		tags   int
		images map[string]bool
		layers map[string]bool
		size   int64
		exact  bool // every image's layers are known
	}
	by := map[string]*acc{}
	get := func(repo string) *acc {
		a := by[repo]
		if a == nil {
			a = &acc{images: map[string]bool{}, layers: map[string]bool{}, exact: true}
			by[repo] = a
		}
		return a
	}
	add := func(a *acc, img *Image) {
		if a.images[img.ID] {
			return
		}
		a.images[img.ID] = true
		if img.Layers == nil {
			a.exact = false
		}
		if img.Size > 0 {
			a.size += img.Size
		}
	}
	for i := range s.Images {
		img := &s.Images[i]
		if len(img.Tags) == 0 {
			add(get(NoRepo), img)
			continue
		}
		for _, t := range img.Tags {
			a := get(RepoOf(t))
			a.tags++
			add(a, img)
		}
	}
	index := make(map[string]*Image, len(s.Images))
	for i := range s.Images {
		index[s.Images[i].ID] = &s.Images[i]
	}
	out := make([]RepoSample, 0, len(by))
	for repo, a := range by {
		size := a.size
		if a.exact {
			// Each layer once: two tags of one base share its layers.
			size = 0
			for id := range a.images {
				for _, l := range index[id].Layers {
					if !a.layers[l.ChainID] {
						a.layers[l.ChainID] = true
						size += max(l.Size, 0)
					}
				}
			}
		}
		out = append(out, RepoSample{Repo: repo, Tags: a.tags, Size: size})
	}
	slices.SortFunc(out, func(a, b RepoSample) int { return strings.Compare(a.Repo, b.Repo) })
	return out
}

// Retention says which samples the history keeps: every sample younger
// than All, the newest of each hour younger than Hourly, the newest of
// each day younger than Daily, nothing older.
type Retention struct {
	All, Hourly, Daily time.Duration
}

// DefaultRetention keeps every sample for 2 days, hourly ones for 60 days
// and daily ones for 2 years.
var DefaultRetention = Retention{All: 48 * time.Hour, Hourly: 60 * 24 * time.Hour, Daily: 2 * 365 * 24 * time.Hour}

// Valid reports what is wrong with r ("" when nothing is): each window at
// least as long as the one before, none negative.
func (r Retention) Valid() string {
	switch {
	case r.All < 0 || r.Hourly < 0 || r.Daily < 0:
		return "retention windows cannot be negative"
	case r.Hourly < r.All:
		return "the hourly window must be at least as long as the keep-all window"
	case r.Daily < r.Hourly:
		return "the daily window must be at least as long as the hourly window"
	}
	return ""
}

// Keep says, for sample times in ascending order, which samples retention
// keeps at now. Hours and days are UTC, so every process agrees.
func (r Retention) Keep(times []time.Time, now time.Time) []bool {
	keep := make([]bool, len(times))
	// Walk newest first: the first sample seen in a bucket is its newest.
	lastBucket := int64(-1 << 62)
	lastSize := time.Duration(0)
	for i := len(times) - 1; i >= 0; i-- {
		age := now.Sub(times[i])
		var size time.Duration
		switch {
		case age < r.All:
			keep[i] = true
			continue
		case age < r.Hourly:
			size = time.Hour
		case age < r.Daily:
			size = 24 * time.Hour
		default:
			continue
		}
		b := times[i].UTC().Truncate(size).Unix()
		if b == lastBucket && size == lastSize {
			continue
		}
		lastBucket, lastSize = b, size
		keep[i] = true
	}
	return keep
}

// KindChange is one kind's row of a growth report: the sample at the
// start of the window (Then; Has false when there is none) and the newest.
type KindChange struct {
	Kind      Kind
	Then, Now KindSample
}

// Delta is the change of SIZE, and whether both ends are known.
func (c KindChange) Delta() (int64, bool) {
	if c.Then.Size < 0 || c.Now.Size < 0 {
		return 0, false
	}
	return c.Now.Size - c.Then.Size, true
}

// RepoChange is one repository's growth over a window. New: it was not in
// the first sample; Gone: it is not in the newest.
type RepoChange struct {
	Repo              string
	TagsThen, TagsNow int
	SizeThen, SizeNow int64
	New, Gone         bool
}

// Delta is the change of the repository's size.
func (c RepoChange) Delta() int64 { return c.SizeNow - c.SizeThen }

// GrowthReport is what changed over a window of samples.
type GrowthReport struct {
	// Then and Now are the samples at the window's two ends (nil when the
	// window holds no sample).
	Then, Now *Sample
	Kinds     []KindChange // in DFOrder
	// Repos changed (size or tags), new or gone: those that grew most
	// first, then those that shrank least; gone ones last.
	Repos []RepoChange
}

// Growth compares the sample at the start of a window with the newest.
// samples are one engine's, oldest first; the start is the newest sample
// at or before since, else the oldest after it.
func Growth(samples []Sample, since time.Time) GrowthReport {
	var g GrowthReport
	if len(samples) == 0 {
		return g
	}
	g.Now = &samples[len(samples)-1]
	g.Then = &samples[0]
	for i := range samples {
		if samples[i].Time.After(since) {
			break
		}
		g.Then = &samples[i]
	}
	for _, k := range DFOrder {
		g.Kinds = append(g.Kinds, KindChange{Kind: k, Then: kindOf(g.Then, k), Now: kindOf(g.Now, k)})
	}
	then := make(map[string]RepoSample, len(g.Then.Repos))
	for _, r := range g.Then.Repos {
		then[r.Repo] = r
	}
	seen := make(map[string]bool, len(g.Now.Repos))
	for _, r := range g.Now.Repos {
		seen[r.Repo] = true
		old, ok := then[r.Repo]
		c := RepoChange{Repo: r.Repo, TagsNow: r.Tags, SizeNow: r.Size, New: !ok}
		if ok {
			c.TagsThen, c.SizeThen = old.Tags, old.Size
			if c.TagsThen == c.TagsNow && c.SizeThen == c.SizeNow {
				continue
			}
		}
		g.Repos = append(g.Repos, c)
	}
	for _, r := range g.Then.Repos {
		if !seen[r.Repo] {
			g.Repos = append(g.Repos, RepoChange{Repo: r.Repo, TagsThen: r.Tags, SizeThen: r.Size, Gone: true})
		}
	}
	slices.SortStableFunc(g.Repos, func(a, b RepoChange) int {
		if a.Gone != b.Gone {
			if a.Gone {
				return 1
			}
			return -1
		}
		if d := b.Delta() - a.Delta(); d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Repo, b.Repo)
	})
	return g
}

// kindOf is a sample's row for k (Unknown sizes when the sample has none).
func kindOf(s *Sample, k Kind) KindSample {
	if ks, ok := s.Kinds[k]; ok {
		return ks
	}
	return KindSample{Size: Unknown, Reclaimable: Unknown, Exact: Unknown}
}

// SizeSeries is k's SIZE over [from, to] in n equal buckets: each bucket
// holds the newest known size at or before its end (carried forward
// across buckets with no sample), Unknown before the first sample.
// samples are oldest first.
func SizeSeries(samples []Sample, k Kind, from, to time.Time, n int) []int64 {
	out := make([]int64, n)
	if n == 0 {
		return out
	}
	// span/n first: span*(b+1) overflows a Duration for windows over
	// 292/n years (bilge history --since 20y has 30 buckets).
	step := to.Sub(from) / time.Duration(n)
	cur, j := int64(Unknown), 0
	for b := range n {
		end := from.Add(step * time.Duration(b+1))
		if b == n-1 {
			end = to
		}
		for ; j < len(samples) && !samples[j].Time.After(end); j++ {
			if ks, ok := samples[j].Kinds[k]; ok && ks.Size >= 0 {
				cur = ks.Size
			}
		}
		out[b] = cur
	}
	return out
}

// sparkBlocks are the eight heights of a sparkline, lowest first.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one text line, a block per value scaled from
// the smallest to the largest known value; Unknown values are spaces. A
// series that does not change is a flat low line.
func Sparkline(vals []int64) string {
	lo, hi := int64(-1), int64(-1)
	for _, v := range vals {
		if v < 0 {
			continue
		}
		if lo < 0 || v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	var b strings.Builder
	b.Grow(len(vals) * 3)
	for _, v := range vals {
		switch {
		case v < 0:
			b.WriteByte(' ')
		case hi == lo:
			b.WriteRune(sparkBlocks[0])
		default:
			b.WriteRune(sparkBlocks[int((v-lo)*int64(len(sparkBlocks)-1)/(hi-lo))])
		}
	}
	return b.String()
}

// SizeChange is how much k's SIZE changed over window up to the newest
// sample: the newest size minus the newest known size at or before
// (newest − window), else the oldest known size. span is the time the
// change covers (shorter than window on a young history); ok is false
// with fewer than two known sizes.
func SizeChange(samples []Sample, k Kind, window time.Duration) (delta int64, span time.Duration, ok bool) {
	last := -1
	for i := len(samples) - 1; i >= 0; i-- {
		if ks, has := samples[i].Kinds[k]; has && ks.Size >= 0 {
			last = i
			break
		}
	}
	if last <= 0 {
		return 0, 0, false
	}
	start := samples[last].Time.Add(-window)
	first := -1
	for i := 0; i < last; i++ {
		ks, has := samples[i].Kinds[k]
		if !has || ks.Size < 0 {
			continue
		}
		if first < 0 || !samples[i].Time.After(start) {
			first = i
		}
		if samples[i].Time.After(start) {
			break
		}
	}
	if first < 0 {
		return 0, 0, false
	}
	return samples[last].Kinds[k].Size - samples[first].Kinds[k].Size, samples[last].Time.Sub(samples[first].Time), true
}

// HumanDelta is a signed size: "+3.2GB", "-512MB", "±0B".
func HumanDelta(n int64) string {
	switch {
	case n > 0:
		return "+" + HumanSize(n)
	case n < 0:
		return "-" + HumanSize(-n)
	}
	return "±0B"
}
