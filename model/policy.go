package model

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// A retention policy (issue 13): protections that always win, and removal
// rules that each select objects under a name shown on every plan line.
// Evaluate turns a policy and one snapshot into a plan with exact bytes.

// Policy is a retention policy.
type Policy struct {
	Keep  Keep
	Rules []Rule
	// MaxSize (bytes, 0: none) bounds Docker's total on disk (images,
	// containers, volumes, build cache, each byte once); MinFree (0: none)
	// asks for that much free space on the filesystem holding the engine's
	// data root. Either adds unused images, least recently used first,
	// until it holds.
	MaxSize int64
	MinFree int64
}

// Keep are the protections: what they name is never in a plan, whatever
// rule selects it. Objects in use are always kept too.
type Keep struct {
	// Labels keep images, containers, volumes and networks carrying one
	// of them.
	Labels []LabelMatch
	// Refs keep images with a reference matching one of them.
	Refs []Pattern
	// Last keeps the newest Last images (by creation) of each repository
	// (0: none).
	Last int
	// UsedWithin keeps images last used within that long (0: none); see
	// Image.LastUsed.
	UsedWithin time.Duration
}

// RuleKind says what a rule removes.
type RuleKind int

const (
	// RuleDangling: untagged images.
	RuleDangling RuleKind = iota
	// RuleImages: unused images (Match and Labels narrow them).
	RuleImages
	// RuleContainers: stopped containers (exited, created, dead).
	RuleContainers
	// RuleVolumes: unused anonymous volumes, and the named ones Match
	// names.
	RuleVolumes
	// RuleNetworks: unused networks (never bridge, host, none).
	RuleNetworks
	// RuleBuildCache: build-cache records not in use.
	RuleBuildCache
	// RuleBuildCacheBudget: build-cache records not in use, least
	// recently used first, until the build cache holds KeepStorage bytes
	// or less (as docker builder prune --keep-storage).
	RuleBuildCacheBudget
)

// Rule is one removal rule. Every condition set must hold.
type Rule struct {
	Name string // shown on every plan line; Title derives one when empty
	Kind RuleKind
	// Match: for images, reference patterns (any reference matching);
	// for volumes, the names of the named volumes the rule may remove.
	Match  []Pattern
	Labels []LabelMatch
	// Older: the object is older than this (0: any age): images by when
	// they were last used, containers by when they stopped, volumes and
	// networks by creation, build cache by when it was last used.
	Older time.Duration
	// KeepStorage is the RuleBuildCacheBudget's bound, in bytes.
	KeepStorage int64
}

// Title is the rule's name, or one derived from what it does.
func (r Rule) Title() string {
	if r.Name != "" {
		return r.Name
	}
	var b strings.Builder
	switch r.Kind {
	case RuleDangling:
		b.WriteString("dangling images")
	case RuleImages:
		b.WriteString("unused images")
	case RuleContainers:
		b.WriteString("stopped containers")
	case RuleVolumes:
		b.WriteString("unused volumes")
	case RuleNetworks:
		b.WriteString("unused networks")
	case RuleBuildCache, RuleBuildCacheBudget:
		b.WriteString("build cache")
	}
	if len(r.Match) > 0 {
		pats := make([]string, len(r.Match))
		for i, p := range r.Match {
			pats[i] = p.String()
		}
		b.WriteString(" " + strings.Join(pats, ","))
	}
	for _, l := range r.Labels {
		b.WriteString(" label " + l.String())
	}
	if r.Older > 0 {
		if r.Kind == RuleBuildCache {
			b.WriteString(" unused for " + FormatAge(r.Older))
		} else {
			b.WriteString(" older than " + FormatAge(r.Older))
		}
	}
	if r.Kind == RuleBuildCacheBudget {
		b.WriteString(" over keep-storage " + HumanSize(r.KeepStorage))
	}
	return b.String()
}

// FormatAge writes a duration the way ParseAge reads it, in whole days
// when it is some ("7d"), else as Go does ("36h0m0s" → "36h").
func FormatAge(d time.Duration) string {
	const day = 24 * time.Hour
	if d > 0 && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	s = strings.TrimSuffix(s, "0m")
	if s == "" {
		return "0s"
	}
	return s
}

// LabelMatch is "key" (the label is set) or "key=value".
type LabelMatch struct {
	Key, Value string
	HasValue   bool
}

// ParseLabelMatch reads "key" or "key=value".
func ParseLabelMatch(s string) (LabelMatch, error) {
	k, v, has := strings.Cut(s, "=")
	if strings.TrimSpace(k) == "" || k != strings.TrimSpace(k) {
		return LabelMatch{}, fmt.Errorf("invalid label %q: give key or key=value", s)
	}
	return LabelMatch{Key: k, Value: v, HasValue: has}, nil
}

func (l LabelMatch) String() string {
	if l.HasValue {
		return l.Key + "=" + l.Value
	}
	return l.Key
}

// In reports whether the labels carry it.
func (l LabelMatch) In(labels map[string]string) bool {
	v, ok := labels[l.Key]
	return ok && (!l.HasValue || v == l.Value)
}

func anyLabel(ms []LabelMatch, labels map[string]string) (LabelMatch, bool) {
	for _, m := range ms {
		if m.In(labels) {
			return m, true
		}
	}
	return LabelMatch{}, false
}

func allLabels(ms []LabelMatch, labels map[string]string) bool {
	for _, m := range ms {
		if !m.In(labels) {
			return false
		}
	}
	return true
}

// Pattern is a reference (or volume name) pattern: '*' matches any run of
// characters, '/' and ':' included, '?' one character, [abc] and [a-z]
// one of a set. A pattern matches a reference when it matches all of it
// ("myapp:dev*") or its repository ("registry.example.com/base/*",
// "postgres": every tag).
type Pattern struct {
	src string
	re  *regexp.Regexp
}

// ParsePattern checks and compiles a pattern.
func ParsePattern(s string) (Pattern, error) {
	bad := func(why string) (Pattern, error) {
		return Pattern{}, fmt.Errorf("invalid pattern %q: %s", s, why)
	}
	if s == "" {
		return bad("empty")
	}
	var b strings.Builder
	b.WriteString("^(?:")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= ' ' || c == 0x7f:
			return bad("spaces and control characters never appear in a reference")
		case c == '*':
			b.WriteString(".*")
		case c == '?':
			b.WriteString(".")
		case c == '[':
			end := strings.IndexByte(s[i+1:], ']')
			if end <= 0 {
				return bad("'[' without a closing ']'")
			}
			set := s[i+1 : i+1+end]
			if strings.ContainsAny(set, `[\`) || strings.HasPrefix(set, "^") {
				return bad("a [set] takes plain characters and ranges (a-z)")
			}
			b.WriteString("[" + set + "]")
			i += end + 1
		case c == ']':
			return bad("']' without an opening '['")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(")$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		// A range such as [z-a]: the regexp's own words after its prefix.
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, ": "); ok {
			msg = after
		}
		return bad(msg)
	}
	return Pattern{src: s, re: re}, nil
}

// MustPattern is ParsePattern for patterns known to be valid (tests,
// constants); it panics on a bad one.
func MustPattern(s string) Pattern {
	p, err := ParsePattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

func (p Pattern) String() string { return p.src }

// Match reports whether the pattern matches the reference or its
// repository.
func (p Pattern) Match(ref string) bool {
	if p.re == nil {
		return false
	}
	return p.re.MatchString(ref) || p.re.MatchString(RepoOf(ref))
}

// MatchName reports whether the pattern matches all of name (a volume).
func (p Pattern) MatchName(name string) bool { return p.re != nil && p.re.MatchString(name) }

func anyPattern(ps []Pattern, refs []string) (Pattern, bool) {
	for _, p := range ps {
		for _, r := range refs {
			if p.Match(r) {
				return p, true
			}
		}
	}
	return Pattern{}, false
}

// RepoOf is the repository of a reference as the engine lists it
// ("registry:5000/app:1" → "registry:5000/app", "app@sha256:…" → "app").
func RepoOf(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		return ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		return ref[:i]
	}
	return ref
}

// LastUsed is when the image was last used, as far as the engine tells:
// the newest of its creation, its last tag (LastTagged, when known), and
// the creation and start of the containers the snapshot has that use it
// (which make it in use anyway). The engine keeps no record of containers
// removed since, nor of pulls that found the image up to date, nor of
// builds that used it as a cache or base.
func (s *Snapshot) LastUsed(img *Image, ctrs map[string]*Container) time.Time {
	t := img.Created
	if img.LastTagged.After(t) {
		t = img.LastTagged
	}
	for _, id := range img.Containers {
		c := ctrs[id]
		if c == nil {
			continue
		}
		for _, ct := range []time.Time{c.Created, c.Started} {
			if ct.After(t) {
				t = ct
			}
		}
	}
	return t
}

// StoppedAt is when a stopped container stopped, as far as the engine
// tells: its FinishedAt for an exited or dead one, its creation for one
// created and never started; ok is false when it is not known (or the
// container is not stopped).
func (c *Container) StoppedAt() (t time.Time, ok bool) {
	switch c.State {
	case StateCreated:
		if !c.Finished.IsZero() {
			return c.Finished, true
		}
		return c.Created, !c.Created.IsZero()
	case StateExited, StateDead:
		return c.Finished, !c.Finished.IsZero()
	}
	return time.Time{}, false
}
