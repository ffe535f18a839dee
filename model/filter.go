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

// The is: statuses, in the order the help lists them.
const (
	isDangling isValue = iota
	isUnused
	isRunning
	isStopped
	isAnonymous
	isNamed
	isInUse
	isBuiltin
	isShared
	// docker ps --filter status=… values other than running
	isPaused
	isExited
	isCreated
	isRestarting
	isDead
	isRemoving
	numIs
)

// isTable names each is: status: its normal form and the other spellings
// users may write. Which kinds have it, and what it means for each, is in
// the kind's filter table (imageFilter, …).
var isTable = [numIs]struct {
	name    string
	aliases []string
}{
	isDangling:   {name: "dangling"},
	isUnused:     {name: "unused"},
	isRunning:    {name: "running"},
	isStopped:    {name: "stopped"},
	isAnonymous:  {name: "anonymous"},
	isNamed:      {name: "named"},
	isInUse:      {name: "in-use", aliases: []string{"inuse", "used"}},
	isBuiltin:    {name: "builtin"},
	isShared:     {name: "shared"},
	isPaused:     {name: "paused"},
	isExited:     {name: "exited"},
	isCreated:    {name: "created"},
	isRestarting: {name: "restarting"},
	isDead:       {name: "dead"},
	isRemoving:   {name: "removing"},
}

// isValues maps what users may write after "is:" to its meaning.
var isValues = func() map[string]isValue {
	m := map[string]isValue{}
	for v, row := range isTable {
		m[row.name] = isValue(v)
		for _, a := range row.aliases {
			m[a] = isValue(v)
		}
	}
	return m
}()

func (v isValue) String() string { return isTable[v].name }

// containerOnly reports an is: status only containers have: one of
// docker's container states (running, which images have too, is not).
func (v isValue) containerOnly() bool {
	for k, spec := range filterSpecs {
		if spec.hasIs(v) != (Kind(k) == KindContainer) {
			return false
		}
	}
	return true
}

// stateIs is the is: predicate of each of docker's container states.
func stateIs(state string) func(*Container) bool {
	return func(c *Container) bool { return c.State == state }
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

// tokens are the token names rule 2 reads, with examples for the help.
var tokens = []struct {
	name     string
	examples []string
}{
	{"is", nil}, // its values are isTable's
	{"older", []string{"older:30d"}},
	{"newer", []string{"newer:12h"}},
	{"larger", []string{"larger:500MB"}},
	{"smaller", []string{"smaller:1GB"}},
	{"label", []string{"label:key", "label:key=value"}},
}

// tokenNames are the prefixes rule 2 reads as tokens.
var tokenNames = func() []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = t.name
	}
	return out
}()

// tokenHelp is "try is:, older:, …".
var tokenHelp = "try " + strings.Join(tokenNames, ":, ") + ":"

// isHelp lists the is: statuses: "use is:dangling, …, is:shared or a
// container state (is:paused, …)".
var isHelp = func() string {
	var general, states []string
	for v := range numIs {
		if v.containerOnly() {
			states = append(states, "is:"+v.String())
		} else {
			general = append(general, "is:"+v.String())
		}
	}
	return "use " + strings.Join(general, ", ") + " or a container state (" + strings.Join(states, ", ") + ")"
}()

// FilterHelp is the filter language in one paragraph, for the ? screen:
// every is: status and token, from the tables the parser and the matchers
// read.
func FilterHelp() string {
	var terms []string
	for v := range numIs {
		terms = append(terms, "is:"+v.String())
	}
	terms[len(terms)-1] += " (docker ps's states)"
	for _, t := range tokens {
		terms = append(terms, t.examples...)
	}
	return "Free text matches names, tags and IDs; tokens narrow it and combine with AND: " + strings.Join(terms, "  ")
}

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
		return cond{kind: condIs, is: v}, "is:" + v.String(), nil
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
		return fail("unknown filter %q (did you mean is:%s?)", term, v)
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
// on containers), sizes on networks, labels on build cache — what the
// kind's filter table lacks. The UI names them, so an empty result is
// never a mystery.
func (f Filter) NotFor(k Kind) []string {
	var out []string
	for i := range f.conds {
		if c := &f.conds[i]; !filterSpecs[k].has(c) {
			out = append(out, c.term())
		}
	}
	return out
}

// term is the condition as a normal-form query term.
func (c *cond) term() string {
	switch c.kind {
	case condIs:
		return "is:" + c.is.String()
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

// kindFilter is what the filter language reads of one kind of object: the
// whole per-kind part of the language. One generic matcher (match) reads
// it; NotFor and the help read which terms it has.
type kindFilter[T any] struct {
	// text reports free text in one of the object's text fields.
	text func(o *T, p *pattern) bool
	// is holds the kind's is: statuses (nil: the kind has not that one).
	is [numIs]func(*T) bool
	// size is the object's size for larger:/smaller: (nil: the kind has
	// no size). Unknown sizes match no size term.
	size func(*T) int64
	// created is the creation time for older:/newer: (zero: unknown,
	// matching no age term).
	created func(*T) time.Time
	// labels are the object's labels (nil: the kind has no labels).
	labels func(*T) map[string]string
}

// filterSpec is a kindFilter without its type: which terms the kind has.
type filterSpec interface {
	has(c *cond) bool
	hasIs(v isValue) bool
}

// has reports whether an object of the kind can match the term at all.
func (kf *kindFilter[T]) has(c *cond) bool {
	switch c.kind {
	case condIs:
		return kf.hasIs(c.is)
	case condLarger, condSmaller:
		return kf.size != nil
	case condLabel:
		return kf.labels != nil
	}
	return true
}

func (kf *kindFilter[T]) hasIs(v isValue) bool { return kf.is[v] != nil }

// readied is a filter readied for one kind at one moment (prepare): its
// terms, cheap ones first, and the cut-off time of each age term. It
// lives on the stack: filtering allocates nothing but its result.
type readied struct {
	n     int
	conds [MaxFilterTerms]*cond
	cut   [MaxFilterTerms]time.Time // now - age, for older: and newer:
}

// prepare readies f's terms for matching objects of the kind at now: the
// cheap ones first (the result does not depend on the order, the cost
// does: a status or a size rules most objects out before any text is
// searched). It reports false when a term is one the kind has not
// (is:dangling for a container, larger: for a network): then no object
// of the kind matches.
func (kf *kindFilter[T]) prepare(f *Filter, now time.Time, r *readied) bool {
	for rank := range condCost {
		for i := range f.conds {
			c := &f.conds[i]
			if condCost[c.kind] != rank {
				continue
			}
			if !kf.has(c) || r.n == len(r.conds) {
				return false
			}
			r.conds[r.n], r.cut[r.n] = c, now.Add(-c.age)
			r.n++
		}
	}
	return true
}

// condCost ranks the kinds of term by what checking one costs.
var condCost = [...]int{condIs: 0, condLarger: 1, condSmaller: 1, condOlder: 2, condNewer: 2, condLabel: 3, condText: 4}

// match reports whether the object satisfies every readied term.
func (kf *kindFilter[T]) match(r *readied, o *T) bool {
	for i := range r.n {
		c := r.conds[i]
		var ok bool
		switch c.kind {
		case condIs:
			ok = kf.is[c.is](o)
		case condLarger, condSmaller:
			ok = c.matchSize(kf.size(o))
		case condOlder, condNewer:
			ok = c.matchAge(kf.created(o), r.cut[i])
		case condLabel:
			ok = c.matchLabels(kf.labels(o))
		default:
			ok = kf.text(o, &c.pat)
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchOne is match for a single object.
func (kf *kindFilter[T]) matchOne(f *Filter, o *T, now time.Time) bool {
	var r readied
	return kf.prepare(f, now, &r) && kf.match(&r, o)
}

// filterSpecs are the kinds' filter tables by kind.
var filterSpecs = [NumKinds]filterSpec{
	KindImage:      &imageFilter,
	KindContainer:  &containerFilter,
	KindVolume:     &volumeFilter,
	KindNetwork:    &networkFilter,
	KindBuildCache: &buildRecordFilter,
}

// imageFilter: dangling = no tag; unused = no container (dangling images
// included, as image prune -a); running = a container in the running state
// (as docker ps's status=running); in-use = an active (running, paused or
// restarting) container; stopped = containers, none active. Free text:
// tags (<none>:<none> when there is none), ID.
var imageFilter = kindFilter[Image]{
	text: func(img *Image, p *pattern) bool {
		if p.in(img.ID) {
			return true
		}
		if len(img.Tags) == 0 {
			return p.in(img.Name())
		}
		for _, t := range img.Tags {
			if p.in(t) {
				return true
			}
		}
		return false
	},
	is: [numIs]func(*Image) bool{
		isDangling: (*Image).Dangling,
		isUnused:   func(img *Image) bool { return len(img.Containers) == 0 && img.RunningContainers == 0 },
		isRunning:  func(img *Image) bool { return img.Running > 0 },
		isInUse:    func(img *Image) bool { return img.RunningContainers > 0 },
		isStopped:  func(img *Image) bool { return len(img.Containers) > 0 && img.RunningContainers == 0 },
	},
	size:    func(img *Image) int64 { return img.Size },
	created: func(img *Image) time.Time { return img.Created },
	labels:  func(img *Image) map[string]string { return img.Labels },
}

// containerFilter: running, paused, exited, … = that state, as docker ps
// --filter status= (a paused container is not running); in-use = running,
// paused or restarting (docker system df's active); stopped = the others,
// what container prune removes. Free text: name, ID, image reference.
var containerFilter = kindFilter[Container]{
	text: func(ctr *Container, p *pattern) bool {
		return p.in(ctr.Name) || p.in(ctr.ID) || p.in(ctr.Image)
	},
	is: [numIs]func(*Container) bool{
		isInUse:      (*Container).Active,
		isStopped:    func(ctr *Container) bool { return !ctr.Active() },
		isRunning:    stateIs(StateRunning),
		isPaused:     stateIs(StatePaused),
		isRestarting: stateIs(StateRestarting),
		isExited:     stateIs(StateExited),
		isCreated:    stateIs(StateCreated),
		isDead:       stateIs(StateDead),
		isRemoving:   stateIs(StateRemoving),
	},
	size:    func(ctr *Container) int64 { return ctr.SizeRw },
	created: func(ctr *Container) time.Time { return ctr.Created },
	labels:  func(ctr *Container) map[string]string { return ctr.Labels },
}

// volumeFilter: anonymous and named by Anonymous; unused and in-use by
// InUse. Free text: name.
var volumeFilter = kindFilter[Volume]{
	text: func(v *Volume, p *pattern) bool { return p.in(v.Name) },
	is: [numIs]func(*Volume) bool{
		isAnonymous: (*Volume).Anonymous,
		isNamed:     func(v *Volume) bool { return !v.Anonymous() },
		isUnused:    func(v *Volume) bool { return !v.InUse() },
		isInUse:     (*Volume).InUse,
	},
	size:    func(v *Volume) int64 { return v.Size },
	created: func(v *Volume) time.Time { return v.Created },
	labels:  func(v *Volume) map[string]string { return v.Labels },
}

// networkFilter: unused = Unused; builtin = bridge, host, none; in-use =
// containers attached. Networks have no size. Free text: name, ID.
var networkFilter = kindFilter[Network]{
	text: func(n *Network, p *pattern) bool { return p.in(n.Name) || p.in(n.ID) },
	is: [numIs]func(*Network) bool{
		isUnused:  (*Network).Unused,
		isBuiltin: (*Network).Builtin,
		isInUse:   func(n *Network) bool { return len(n.Containers) > 0 },
	},
	created: func(n *Network) time.Time { return n.Created },
	labels:  func(n *Network) map[string]string { return n.Labels },
}

// buildRecordFilter: in-use and unused by InUse; shared by Shared. Records
// have no labels. Free text: ID, description.
var buildRecordFilter = kindFilter[BuildRecord]{
	text: func(r *BuildRecord, p *pattern) bool { return p.in(r.ID) || p.in(r.Description) },
	is: [numIs]func(*BuildRecord) bool{
		isInUse:  func(r *BuildRecord) bool { return r.InUse },
		isUnused: func(r *BuildRecord) bool { return !r.InUse },
		isShared: func(r *BuildRecord) bool { return r.Shared },
	},
	size:    func(r *BuildRecord) int64 { return r.Size },
	created: func(r *BuildRecord) time.Time { return r.Created },
}

// MatchImage reports whether the image satisfies every term (imageFilter).
func (f Filter) MatchImage(img *Image, now time.Time) bool {
	return imageFilter.matchOne(&f, img, now)
}

// MatchContainer reports whether the container satisfies every term
// (containerFilter).
func (f Filter) MatchContainer(ctr *Container, now time.Time) bool {
	return containerFilter.matchOne(&f, ctr, now)
}

// MatchVolume reports whether the volume satisfies every term
// (volumeFilter).
func (f Filter) MatchVolume(v *Volume, now time.Time) bool {
	return volumeFilter.matchOne(&f, v, now)
}

// MatchNetwork reports whether the network satisfies every term
// (networkFilter).
func (f Filter) MatchNetwork(n *Network, now time.Time) bool {
	return networkFilter.matchOne(&f, n, now)
}

// MatchBuildRecord reports whether the record satisfies every term
// (buildRecordFilter).
func (f Filter) MatchBuildRecord(r *BuildRecord, now time.Time) bool {
	return buildRecordFilter.matchOne(&f, r, now)
}

func (c *cond) matchLabels(labels map[string]string) bool {
	v, ok := labels[c.text]
	if !ok {
		return false
	}
	return !c.hasEq || v == c.value
}

// matchSize evaluates larger: and smaller:.
func (c *cond) matchSize(size int64) bool {
	if c.kind == condLarger {
		return size >= 0 && size > c.num
	}
	return size >= 0 && size < c.num
}

// matchAge evaluates older: and newer:, given now - age.
func (c *cond) matchAge(created, cut time.Time) bool {
	if c.kind == condOlder {
		return !created.IsZero() && created.Before(cut)
	}
	return !created.IsZero() && created.After(cut)
}

// FilterImages returns the indices, in order, of the images f matches.
func FilterImages(imgs []Image, f Filter, now time.Time) []int {
	return filterIdx(&imageFilter, imgs, f, now)
}

// FilterContainers returns the indices, in order, of the containers f
// matches.
func FilterContainers(ctrs []Container, f Filter, now time.Time) []int {
	return filterIdx(&containerFilter, ctrs, f, now)
}

// FilterVolumes returns the indices, in order, of the volumes f matches.
func FilterVolumes(vols []Volume, f Filter, now time.Time) []int {
	return filterIdx(&volumeFilter, vols, f, now)
}

// FilterNetworks returns the indices, in order, of the networks f matches.
func FilterNetworks(nets []Network, f Filter, now time.Time) []int {
	return filterIdx(&networkFilter, nets, f, now)
}

// FilterBuildCache returns the indices, in order, of the build-cache
// records f matches.
func FilterBuildCache(recs []BuildRecord, f Filter, now time.Time) []int {
	return filterIdx(&buildRecordFilter, recs, f, now)
}

func filterIdx[T any](kf *kindFilter[T], s []T, f Filter, now time.Time) []int {
	out := make([]int, 0, len(s))
	var r readied
	if !kf.prepare(&f, now, &r) {
		return out
	}
	for i := range s {
		if r.n == 0 || kf.match(&r, &s[i]) {
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
