package model

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Filter is a parsed filter query (design §3). The zero Filter matches
// everything.
//
// A query is whitespace-separated terms, all of which must match (AND).
// A term is read by this rule:
//
//  1. A term without ':' is free text.
//  2. A term whose part before the first ':' is a token name — is, older,
//     newer, larger, smaller, label (any case) — is a token; a bad value is
//     an error: "is:dangling", "older:30d", "newer:12h", "larger:500MB",
//     "smaller:1GB", "label:key", "label:key=value".
//  3. A term whose prefix is a word users plausibly mean as a filter but
//     bilge does not have (status, state, size, age, name, tag, id, type,
//     …), a one-letter typo of a token name ("lable:", "lager:"), or whose
//     value is an is: status ("foo:dangling") is an error with a hint.
//  4. Anything else with ':' is free text: image references ("nginx:1.25",
//     "localhost:5000/app:v1", "sha256:ab12"), which rule 3 leaves alone.
//
// Likewise a docker CLI filter ("dangling=true", "label=k", "until=24h")
// is an error that names the bilge token to use, since as free text it
// would silently match nothing.
//
// Free text matches, case-insensitively as a substring, names, tags and IDs
// (with or without "sha256:"), a container's image reference, a build
// record's description.
//
// A query is at most MaxFilterLen characters and MaxFilterTerms terms: a
// longer one (text pasted by mistake) is an error, read in time linear in
// its length, and matching an object costs at most the sum of its fields'
// lengths per term (no term is quadratic in its own length).
type Filter struct {
	query string
	conds []cond
}

// FilterError is a query bilge cannot read. Term is the offending term as
// typed, for the UI to highlight; Error is one line that names it and what
// is valid.
type FilterError struct {
	Term string
	Msg  string
}

func (e *FilterError) Error() string { return e.Msg }

type condKind uint8

const (
	condText condKind = iota
	condIs
	condOlder
	condNewer
	condLarger
	condSmaller
	condLabel
)

type isValue uint8

const (
	isDangling isValue = iota
	isUnused
	isRunning
	isStopped
	isAnonymous
	isInUse
	isNamed
	isBuiltin
	isShared
	// docker ps --filter status=… values other than running
	isPaused
	isRestarting
	isExited
	isCreated
	isDead
	isRemoving
)

// containerStates maps the is: values that are docker's container states
// to the state.
var containerStates = map[isValue]string{
	isRunning:    StateRunning,
	isPaused:     StatePaused,
	isRestarting: StateRestarting,
	isExited:     StateExited,
	isCreated:    StateCreated,
	isDead:       StateDead,
	isRemoving:   StateRemoving,
}

// isValues maps what users may write after "is:" to its meaning.
var isValues = map[string]isValue{
	"dangling":   isDangling,
	"unused":     isUnused,
	"running":    isRunning,
	"stopped":    isStopped,
	"anonymous":  isAnonymous,
	"in-use":     isInUse,
	"inuse":      isInUse,
	"used":       isInUse,
	"named":      isNamed,
	"builtin":    isBuiltin,
	"shared":     isShared,
	"paused":     isPaused,
	"restarting": isRestarting,
	"exited":     isExited,
	"created":    isCreated,
	"dead":       isDead,
	"removing":   isRemoving,
}

var isNames = [...]string{
	isDangling:   "dangling",
	isUnused:     "unused",
	isRunning:    "running",
	isStopped:    "stopped",
	isAnonymous:  "anonymous",
	isInUse:      "in-use",
	isNamed:      "named",
	isBuiltin:    "builtin",
	isShared:     "shared",
	isPaused:     "paused",
	isRestarting: "restarting",
	isExited:     "exited",
	isCreated:    "created",
	isDead:       "dead",
	isRemoving:   "removing",
}

type cond struct {
	kind  condKind
	is    isValue
	num   int64         // bytes, for larger/smaller
	age   time.Duration // for older/newer
	text  string        // lower-cased free text; label key
	pat   pattern       // free text, ready to search for
	value string        // label value
	hasEq bool          // label:key=value rather than label:key
}

const tokenHelp = "try is:, older:, newer:, larger:, smaller:, label:"

const isHelp = "use is:dangling, is:unused, is:running, is:stopped, is:anonymous, is:named, is:in-use, is:builtin, is:shared or a container state (is:paused, is:exited, is:created, is:restarting, is:dead, is:removing)"

// tokenNames are the prefixes rule 2 reads as tokens.
var tokenNames = []string{"is", "older", "newer", "larger", "smaller", "label"}

// reserved are prefixes rule 3 rejects, each with its hint.
var reserved = map[string]string{
	"status":  isHelp,
	"state":   isHelp,
	"size":    "use larger:SIZE or smaller:SIZE, e.g. larger:500MB",
	"age":     "use older:AGE or newer:AGE, e.g. older:30d",
	"created": "use older:AGE or newer:AGE, e.g. older:30d",
	"until":   "use older:AGE, e.g. older:30d",
	"before":  "use older:AGE, e.g. older:30d",
	"since":   "use newer:AGE, e.g. newer:12h",
	"after":   "use newer:AGE, e.g. newer:12h",
	"name":    "type the name as plain text",
	"tag":     "type the tag as plain text",
	"id":      "type the ID as plain text",
	"type":    tokenHelp,
	"kind":    tokenHelp,
	"not":     "negation is not supported; " + tokenHelp,
	"no":      "negation is not supported; " + tokenHelp,
	"has":     tokenHelp,
}

// dockerFilters maps docker CLI filter keys (key=value) to the bilge token
// to use instead.
var dockerFilters = map[string]string{
	"dangling":  "is:dangling (or is:unused for volumes)",
	"label":     "label:KEY or label:KEY=VALUE",
	"until":     "older:AGE, e.g. older:24h",
	"before":    "older:AGE",
	"since":     "newer:AGE",
	"status":    "is:STATE (is:running, is:paused, is:exited, …) or is:stopped",
	"reference": "the name or tag as plain text",
	"name":      "the name as plain text",
	"id":        "the ID as plain text",
}

// The bounds of a query. Real filters are a few terms and a few dozen
// characters; the longest plausible one (three label:KEY=VALUE terms with
// URLs) is about 250. Beyond these, every key typed re-reads and re-matches
// a query no one meant to write.
const (
	MaxFilterLen   = 500 // characters
	MaxFilterTerms = 20
)

// ParseFilter reads a filter query; see Filter for the language. The empty
// (or all-blank) query gives a Filter that matches everything.
func ParseFilter(q string) (Filter, error) {
	if len(q) > MaxFilterLen && (len(q) > MaxFilterLen*utf8.UTFMax || utf8.RuneCountInString(q) > MaxFilterLen) {
		return Filter{}, tooLong(q)
	}
	fields, err := splitTerms(q)
	if err != nil {
		return Filter{}, err
	}
	if len(fields) == 0 {
		return Filter{}, nil
	}
	f := Filter{conds: make([]cond, 0, len(fields))}
	norm := make([]string, 0, len(fields))
	for _, term := range fields {
		c, n, err := parseTerm(term)
		if err != nil {
			return Filter{}, err
		}
		f.conds = append(f.conds, c)
		norm = append(norm, n)
	}
	f.query = strings.Join(norm, " ")
	if utf8.RuneCountInString(f.query) > MaxFilterLen {
		// The normal form spells is: aliases out ("is:used" → "is:in-use"):
		// it must fit too, as the UI puts it back in the input to edit.
		return Filter{}, tooLong(q)
	}
	return f, nil
}

func tooLong(q string) error {
	return &FilterError{Term: q, Msg: fmt.Sprintf("the filter is longer than %d characters: shorten it", MaxFilterLen)}
}

// splitTerms splits a query at blanks, except inside double quotes, which
// it removes: label:maintainer="Jane Doe" and "my app" are one term each.
// An empty pair of quotes is no term. More than MaxFilterTerms terms is an
// error.
func splitTerms(q string) ([]string, error) {
	var terms []string
	var cur strings.Builder
	in := false
	end := func() error {
		if cur.Len() == 0 {
			return nil
		}
		if len(terms) == MaxFilterTerms {
			return &FilterError{Term: cur.String(), Msg: fmt.Sprintf("the filter has more than %d terms: shorten it", MaxFilterTerms)}
		}
		terms = append(terms, cur.String())
		cur.Reset()
		return nil
	}
	// Byte by byte: quotes and blanks are ASCII, and bytes that are not
	// UTF-8 stay as they are (the messages escape them).
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\n'):
			if err := end(); err != nil {
				return nil, err
			}
		default:
			cur.WriteByte(c)
		}
	}
	if in {
		return nil, &FilterError{Term: q, Msg: "a quote is not closed: write label:key=\"a value\" or \"some text\""}
	}
	if err := end(); err != nil {
		return nil, err
	}
	return terms, nil
}

// quoted puts s in double quotes when it holds blanks, as splitTerms reads it.
func quoted(s string) string {
	if strings.ContainsAny(s, " \t\n") {
		return `"` + s + `"`
	}
	return s
}

func parseTerm(term string) (cond, string, error) {
	fail := func(format string, args ...any) (cond, string, error) {
		return cond{}, "", &FilterError{Term: term, Msg: fmt.Sprintf(format, args...)}
	}
	prefix, value, ok := strings.Cut(term, ":")
	if !ok {
		if k, v, eq := strings.Cut(term, "="); eq && v != "" {
			if use, known := dockerFilters[strings.ToLower(k)]; known {
				return fail("%q is docker's filter syntax: use %s", term, use)
			}
		}
		return textCond(term)
	}
	p := strings.ToLower(prefix)
	switch p {
	case "is":
		v, known := isValues[strings.ToLower(value)]
		if !known {
			if value == "" {
				return fail("%q needs a status: %s", term, isHelp)
			}
			return fail("unknown status %q: %s", term, isHelp)
		}
		return cond{kind: condIs, is: v}, "is:" + isNames[v], nil
	case "older", "newer":
		d, ok := parseAge(value)
		if !ok {
			return fail("invalid age in %q: %s, e.g. older:30d, newer:12h or older:1h30m", term, ageHelp)
		}
		k := condOlder
		if p == "newer" {
			k = condNewer
		}
		return cond{kind: k, age: d}, p + ":" + quoted(strings.ToLower(value)), nil
	case "larger", "smaller":
		n, ok := parseSize(value)
		if !ok {
			return fail("invalid size in %q: %s, e.g. larger:500MB or smaller:1GB", term, sizeHelp)
		}
		k := condLarger
		if p == "smaller" {
			k = condSmaller
		}
		return cond{kind: k, num: n}, p + ":" + quoted(value), nil
	case "label":
		key, val, eq := strings.Cut(value, "=")
		if key == "" {
			return fail("%q needs a key: use label:KEY or label:KEY=VALUE", term)
		}
		norm := "label:" + quoted(key)
		if eq {
			norm += "=" + quoted(val)
		}
		return cond{kind: condLabel, text: key, value: val, hasEq: eq}, norm, nil
	}
	if hint, ok := reserved[p]; ok {
		return fail("unknown filter %q (%s)", term, hint)
	}
	if v, ok := isValues[strings.ToLower(value)]; ok && isWord(p) {
		return fail("unknown filter %q (did you mean is:%s?)", term, isNames[v])
	}
	if len(p) >= 3 && isWord(p) {
		for _, t := range tokenNames {
			if len(t) >= 4 && typo(p, t) {
				return fail("unknown filter %q (did you mean %s:?)", term, t)
			}
		}
	}
	return textCond(term)
}

func textCond(term string) (cond, string, error) {
	lower := strings.ToLower(term)
	return cond{kind: condText, text: lower, pat: newPattern(lower)}, quoted(term), nil
}

// isWord reports a prefix made only of ASCII letters, as filter names are;
// image references ("localhost:5000", "ghcr.io/x:1") are not.
func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

// typo reports a and b one edit apart: one letter inserted, deleted,
// replaced, or two neighbours swapped.
func typo(a, b string) bool {
	if a == b {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	switch len(b) - len(a) {
	case 0:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		if a[i+1:] == b[i+1:] {
			return true // replaced
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		return a[i:] == b[i+1:]
	}
	return false
}

// Empty reports a Filter that matches everything.
func (f Filter) Empty() bool { return len(f.conds) == 0 }

// String is the query in normal form: terms separated by one space, token
// names in lower case, is: aliases spelt out ("is:used" → "is:in-use").
// Parsing it again gives the same Filter.
func (f Filter) String() string { return f.query }

// NotFor lists the terms (in normal form) that no object of kind k can
// match: is: statuses another kind has (is:anonymous on images, is:dangling
// on containers), sizes on networks, labels on build cache. The UI names
// them, so an empty result is never a mystery.
func (f Filter) NotFor(k Kind) []string {
	var out []string
	for i := range f.conds {
		c := &f.conds[i]
		bad := false
		switch c.kind {
		case condIs:
			bad = !isFor[k][c.is]
		case condLarger, condSmaller:
			bad = k == KindNetwork
		case condLabel:
			bad = k == KindBuildCache
		}
		if bad {
			out = append(out, c.term())
		}
	}
	return out
}

// isFor says which is: statuses each kind has.
var isFor = map[Kind]map[isValue]bool{
	KindImage:      {isDangling: true, isUnused: true, isRunning: true, isInUse: true, isStopped: true},
	KindContainer:  {isRunning: true, isInUse: true, isStopped: true, isPaused: true, isRestarting: true, isExited: true, isCreated: true, isDead: true, isRemoving: true},
	KindVolume:     {isAnonymous: true, isNamed: true, isUnused: true, isInUse: true},
	KindNetwork:    {isUnused: true, isBuiltin: true, isInUse: true},
	KindBuildCache: {isInUse: true, isUnused: true, isShared: true},
}

// term is the condition as a normal-form query term.
func (c *cond) term() string {
	switch c.kind {
	case condIs:
		return "is:" + isNames[c.is]
	case condLarger:
		return "larger:" + HumanSize(c.num)
	case condSmaller:
		return "smaller:" + HumanSize(c.num)
	case condLabel:
		if c.hasEq {
			return "label:" + c.text + "=" + c.value
		}
		return "label:" + c.text
	}
	return c.text
}

// The Match* functions report whether an object satisfies every term.
// A token that has no meaning for a kind (is:dangling for a container,
// larger: for a network) matches no object of that kind. Sizes and
// creation times that are not known yet (Unknown, zero) match no
// larger:/smaller:/older:/newer: term.

// MatchImage: dangling = no tag; unused = no container (dangling images
// included, as image prune -a); running = a container in the running state
// (as docker ps's status=running); in-use = an active (running, paused or
// restarting) container; stopped = containers, none active. Free text: tags, ID.
func (f Filter) MatchImage(img *Image, now time.Time) bool {
	for i := range f.conds {
		c := &f.conds[i]
		var ok bool
		switch c.kind {
		case condText:
			ok = c.pat.in(img.ID)
			if !ok && len(img.Tags) == 0 {
				ok = c.pat.in(img.Name())
			}
			for j := 0; !ok && j < len(img.Tags); j++ {
				ok = c.pat.in(img.Tags[j])
			}
		case condIs:
			switch c.is {
			case isDangling:
				ok = img.Dangling()
			case isUnused:
				ok = len(img.Containers) == 0 && img.RunningContainers == 0
			case isRunning:
				ok = img.Running > 0
			case isInUse:
				ok = img.RunningContainers > 0
			case isStopped:
				ok = len(img.Containers) > 0 && img.RunningContainers == 0
			}
		case condLabel:
			ok = c.matchLabels(img.Labels)
		default:
			ok = c.matchSizeAge(img.Size, img.Created, now)
		}
		if !ok {
			return false
		}
	}
	return true
}

// MatchContainer: running, paused, exited, … = that state, as docker ps
// --filter status= (a paused container is not running); in-use = running,
// paused or restarting (docker system df's active); stopped = the others,
// what container prune removes. Free text: name, ID, image reference.
func (f Filter) MatchContainer(ctr *Container, now time.Time) bool {
	for i := range f.conds {
		c := &f.conds[i]
		var ok bool
		switch c.kind {
		case condText:
			ok = c.pat.in(ctr.Name) || c.pat.in(ctr.ID) || c.pat.in(ctr.Image)
		case condIs:
			switch c.is {
			case isInUse:
				ok = ctr.Active()
			case isStopped:
				ok = !ctr.Active()
			default:
				state, known := containerStates[c.is]
				ok = known && ctr.State == state
			}
		case condLabel:
			ok = c.matchLabels(ctr.Labels)
		default:
			ok = c.matchSizeAge(ctr.SizeRw, ctr.Created, now)
		}
		if !ok {
			return false
		}
	}
	return true
}

// MatchVolume: anonymous and named by Anonymous; unused and in-use by
// InUse. Free text: name.
func (f Filter) MatchVolume(v *Volume, now time.Time) bool {
	for i := range f.conds {
		c := &f.conds[i]
		var ok bool
		switch c.kind {
		case condText:
			ok = c.pat.in(v.Name)
		case condIs:
			switch c.is {
			case isAnonymous:
				ok = v.Anonymous()
			case isNamed:
				ok = !v.Anonymous()
			case isUnused:
				ok = !v.InUse()
			case isInUse:
				ok = v.InUse()
			}
		case condLabel:
			ok = c.matchLabels(v.Labels)
		default:
			ok = c.matchSizeAge(v.Size, v.Created, now)
		}
		if !ok {
			return false
		}
	}
	return true
}

// MatchNetwork: unused = Unused; builtin = bridge, host, none; in-use =
// containers attached. Networks have no size. Free text: name, ID.
func (f Filter) MatchNetwork(n *Network, now time.Time) bool {
	for i := range f.conds {
		c := &f.conds[i]
		var ok bool
		switch c.kind {
		case condText:
			ok = c.pat.in(n.Name) || c.pat.in(n.ID)
		case condIs:
			switch c.is {
			case isUnused:
				ok = n.Unused()
			case isBuiltin:
				ok = n.Builtin()
			case isInUse:
				ok = len(n.Containers) > 0
			}
		case condLabel:
			ok = c.matchLabels(n.Labels)
		default:
			ok = c.matchSizeAge(Unknown, n.Created, now)
		}
		if !ok {
			return false
		}
	}
	return true
}

// MatchBuildRecord: in-use and unused by InUse; shared by Shared. Records
// have no labels. Free text: ID, description.
func (f Filter) MatchBuildRecord(r *BuildRecord, now time.Time) bool {
	for i := range f.conds {
		c := &f.conds[i]
		var ok bool
		switch c.kind {
		case condText:
			ok = c.pat.in(r.ID) || c.pat.in(r.Description)
		case condIs:
			switch c.is {
			case isInUse:
				ok = r.InUse
			case isUnused:
				ok = !r.InUse
			case isShared:
				ok = r.Shared
			}
		case condLabel:
			ok = false
		default:
			ok = c.matchSizeAge(r.Size, r.Created, now)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (c *cond) matchLabels(labels map[string]string) bool {
	v, ok := labels[c.text]
	if !ok {
		return false
	}
	return !c.hasEq || v == c.value
}

// matchSizeAge evaluates larger:, smaller:, older: and newer:.
func (c *cond) matchSizeAge(size int64, created, now time.Time) bool {
	switch c.kind {
	case condLarger:
		return size >= 0 && size > c.num
	case condSmaller:
		return size >= 0 && size < c.num
	case condOlder:
		return !created.IsZero() && created.Before(now.Add(-c.age))
	case condNewer:
		return !created.IsZero() && created.After(now.Add(-c.age))
	}
	return false
}

// FilterImages returns the indices, in order, of the images f matches.
func FilterImages(imgs []Image, f Filter, now time.Time) []int {
	return filterIdx(imgs, now, f.Empty(), f.MatchImage)
}

// FilterContainers returns the indices, in order, of the containers f
// matches.
func FilterContainers(ctrs []Container, f Filter, now time.Time) []int {
	return filterIdx(ctrs, now, f.Empty(), f.MatchContainer)
}

// FilterVolumes returns the indices, in order, of the volumes f matches.
func FilterVolumes(vols []Volume, f Filter, now time.Time) []int {
	return filterIdx(vols, now, f.Empty(), f.MatchVolume)
}

// FilterNetworks returns the indices, in order, of the networks f matches.
func FilterNetworks(nets []Network, f Filter, now time.Time) []int {
	return filterIdx(nets, now, f.Empty(), f.MatchNetwork)
}

// FilterBuildCache returns the indices, in order, of the build-cache
// records f matches.
func FilterBuildCache(recs []BuildRecord, f Filter, now time.Time) []int {
	return filterIdx(recs, now, f.Empty(), f.MatchBuildRecord)
}

func filterIdx[T any](s []T, now time.Time, all bool, match func(*T, time.Time) bool) []int {
	out := make([]int, 0, len(s))
	for i := range s {
		if all || match(&s[i], now) {
			out = append(out, i)
		}
	}
	return out
}

// pattern is lower-case free text to look for in names and IDs, ignoring
// case, with its KMP failure table: the search reads each byte of the
// haystack once, whatever the text ("aaa…ab" in "AAA…A" included).
type pattern struct {
	lower string
	next  []int32 // next[i]: length of the longest proper border of lower[:i+1]
}

func newPattern(lower string) pattern {
	next := make([]int32, len(lower))
	k := int32(0)
	for i := 1; i < len(lower); i++ {
		for k > 0 && lower[i] != lower[k] {
			k = next[k-1]
		}
		if lower[i] == lower[k] {
			k++
		}
		next[i] = k
	}
	return pattern{lower: lower, next: next}
}

// containsFold reports whether s contains lower, which is already lower
// case, ignoring case.
func containsFold(s, lower string) bool {
	p := newPattern(lower)
	return p.in(s)
}

// in reports whether s contains the pattern, ignoring case. Docker names
// and IDs are mostly lower-case ASCII: those cost one strings.Contains and
// one scan, and nothing allocates unless s has non-ASCII letters.
func (p *pattern) in(s string) bool {
	if strings.Contains(s, p.lower) {
		return true
	}
	var seen byte
	for i := 0; i < len(s); i++ {
		seen |= byteClass[s[i]]
	}
	if seen&classNonASCII != 0 {
		return strings.Contains(strings.ToLower(s), p.lower)
	}
	return seen&classUpper != 0 && p.inASCII(s)
}

const (
	classUpper    = 1
	classNonASCII = 2
)

// byteClass tells upper-case ASCII letters and non-ASCII bytes apart from
// the rest in one table look-up, so the scan has no branches.
var byteClass = func() (t [256]byte) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = classUpper
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = classNonASCII
	}
	return t
}()

// inASCII is the search in an ASCII s, lowering it on the fly (KMP).
func (p *pattern) inASCII(s string) bool {
	lower := p.lower
	if lower == "" {
		return true
	}
	k := int32(0)
	for i := 0; i < len(s); i++ {
		c := toLowerASCII(s[i])
		for k > 0 && lower[k] != c {
			k = p.next[k-1]
		}
		if lower[k] == c {
			k++
			if int(k) == len(lower) {
				return true
			}
		}
	}
	return false
}

func toLowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
