package demo

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"
)

// emptyDiffID is the diff ID of an empty layer (sha256 of an empty tar).
const emptyDiffID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

// recordWindow is how far back BuildKit's garbage collector has left build
// cache records.
const recordWindow = 150 * 24 * time.Hour

type release struct {
	fam    *fam
	date   time.Time
	ver    string
	layers []*layer
	hist   []histEntry
	cfg    imageConfig
	id     string
	digest string
	img    *image
}

type fam struct {
	spec *famSpec
	rels []*release
}

type tagAt struct {
	date time.Time
	id   string
}

type diffEntry struct {
	diffID string
	size   int64
}

type gen struct {
	rng       *rand.Rand
	now       time.Time
	s         *state
	sc        Scale
	fams      map[string]*fam
	layerIdx  map[string]*layer
	tagHist   map[string][]tagAt
	diffCache map[string]diffEntry
	recs      map[string]*record // by chain ID or by a key for mounts and sources
	legacy    map[string]string  // legacy build cache: parent ID|step → image ID
	names     map[string]bool
	nets      map[string]*network // by name
	netSeq    int
	official  int
	lastAPI   []*record // records of the newest myteam/api build, for "in use"
	lastAPIAt time.Time
}

// generate builds the whole host from the seed.
func generate(seed int64, now time.Time, sc Scale) *state {
	g := &gen{
		rng:       rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		now:       now,
		s:         newState(),
		sc:        sc,
		fams:      map[string]*fam{},
		layerIdx:  map[string]*layer{},
		tagHist:   map[string][]tagAt{},
		diffCache: map[string]diffEntry{},
		recs:      map[string]*record{},
		legacy:    map[string]string{},
		names:     map[string]bool{},
		nets:      map[string]*network{},
	}
	g.releases()
	g.pullImages()
	g.teamBuilds()
	g.networks()
	g.containers()
	g.strayVolumes()
	for _, r := range g.lastAPI {
		r.inUse = true
	}
	return g.s
}

// ---- randomness ----

func (g *gen) hex64() string {
	var b [32]byte
	for i := 0; i < 4; i++ {
		binary.BigEndian.PutUint64(b[i*8:], g.rng.Uint64())
	}
	return hex.EncodeToString(b[:])
}

func (g *gen) sha() string { return "sha256:" + g.hex64() }

func (g *gen) hexN(n int) string { return g.hex64()[:n] }

func (g *gen) between(min, max int64) int64 {
	if max <= min {
		return min
	}
	return min + g.rng.Int64N(max-min+1)
}

// logBetween draws sizes spread over orders of magnitude.
func (g *gen) logBetween(min, max int64) int64 {
	if min < 1 {
		min = 1
	}
	if max <= min {
		return min
	}
	lo, hi := math.Log(float64(min)), math.Log(float64(max))
	return int64(math.Exp(lo + g.rng.Float64()*(hi-lo)))
}

func (g *gen) fbetween(a, b float64) float64 { return a + g.rng.Float64()*(b-a) }

func (g *gen) daysAgo(d float64) time.Time {
	return g.now.Add(-time.Duration(d * float64(24*time.Hour))).Truncate(time.Second)
}

// timeBetween draws an instant in [a, b].
func (g *gen) timeBetween(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(g.rng.Int64N(int64(b.Sub(a))))).Truncate(time.Second)
}

func (g *gen) recID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 25)
	for i := range b {
		b[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *gen) name() string {
	for {
		n := nameLeft[g.rng.IntN(len(nameLeft))] + "_" + nameRight[g.rng.IntN(len(nameRight))]
		if g.names[n] {
			n += strconv.Itoa(g.rng.IntN(9) + 1)
		}
		if !g.names[n] {
			g.names[n] = true
			return n
		}
	}
}

// ---- layers and history ----

// newLayer stacks a layer on parent, reusing the layer object when the
// same chain exists already.
func (g *gen) newLayer(parent []*layer, diffID string, size int64) *layer {
	pc := ""
	if len(parent) > 0 {
		pc = parent[len(parent)-1].chainID
	}
	chain := chainOf(pc, diffID)
	if l := g.layerIdx[chain]; l != nil {
		return l
	}
	l := &layer{chainID: chain, diffID: diffID, size: size}
	g.layerIdx[chain] = l
	return l
}

func (g *gen) freshDiff(size int64) string {
	if size == 0 {
		return emptyDiffID
	}
	return g.sha()
}

func (g *gen) expand(instr, ver string) string {
	if strings.Contains(instr, "{h}") {
		instr = strings.ReplaceAll(instr, "{h}", g.hex64())
	}
	if strings.Contains(instr, "{v}") {
		instr = strings.ReplaceAll(instr, "{v}", ver)
	}
	if strings.Contains(instr, "{m}") {
		m := ver
		if i := strings.IndexByte(ver, '.'); i >= 0 {
			m = ver[:i]
		}
		instr = strings.ReplaceAll(instr, "{m}", m)
	}
	return instr
}

// legacyBy is the history text of the classic builder.
func legacyBy(instr string) string {
	switch {
	case strings.HasPrefix(instr, "RUN "):
		return "/bin/sh -c " + strings.TrimPrefix(instr, "RUN ")
	case strings.HasPrefix(instr, "ADD "), strings.HasPrefix(instr, "COPY "):
		return "/bin/sh -c #(nop) " + instr
	case strings.HasPrefix(instr, "bazel "):
		return instr
	}
	return "/bin/sh -c #(nop)  " + instr
}

// buildkitBy is the history text BuildKit writes.
func buildkitBy(instr string) string {
	switch {
	case strings.HasPrefix(instr, "RUN --mount="):
		rest := strings.TrimPrefix(instr, "RUN ")
		mnt, cmd, _ := strings.Cut(rest, " ")
		return "RUN " + mnt + " /bin/sh -c " + cmd + " # buildkit"
	case strings.HasPrefix(instr, "RUN "):
		return "RUN /bin/sh -c " + strings.TrimPrefix(instr, "RUN ") + " # buildkit"
	case strings.HasPrefix(instr, "COPY "), strings.HasPrefix(instr, "ADD "):
		return instr + " # buildkit"
	}
	return instr
}

// ---- official images ----

func (g *gen) releases() {
	for i := range families {
		spec := &families[i]
		f := &fam{spec: spec}
		g.fams[spec.key] = f
		d := float64(spec.start)
		end := float64(spec.end)
		for d >= end && d > 0.5 {
			date := g.daysAgo(d)
			var base *release
			if len(spec.bases) > 0 {
				base = g.baseRelease(spec.bases, date.Add(-time.Duration(g.rng.IntN(3)+1)*24*time.Hour))
				if base == nil {
					d -= float64(spec.every)
					continue
				}
			}
			rel := &release{fam: f, date: date, id: g.sha(), digest: g.hex64()}
			rel.ver = spec.ver(len(f.rels), date)
			cfg := spec.cfg
			if base != nil {
				rel.layers = append(rel.layers, base.layers...)
				rel.hist = append(rel.hist, base.hist...)
				cfg = base.cfg.merge(spec.cfg)
			}
			rel.cfg = cfg
			for k, st := range spec.steps {
				by := legacyBy(g.expand(st.instr, rel.ver))
				at := date.Add(time.Duration(k) * time.Second)
				if st.kind == meta {
					rel.hist = append(rel.hist, histEntry{created: at, createdBy: by, empty: true})
					continue
				}
				size := g.between(st.min, st.max)
				l := g.newLayer(rel.layers, g.freshDiff(size), size)
				rel.layers = append(rel.layers, l)
				rel.hist = append(rel.hist, histEntry{created: at, createdBy: by})
			}
			f.rels = append(f.rels, rel)
			d -= float64(spec.every) * g.fbetween(0.8, 1.2)
		}
	}
}

// baseRelease is the newest release of any of the families at or before t.
func (g *gen) baseRelease(keys []string, t time.Time) *release {
	var best *release
	for _, k := range keys {
		f := g.fams[k]
		if f == nil {
			continue
		}
		for _, r := range f.rels {
			if !r.date.After(t) && (best == nil || r.date.After(best.date)) {
				best = r
			}
		}
	}
	return best
}

func (g *gen) pullImages() {
	type ev struct {
		date time.Time
		spec *pullSpec
		seq  int
	}
	var evs []ev
	for i := range pulls {
		p := &pulls[i]
		f := g.fams[p.fam]
		if f == nil || len(f.rels) == 0 {
			continue
		}
		first := f.rels[0].date
		for k := 0; k < p.pulls; k++ {
			var at time.Time
			if k == 0 {
				at = first.Add(time.Duration(g.rng.IntN(20*24)+1) * time.Hour)
			} else {
				at = g.timeBetween(first, g.now.Add(-time.Hour))
			}
			if at.After(g.now) {
				at = g.now.Add(-time.Hour)
			}
			evs = append(evs, ev{at, p, len(evs)})
		}
	}
	sort.Slice(evs, func(a, b int) bool {
		if !evs[a].date.Equal(evs[b].date) {
			return evs[a].date.Before(evs[b].date)
		}
		return evs[a].seq < evs[b].seq
	})
	budget := int(math.Round(float64(g.sc.Images) * 0.37))
	for _, e := range evs {
		rel := g.baseRelease([]string{e.spec.fam}, e.date)
		if rel == nil {
			continue
		}
		if rel.img == nil {
			if g.official >= budget {
				continue
			}
			rel.img = &image{
				id:      rel.id,
				created: rel.date,
				layers:  rel.layers,
				history: rel.hist,
				config:  rel.cfg,
			}
			g.s.addImage(rel.img)
			g.official++
		}
		repos := map[string]bool{}
		for _, ref := range e.spec.refs {
			g.tag(rel.img, ref, e.date)
			repos[repoName(ref)] = true
		}
		for _, repo := range sortedKeys(repos) {
			g.s.addRef(rel.img, repo+"@sha256:"+rel.digest)
		}
	}
}

func (g *gen) tag(img *image, ref string, at time.Time) {
	g.s.addRef(img, ref)
	g.tagHist[ref] = append(g.tagHist[ref], tagAt{at, img.id})
}

// tagged is the image ref named at t, or nil.
func (g *gen) tagged(ref string, t time.Time) *image {
	var id string
	for _, h := range g.tagHist[ref] {
		if !h.date.After(t) {
			id = h.id
		}
	}
	if id == "" {
		return nil
	}
	return g.s.images[id]
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- the team's builds ----

type repoState struct {
	spec      *teamSpec
	base      *release
	stageBase *release
	deps      int
	major     int
	minor     int
	patch     int
	builds    int
	pr        int
}

func (g *gen) teamBuilds() {
	n := g.sc.Images - g.official
	if n < 0 {
		n = 0
	}
	var wsum float64
	for _, t := range teams {
		wsum += t.weight
	}
	counts := make([]int, len(teams))
	type frac struct {
		i int
		f float64
	}
	var fr []frac
	given := 0
	for i, t := range teams {
		x := float64(n) * t.weight / wsum
		counts[i] = int(x)
		given += counts[i]
		fr = append(fr, frac{i, x - float64(counts[i])})
	}
	sort.SliceStable(fr, func(a, b int) bool { return fr[a].f > fr[b].f })
	for k := 0; given < n; k++ {
		counts[fr[k%len(fr)].i]++
		given++
	}
	var last *repoState
	for i := range teams {
		if rs := g.buildRepo(&teams[i], counts[i]); rs != nil && !teams[i].legacy {
			last = rs
		}
	}
	// A legacy parent that lost its tags hides from the list (untagged,
	// with children): build a little more until the count is reached.
	for k := 0; last != nil && g.listed() < g.sc.Images && k < 1000; k++ {
		g.build(last, g.now.Add(-30*time.Minute+time.Duration(k)*10*time.Second), false)
	}
}

func (g *gen) listed() int {
	children := g.s.childCounts()
	n := 0
	for _, img := range g.s.images {
		if topLevel(img, children) {
			n++
		}
	}
	return n
}

func (g *gen) buildRepo(spec *teamSpec, n int) *repoState {
	if n <= 0 {
		return nil
	}
	ghosts := 0
	if !spec.legacy {
		ghosts = int(math.Round(float64(n) * 0.15))
	}
	total := n + ghosts
	days := make([]float64, total)
	for i := range days {
		days[i] = float64(spec.start) * math.Pow(g.rng.Float64(), 1.6)
		if days[i] < 0.05 {
			days[i] = 0.05
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(days)))
	ghost := make([]bool, total)
	for k := 0; k < ghosts; k++ {
		for {
			i := g.rng.IntN(total - 1) // never the newest build
			if !ghost[i] {
				ghost[i] = true
				break
			}
		}
	}
	rs := &repoState{spec: spec, major: 1, minor: g.rng.IntN(4)}
	for i, d := range days {
		g.build(rs, g.daysAgo(d), ghost[i])
	}
	return rs
}

func (g *gen) build(rs *repoState, at time.Time, ghost bool) {
	spec := rs.spec
	if rs.builds > 0 && g.rng.Float64() < 0.25 {
		rs.deps++
	}
	if spec.legacy {
		g.legacyBuild(rs, at)
		return
	}
	newest := g.baseRelease(spec.bases, at.Add(-24*time.Hour))
	if newest == nil {
		// Earlier than the base's first release: build right after it.
		for _, k := range spec.bases {
			if f := g.fams[k]; f != nil && len(f.rels) > 0 && (newest == nil || f.rels[0].date.Before(newest.date)) {
				newest = f.rels[0]
			}
		}
		if newest == nil {
			return
		}
		at = newest.date.Add(48 * time.Hour)
		if at.After(g.now) {
			at = g.now.Add(-time.Hour)
		}
	}
	if rs.base == nil || (newest != rs.base && g.rng.Float64() < 0.35) {
		rs.base = newest
	}
	var stageLayers []*layer
	var stageInstr []string
	if len(spec.stage) > 0 {
		sb := g.baseRelease(spec.stageBases, at.Add(-24*time.Hour))
		if sb != nil && (rs.stageBase == nil || (sb != rs.stageBase && g.rng.Float64() < 0.35)) {
			rs.stageBase = sb
		}
		if rs.stageBase != nil {
			stageLayers = append(stageLayers, rs.stageBase.layers...)
			for k, st := range spec.stage {
				if st.kind == meta {
					continue
				}
				l := g.stepLayer(spec.repo+"|stage", k, st, rs, stageLayers)
				stageLayers = append(stageLayers, l)
				stageInstr = append(stageInstr, st.instr)
			}
		}
	}
	layers := append([]*layer(nil), rs.base.layers...)
	hist := append([]histEntry(nil), rs.base.hist...)
	var ownInstr []string
	for k, st := range spec.steps {
		by := buildkitBy(g.expand(st.instr, ""))
		t := at.Add(time.Duration(k) * time.Second)
		if st.kind == meta {
			hist = append(hist, histEntry{created: t, createdBy: by, comment: "buildkit.dockerfile.v0", empty: true})
			continue
		}
		l := g.stepLayer(spec.repo, k, st, rs, layers)
		layers = append(layers, l)
		hist = append(hist, histEntry{created: t, createdBy: by, comment: "buildkit.dockerfile.v0"})
		ownInstr = append(ownInstr, st.instr)
	}
	rs.builds++
	if at.After(g.now.Add(-recordWindow)) {
		recs := g.recordBuild(rs, at, layers, len(rs.base.layers), ownInstr, stageLayers, stageInstr)
		if spec.repo == "myteam/api" && at.After(g.lastAPIAt) {
			g.lastAPI, g.lastAPIAt = recs, at
		}
	}
	if ghost {
		return
	}
	cfg := rs.base.cfg.merge(spec.cfg)
	ver := g.nextVersion(rs)
	labels := map[string]string{
		"org.opencontainers.image.source":   "https://github.com/" + strings.TrimPrefix(spec.repo, "ci/"),
		"org.opencontainers.image.revision": g.hexN(40),
		"org.opencontainers.image.created":  at.UTC().Format(time.RFC3339),
	}
	if ver != "" {
		labels["org.opencontainers.image.version"] = ver
	}
	cfg = cfg.merge(imageConfig{labels: labels})
	img := &image{id: g.sha(), created: at.Add(time.Duration(len(spec.steps)) * time.Second), layers: layers, history: hist,
		config: cfg, buildkit: true, comment: "buildkit.dockerfile.v0"}
	g.s.addImage(img)
	g.tagBuild(rs, img, at, ver)
}

// stepLayer makes the layer of one build step: a dependency step yields
// the same content while the dependencies are unchanged.
func (g *gen) stepLayer(key string, k int, st step, rs *repoState, parent []*layer) *layer {
	if st.kind == deps {
		ck := key + "|" + strconv.Itoa(k) + "|" + strconv.Itoa(rs.deps)
		de, ok := g.diffCache[ck]
		if !ok {
			size := g.between(st.min, st.max)
			de = diffEntry{g.freshDiff(size), size}
			g.diffCache[ck] = de
		}
		return g.newLayer(parent, de.diffID, de.size)
	}
	size := g.between(st.min, st.max)
	return g.newLayer(parent, g.freshDiff(size), size)
}

// nextVersion decides whether a build is a release and bumps the version.
func (g *gen) nextVersion(rs *repoState) string {
	if rs.spec.tagStyle != "semver" {
		return ""
	}
	if g.rng.Float64() >= 0.6 {
		return ""
	}
	if g.rng.Float64() < 0.12 {
		rs.minor++
		rs.patch = 0
	} else {
		rs.patch++
	}
	return fmt.Sprintf("%d.%d.%d", rs.major, rs.minor, rs.patch)
}

func (g *gen) tagBuild(rs *repoState, img *image, at time.Time, ver string) {
	repo := rs.spec.repo
	switch rs.spec.tagStyle {
	case "semver":
		if ver != "" {
			g.tag(img, repo+":"+ver, at)
			g.tag(img, repo+":latest", at)
			if rs.spec.registry && g.rng.Float64() < 0.2 {
				g.tag(img, "registry.example.com/"+repo+":"+ver, at)
				g.s.addRef(img, "registry.example.com/"+repo+"@sha256:"+g.hex64())
			}
			if (repo == "myteam/api" || repo == "myteam/web") && g.rng.Float64() < 0.3 {
				g.tag(img, repo+":staging", at)
			}
			return
		}
		if g.rng.Float64() < 0.4 {
			g.tag(img, repo+":latest", at)
			return
		}
		if rs.pr == 0 || g.rng.Float64() < 0.65 {
			rs.pr = 100 + rs.builds*3 + g.rng.IntN(3)
		}
		g.tag(img, repo+":pr-"+strconv.Itoa(rs.pr), at)
	case "date":
		g.tag(img, repo+":latest", at)
		if g.rng.Float64() < 0.6 {
			g.tag(img, repo+":"+at.Format("2006.01.02"), at)
		}
	default:
		g.tag(img, repo+":latest", at)
	}
}

// legacyBuild runs the classic builder: one image per instruction, each
// the parent of the next, reused from its cache when nothing changed.
func (g *gen) legacyBuild(rs *repoState, at time.Time) {
	spec := rs.spec
	from := g.tagged(spec.legacyFrom, at)
	var layers []*layer
	var hist []histEntry
	var cfg imageConfig
	parent := ""
	if from != nil {
		layers, hist, cfg, parent = from.layers, from.history, from.config, from.id
	} else if rel := g.baseRelease([]string{"ubuntu-jammy"}, at); rel != nil {
		layers, hist, cfg = rel.layers, rel.hist, rel.cfg
	} else {
		return
	}
	cfg = cfg.merge(spec.cfg)
	cur := parent
	for k, st := range spec.steps {
		instr := g.expand(st.instr, "")
		key := cur + "|" + strconv.Itoa(k)
		switch st.kind {
		case fresh:
			key += "|" + g.hexN(16)
		case deps:
			key += "|" + strconv.Itoa(rs.deps)
		}
		if id, ok := g.legacy[key]; ok {
			if img := g.s.images[id]; img != nil {
				cur, layers, hist = img.id, img.layers, img.history
				continue
			}
		}
		t := at.Add(time.Duration(k) * 20 * time.Second)
		hist = append(append([]histEntry(nil), hist...), histEntry{created: t, createdBy: legacyBy(instr), empty: st.kind == meta})
		if st.kind != meta {
			var l *layer
			if st.kind == deps {
				l = g.stepLayer(spec.repo, k, st, rs, layers)
			} else {
				size := g.between(st.min, st.max)
				l = g.newLayer(layers, g.freshDiff(size), size)
			}
			layers = append(append([]*layer(nil), layers...), l)
		}
		img := &image{id: g.sha(), parent: cur, created: t, layers: layers, history: hist, config: cfg}
		g.s.addImage(img)
		g.legacy[key] = img.id
		cur = img.id
	}
	rs.builds++
	final := g.s.images[cur]
	if final == nil || final.id == parent {
		return
	}
	g.tagBuild(rs, final, at, g.nextVersion(rs))
}

// recordBuild leaves the build's traces in the build cache and returns
// the records it used.
func (g *gen) recordBuild(rs *repoState, at time.Time, layers []*layer, nbase int, own []string, stage []*layer, stageInstr []string) []*record {
	spec := rs.spec
	var used []*record
	use := func(key string, mk func() *record) *record {
		r := g.recs[key]
		if r == nil {
			r = mk()
			r.created = at
			g.recs[key] = r
			g.s.records[r.id] = r
		}
		r.usage++
		if at.After(r.lastUsed) {
			r.lastUsed = at.Add(time.Duration(g.rng.IntN(50)+1) * time.Second)
		}
		used = append(used, r)
		return r
	}
	chainRecords := func(ls []*layer, nb int, base *release, label string, instr []string) {
		parent := ""
		n := len(instr) + 1
		for k, l := range ls {
			desc := ""
			if k < nb {
				desc = "pulled from " + pulledRef(base) + "@sha256:" + base.digest
			} else {
				desc = fmt.Sprintf("[%s%d/%d] %s", label, k-nb+2, n, instr[k-nb])
			}
			p := parent
			r := use(l.chainID, func() *record {
				return &record{id: g.recID(), parent: p, typ: "regular", desc: desc, size: l.size, chainID: l.chainID}
			})
			parent = r.id
		}
	}
	label := ""
	if len(stage) > 0 && rs.stageBase != nil {
		chainRecords(stage, len(rs.stageBase.layers), rs.stageBase, "build ", stageInstr)
		label = "stage-1 "
	}
	chainRecords(layers, nbase, rs.base, label, own)
	for _, target := range spec.cacheMount {
		cmd := ""
		for _, st := range append(append([]step(nil), spec.stage...), spec.steps...) {
			if strings.Contains(st.instr, "target="+target) {
				_, cmd, _ = strings.Cut(strings.TrimPrefix(st.instr, "RUN --mount="), " ")
			}
		}
		r := use(spec.repo+"|mount|"+target, func() *record {
			return &record{id: g.recID(), typ: "exec.cachemount", desc: "cached mount " + target + " from exec /bin/sh -c " + cmd, size: g.logBetween(150*mB, 1200*mB)}
		})
		r.size += g.between(0, 15*mB)
	}
	if spec.context[1] > 0 {
		r := use(spec.repo+"|context", func() *record {
			return &record{id: g.recID(), typ: "source.local", desc: "local source for context", size: g.logBetween(spec.context[0], spec.context[1])}
		})
		r.size = g.logBetween(spec.context[0], spec.context[1])
		use(spec.repo+"|dockerfile", func() *record {
			return &record{id: g.recID(), typ: "source.local", desc: "local source for dockerfile", size: g.between(1*kB, 4*kB)}
		})
	}
	var out []*record
	for _, r := range used {
		if r.typ != "regular" {
			out = append(out, r)
		}
	}
	return out
}

// pulledRef is the fully qualified reference a family is pulled by.
func pulledRef(r *release) string {
	ref := r.fam.spec.ref
	first := ref
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		first = ref[:i]
	}
	switch {
	case strings.ContainsAny(first, ".:") && strings.Contains(ref, "/"):
		return ref
	case strings.Contains(ref, "/"):
		return "docker.io/" + ref
	}
	return "docker.io/library/" + ref
}

// ---- networks ----

func (g *gen) addNetwork(name, driver string, created time.Time, labels map[string]string) *network {
	n := &network{id: g.hex64(), name: name, driver: driver, scope: "local", created: created, labels: labels, nextIP: 2}
	switch driver {
	case "bridge":
		if name == "bridge" {
			n.subnet, n.gateway = "172.17.0.0/16", "172.17.0.1"
			n.options = map[string]string{
				"com.docker.network.bridge.default_bridge":       "true",
				"com.docker.network.bridge.enable_icc":           "true",
				"com.docker.network.bridge.enable_ip_masquerade": "true",
				"com.docker.network.bridge.host_binding_ipv4":    "0.0.0.0",
				"com.docker.network.bridge.name":                 "docker0",
				"com.docker.network.driver.mtu":                  "1500",
			}
		} else {
			g.netSeq++
			if g.netSeq <= 14 {
				n.subnet = fmt.Sprintf("172.%d.0.0/16", 17+g.netSeq)
				n.gateway = fmt.Sprintf("172.%d.0.1", 17+g.netSeq)
			} else {
				n.subnet = fmt.Sprintf("192.168.%d.0/20", (g.netSeq-15)*16%256)
				n.gateway = fmt.Sprintf("192.168.%d.1", (g.netSeq-15)*16%256)
			}
			n.options = map[string]string{}
		}
	}
	g.s.networks[n.id] = n
	g.nets[name] = n
	return n
}

func (g *gen) networks() {
	start := g.daysAgo(g.fbetween(2, 9))
	for _, b := range []string{"bridge", "host", "none"} {
		drv := b
		if b == "none" {
			drv = "null"
		}
		n := g.addNetwork(b, drv, start, map[string]string{})
		n.builtin = true
	}
}

func composeLabels(project string, extra map[string]string) map[string]string {
	l := map[string]string{"com.docker.compose.project": project, "com.docker.compose.version": "2.21.0"}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

func (g *gen) projectNetwork(project, name string, created time.Time, internal bool) *network {
	full := project + "_" + name
	if n := g.nets[full]; n != nil {
		return n
	}
	n := g.addNetwork(full, "bridge", created, composeLabels(project, map[string]string{"com.docker.compose.network": name}))
	n.internal = internal
	return n
}

// ---- containers and volumes ----

var volumeSizes = map[string][2]int64{
	"/var/lib/postgresql/data":      {45 * mB, 300 * mB},
	"/data":                         {100, 50 * mB},
	"/var/lib/mysql":                {200 * mB, 1500 * mB},
	"/data/db":                      {300 * mB, 3 * gB},
	"/data/configdb":                {4 * kB, 100 * kB},
	"/var/lib/rabbitmq":             {1 * mB, 50 * mB},
	"/prometheus":                   {1 * gB, 6 * gB},
	"/var/lib/grafana":              {5 * mB, 60 * mB},
	"/usr/share/elasticsearch/data": {200 * mB, 4 * gB},
	"/var/lib/registry":             {50 * mB, 2 * gB},
	"/var/lib/docker":               {500 * mB, 5 * gB},
	"/var/lib/localstack":           {10 * mB, 300 * mB},
}

func (g *gen) volumeSize(dest string, named bool) int64 {
	r, ok := volumeSizes[dest]
	if !ok {
		r = [2]int64{4 * kB, 50 * mB}
	}
	if named && dest == "/var/lib/postgresql/data" {
		r = [2]int64{200 * mB, 3 * gB}
	}
	return g.logBetween(r[0], r[1])
}

func (g *gen) addVolume(name string, created time.Time, labels map[string]string, size int64) *volume {
	v := &volume{name: name, driver: "local", created: created, labels: labels, size: size}
	if labels == nil {
		v.labels = nil
	}
	g.s.volumes[name] = v
	return v
}

func (g *gen) volumeBudget() int { return g.sc.Volumes - len(g.s.volumes) - len(strayVolumes) }

// attach connects a container to a network, with an address when running.
func (g *gen) attach(c *container, n *network, aliases []string) {
	ep := endpoint{netID: n.id, netName: n.name, aliases: aliases}
	if c.isRunning() && n.subnet != "" {
		base := strings.TrimSuffix(n.gateway, ".1")
		ep.ip = fmt.Sprintf("%s.%d", base, n.nextIP)
		n.nextIP++
		ep.gateway = n.gateway
		ep.prefix, _ = strconv.Atoi(n.subnet[strings.IndexByte(n.subnet, '/')+1:])
		ep.mac = macFor(ep.ip)
		ep.epID = g.hex64()
	} else if c.isRunning() {
		ep.epID = g.hex64()
	}
	c.networks = append(c.networks, ep)
}

func macFor(ip string) string {
	parts := strings.Split(ip, ".")
	b := []string{"02", "42"}
	for _, p := range parts {
		n, _ := strconv.Atoi(p)
		b = append(b, fmt.Sprintf("%02x", n))
	}
	return strings.Join(b, ":")
}

// newContainer fills what every container has.
func (g *gen) newContainer(name, ref string, img *image, created time.Time, state string) *container {
	c := &container{
		id:       g.hex64(),
		name:     name,
		imageRef: ref,
		imageID:  img.id,
		layers:   img.layers,
		created:  created,
		state:    state,
		labels:   map[string]string{},
	}
	for k, v := range img.config.labels {
		c.labels[k] = v
	}
	cmd := append(append([]string(nil), img.config.entrypoint...), img.config.cmd...)
	if len(cmd) == 0 {
		cmd = []string{"/bin/sh"}
	}
	c.path, c.args = cmd[0], cmd[1:]
	switch state {
	case "running", "paused":
		c.started = g.timeBetween(created, created.Add(10*time.Second))
	case "exited", "dead":
		c.started = g.timeBetween(created, created.Add(10*time.Second))
		maxRun := g.now.Sub(c.started)
		run := time.Duration(g.logBetween(int64(2*time.Second), int64(maxRun)))
		c.finished = c.started.Add(run)
		if c.finished.After(g.now) {
			c.finished = g.now.Add(-time.Second)
		}
	}
	return c
}

// anonVolumes gives the container an anonymous volume for every VOLUME of
// its image not covered by another mount.
func (g *gen) anonVolumes(c *container, img *image) {
	for _, dest := range img.config.volumes {
		covered := false
		for _, m := range c.mounts {
			if m.dest == dest {
				covered = true
			}
		}
		if covered {
			continue
		}
		size := g.volumeSize(dest, false)
		if c.state == "created" {
			size = 0
		}
		v := g.addVolume(g.hex64(), c.created, nil, size)
		c.mounts = append(c.mounts, mount{typ: "volume", name: v.name, source: v.mountpoint(), dest: dest, driver: "local", rw: true})
	}
}

func (g *gen) containerSize(min, max int64) int64 {
	if max == 0 {
		return 0
	}
	return g.logBetween(min, max)
}

// adhocSize is the writable layer of a container someone ran by hand.
func (g *gen) adhocSize() int64 {
	x := g.rng.Float64()
	switch {
	case x < 0.5:
		return g.between(0, 100*kB)
	case x < 0.85:
		return g.logBetween(100*kB, 50*mB)
	case x < 0.97:
		return g.logBetween(50*mB, 300*mB)
	}
	return g.logBetween(300*mB, 1500*mB)
}

// resolveRef is the image ref named at t, with the @release form meaning
// a version tag older than the newest.
func (g *gen) resolveRef(ref string, t time.Time) (string, *image) {
	if repo, ok := strings.CutSuffix(ref, ":@release"); ok {
		type cand struct {
			ref string
			at  time.Time
		}
		var cs []cand
		for r, hist := range g.tagHist {
			if !strings.HasPrefix(r, repo+":") {
				continue
			}
			tag := strings.TrimPrefix(r, repo+":")
			if tag == "" || tag[0] < '0' || tag[0] > '9' {
				continue
			}
			if !hist[0].date.After(t) {
				cs = append(cs, cand{r, hist[0].date})
			}
		}
		sort.Slice(cs, func(a, b int) bool {
			if !cs[a].at.Equal(cs[b].at) {
				return cs[a].at.After(cs[b].at)
			}
			return cs[a].ref < cs[b].ref
		})
		switch {
		case len(cs) >= 3:
			ref = cs[2].ref
		case len(cs) > 0:
			ref = cs[len(cs)-1].ref
		default:
			ref = repo + ":latest"
		}
	}
	if img := g.tagged(ref, t); img != nil {
		return ref, img
	}
	// Not there yet then: the first image it named.
	if h := g.tagHist[ref]; len(h) > 0 {
		return ref, g.s.images[h[0].id]
	}
	return ref, nil
}

func (g *gen) containers() {
	total := 0
	budget := g.sc.Containers
	for _, p := range projects {
		if total >= budget {
			break
		}
		up := g.daysAgo(g.fbetween(p.up[0], p.up[1]))
		firstUp := up.Add(-time.Duration(g.fbetween(0, 300) * float64(24*time.Hour)))
		def := g.projectNetwork(p.name, "default", firstUp, false)
		var backend *network
		if p.backend {
			backend = g.projectNetwork(p.name, "backend", firstUp, true)
		}
		for k, svc := range p.services {
			if total >= budget {
				break
			}
			ref, img := g.resolveRef(svc.ref, up)
			if img == nil {
				continue
			}
			created := up.Add(time.Duration(k) * time.Second)
			if !created.After(img.created) {
				created = img.created.Add(time.Hour)
			}
			if created.After(g.now) {
				created = g.now.Add(-time.Minute)
			}
			c := g.newContainer(p.name+"-"+svc.name+"-1", ref, img, created, p.state)
			g.names[c.name] = true
			for k, v := range composeLabels(p.name, map[string]string{
				"com.docker.compose.service":              svc.name,
				"com.docker.compose.container-number":     "1",
				"com.docker.compose.oneoff":               "False",
				"com.docker.compose.config-hash":          g.hex64(),
				"com.docker.compose.depends_on":           "",
				"com.docker.compose.image":                img.id,
				"com.docker.compose.project.config_files": "/home/dev/src/" + p.name + "/compose.yaml",
				"com.docker.compose.project.working_dir":  "/home/dev/src/" + p.name,
			}) {
				c.labels[k] = v
			}
			if p.state == "exited" {
				c.exitCode = svc.exit
			}
			c.sizeRw = g.containerSize(svc.rw[0], svc.rw[1])
			if p.state == "created" {
				c.sizeRw = 0
			}
			for _, vm := range svc.vols {
				name := p.name + "_" + vm[0]
				v := g.s.volumes[name]
				if v == nil {
					v = g.addVolume(name, firstUp, composeLabels(p.name, map[string]string{"com.docker.compose.volume": vm[0]}), g.volumeSize(vm[1], true))
				}
				c.mounts = append(c.mounts, mount{typ: "volume", name: name, source: v.mountpoint(), dest: vm[1], driver: "local", mode: "z", rw: true})
			}
			for _, b := range svc.binds {
				c.mounts = append(c.mounts, mount{typ: "bind", source: b[0], dest: b[1], mode: "rw", rw: true, propagation: "rprivate"})
			}
			g.anonVolumes(c, img)
			g.attach(c, def, []string{p.name + "-" + svc.name + "-1", svc.name, c.id[:12]})
			if svc.backend && backend != nil {
				g.attach(c, backend, []string{p.name + "-" + svc.name + "-1", svc.name, c.id[:12]})
			}
			c.netMode = def.name
			if c.isRunning() {
				for _, pt := range svc.ports {
					c.ports = append(c.ports, port{private: pt[1], public: pt[0], typ: "tcp"})
				}
			}
			g.s.addContainer(c)
			total++
		}
	}
	// Standalone: a local registry, and a paused shell.
	if total < budget {
		if _, img := g.resolveRef("registry:2", g.now); img != nil {
			created := g.timeBetween(img.created.Add(time.Hour), g.now.Add(-30*24*time.Hour))
			c := g.newContainer("registry", "registry:2", img, created, "running")
			g.names[c.name] = true
			c.started = g.daysAgo(g.fbetween(2, 9)).Add(5 * time.Second) // restarted with the daemon
			c.sizeRw = g.between(0, 2*kB)
			g.anonVolumes(c, img)
			g.attach(c, g.nets["bridge"], nil)
			c.netMode = "default"
			c.ports = []port{{5000, 5000, "tcp"}}
			g.s.addContainer(c)
			total++
		}
	}
	if total < budget {
		if ref, img := g.resolveRef("ubuntu:22.04", g.now.Add(-2*24*time.Hour)); img != nil {
			created := g.now.Add(-time.Duration(g.fbetween(20, 40) * float64(time.Hour))).Truncate(time.Second)
			if created.Before(img.created) {
				created = img.created.Add(time.Hour)
			}
			c := g.newContainer("dev-shell", ref, img, created, "paused")
			g.names[c.name] = true
			c.path, c.args = "bash", nil
			c.sizeRw = g.logBetween(250*mB, 450*mB)
			c.mounts = append(c.mounts, mount{typ: "bind", source: "/home/dev", dest: "/home/dev", mode: "", rw: true, propagation: "rprivate"})
			g.attach(c, g.nets["bridge"], nil)
			c.netMode = "default"
			g.s.addContainer(c)
			total++
		}
	}
	g.adhocContainers(budget - total)
}

func (g *gen) adhocContainers(n int) {
	if n <= 0 {
		return
	}
	var official, team []*image
	for _, img := range g.s.sortedImages() {
		if len(img.everTags) == 0 {
			continue // legacy intermediates
		}
		if img.buildkit || img.parent != "" {
			team = append(team, img)
		} else {
			official = append(official, img)
		}
	}
	if len(official)+len(team) == 0 {
		return
	}
	ci := n / 6
	deadDone := false
	for i := 0; i < n; i++ {
		var img *image
		var ref string
		isCI := i < ci
		if isCI {
			repo := "ci/builder"
			if g.rng.IntN(2) == 0 {
				repo = "ci/runner"
			}
			at := g.daysAgo(g.fbetween(0.1, 60))
			ref = repo + ":latest"
			img = g.tagged(ref, at)
			if img == nil {
				isCI = false
			}
		}
		if !isCI {
			pool := official
			if len(team) > 0 && (len(official) == 0 || g.rng.Float64() < 0.3) {
				pool = team
			}
			img = pool[g.rng.IntN(len(pool))]
			if len(img.config.volumes) > 0 && g.volumeBudget() < len(img.config.volumes) {
				// Out of volumes: pick an image that declares none.
				for tries := 0; tries < 20 && len(img.config.volumes) > 0; tries++ {
					img = pool[g.rng.IntN(len(pool))]
				}
				if len(img.config.volumes) > 0 {
					continue
				}
			}
			ref = img.everTags[g.rng.IntN(len(img.everTags))]
		}
		// When the tag named this image.
		from, to := img.created.Add(time.Hour), g.now.Add(-time.Minute)
		hist := g.tagHist[ref]
		for k, h := range hist {
			if h.id == img.id {
				if h.date.After(from) {
					from = h.date
				}
				if k+1 < len(hist) {
					to = hist[k+1].date
				}
				break
			}
		}
		if isCI {
			from = maxTime(from, g.now.Add(-60*24*time.Hour))
		}
		if !to.After(from) {
			to = from.Add(time.Hour)
		}
		created := g.timeBetween(from, to)
		if created.After(g.now) {
			created = g.now.Add(-time.Minute)
		}
		state := "exited"
		x := g.rng.Float64()
		switch {
		case isCI:
		case x < 0.1:
			state = "created"
		case !deadDone && x < 0.12:
			state, deadDone = "dead", true
		}
		if g.rng.Float64() < 0.1 && !isCI {
			ref = shortID(img.id)
		}
		var name string
		if isCI {
			name = fmt.Sprintf("ci-job-%d", 48000+i*7+g.rng.IntN(7))
			g.names[name] = true
		} else {
			name = g.name()
		}
		c := g.newContainer(name, ref, img, created, state)
		if !isCI && g.rng.Float64() < 0.5 {
			cmd := adhocCmds[g.rng.IntN(len(adhocCmds))]
			c.path, c.args = cmd[0], cmd[1:]
		}
		switch state {
		case "exited":
			if isCI {
				if g.rng.Float64() < 0.2 {
					c.exitCode = 1
				}
				c.finished = c.started.Add(time.Duration(g.between(30, 1500)) * time.Second)
				if c.finished.After(g.now) {
					c.finished = g.now.Add(-time.Second)
				}
			} else {
				c.exitCode = pickExit(g.rng)
			}
			c.sizeRw = g.adhocSize()
		case "dead":
			c.exitCode = 137
			c.sizeRw = g.adhocSize()
		}
		if isCI {
			c.sizeRw = g.logBetween(1*mB, 300*mB)
			c.labels["com.example.ci.job"] = strings.TrimPrefix(name, "ci-job-")
			c.mounts = append(c.mounts, mount{typ: "bind", source: "/var/run/docker.sock", dest: "/var/run/docker.sock", mode: "", rw: true, propagation: "rprivate"})
		}
		g.anonVolumes(c, img)
		y := g.rng.Float64()
		switch {
		case y < 0.05:
			g.attach(c, g.nets["host"], nil)
			c.netMode = "host"
		case y < 0.15 && g.nets["shop_default"] != nil:
			g.attach(c, g.nets["shop_default"], []string{c.id[:12]})
			c.netMode = "shop_default"
		default:
			g.attach(c, g.nets["bridge"], nil)
			c.netMode = "default"
		}
		g.s.addContainer(c)
	}
}

func pickExit(r *rand.Rand) int {
	total := 0
	for _, e := range exitCodes {
		total += e.weight
	}
	x := r.IntN(total)
	for _, e := range exitCodes {
		if x < e.weight {
			return e.code
		}
		x -= e.weight
	}
	return 0
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// strayVolumes adds the named leftovers of projects long gone, then
// anonymous volumes whose containers were removed without -v, up to the
// volume count asked for.
func (g *gen) strayVolumes() {
	for _, sv := range strayVolumes {
		if len(g.s.volumes) >= g.sc.Volumes {
			break
		}
		var labels map[string]string
		if sv.project != "" {
			_, vol, _ := strings.Cut(sv.name, "_")
			labels = composeLabels(sv.project, map[string]string{"com.docker.compose.volume": vol})
		}
		g.addVolume(sv.name, g.daysAgo(g.fbetween(60, 700)), labels, g.logBetween(sv.min, sv.max))
	}
	for _, sn := range strayNetworks {
		if g.nets[sn.name] != nil {
			continue
		}
		var labels map[string]string
		if sn.project != "" {
			labels = composeLabels(sn.project, map[string]string{"com.docker.compose.network": "default"})
		} else {
			labels = map[string]string{}
		}
		g.addNetwork(sn.name, "bridge", g.daysAgo(g.fbetween(30, 600)), labels)
	}
	dests := []string{"/var/lib/postgresql/data", "/var/lib/postgresql/data", "/data", "/data", "/var/lib/mysql", "/data/db", "/data/configdb", "/var/lib/rabbitmq", "/var/lib/registry", "/tmp"}
	for len(g.s.volumes) < g.sc.Volumes {
		dest := dests[g.rng.IntN(len(dests))]
		g.addVolume(g.hex64(), g.daysAgo(g.fbetween(1, 720)), nil, g.volumeSize(dest, false))
	}
}
