package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"bilge/dockerapi"
	"bilge/internal/history"
	"bilge/model"
)

// bilge history: how each kind and each image repository grew over a
// window, with the clean-ups between, from the history database alone.

// defaultHistorySince is the window bilge history shows without --since.
const defaultHistorySince = 30 * 24 * time.Hour

// sparkWidth is the number of buckets of a history sparkline.
const sparkWidth = 30

// topRepos is how many repositories "grew most" lists.
const topRepos = 10

// identifyCurrentTimeout bounds the connection bilge history makes to
// learn which of several engines in the history is the selected one.
const identifyCurrentTimeout = 5 * time.Second

// noHistoryHint is what bilge history says when there is nothing yet.
const noHistoryHint = "no history yet: bilge records a sample with every `bilge df`, `bilge prune` and `bilge record`, and the UI every 10 minutes it is open; to keep one, run `bilge record` from cron (e.g. */30 * * * * bilge record) or a systemd timer (see \"History\" in the README)"

// historyOptions are bilge history's own flags.
type historyOptions struct {
	since     time.Duration
	engine    string
	json      bool
	retention string
	help      bool
}

func runHistory(ctx context.Context, o options, args []string, stdout, stderr io.Writer) error {
	if o.demo || o.seedSet {
		return errors.New("history reads bilge's own database: --demo does not apply (the demo engine is never recorded)")
	}
	if o.sel.Context != "" && o.sel.Host != "" {
		return errors.New("--context and --host cannot be used together: pick one")
	}
	ho := historyOptions{since: defaultHistorySince}
	flags := flag.NewFlagSet("bilge history", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	flags.BoolVar(&ho.json, "json", false, "")
	flags.BoolVar(&ho.help, "help", false, "")
	flags.BoolVar(&ho.help, "h", false, "")
	flags.Func("since", "", func(v string) (err error) {
		ho.since, err = model.ParseAge(v)
		if err == nil && ho.since <= 0 {
			err = errors.New("not positive")
		}
		return err
	})
	flags.StringVar(&ho.engine, "engine", "", "")
	flags.StringVar(&ho.retention, "retention", "", "")
	if err := flags.Parse(args); err != nil {
		return flagError(err)
	}
	switch {
	case ho.help:
		return errHelp
	case flags.NArg() > 0:
		return fmt.Errorf("history takes no arguments, got %q", flags.Arg(0))
	}
	if ho.retention != "" {
		return setRetention(ctx, ho.retention, stdout, stderr)
	}
	path, err := history.DefaultPath(os.Getenv)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		// Nothing recorded: say how to start, and create nothing.
		_, err := fmt.Fprintln(stdout, noHistoryHint)
		return err
	}
	st, err := history.Open(path, func(line string) { fmt.Fprintf(stderr, "bilge: warning: %s\n", line) })
	if err != nil {
		return err
	}
	defer st.Close()
	engines, err := st.Engines(ctx)
	if err != nil {
		return historyErr(path, err)
	}
	if len(engines) == 0 {
		_, err := fmt.Fprintln(stdout, noHistoryHint)
		return err
	}
	eng, err := pickEngine(ctx, o, ho.engine, engines)
	if err != nil {
		return err
	}
	now := time.Now()
	from := now.Add(-ho.since)
	// The text needs the repositories of the window's two ends only
	// (model.Growth compares those); --json prints every sample's.
	samples, err := st.Samples(ctx, eng.ID, from, ho.json)
	if err != nil {
		return historyErr(path, err)
	}
	if !ho.json && len(samples) > 0 {
		for _, i := range []int{0, len(samples) - 1} {
			if samples[i].Repos, err = st.Repos(ctx, eng.ID, samples[i].Time); err != nil {
				return historyErr(path, err)
			}
		}
	}
	cleanups, err := st.Cleanups(ctx, eng.ID, from)
	if err != nil {
		return historyErr(path, err)
	}
	if ho.json {
		return historyJSON(stdout, eng.EngineRef, from, samples, cleanups)
	}
	return historyText(stdout, eng, ho.since, from, now, samples, cleanups)
}

// setRetention is bilge history --retention ALL,HOURLY,DAILY.
func setRetention(ctx context.Context, v string, stdout, stderr io.Writer) error {
	r, err := parseRetention(v)
	if err != nil {
		return err
	}
	st, err := openHistory(stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetRetention(ctx, r); err != nil {
		return historyErr(st.Path(), err)
	}
	_, err = fmt.Fprintf(stdout, "history %s: %s\n", st.Path(), retentionText(r))
	return err
}

// parseRetention reads ALL,HOURLY,DAILY: three ages (2d,60d,2y).
func parseRetention(v string) (model.Retention, error) {
	const want = "give three ages ALL,HOURLY,DAILY: every sample for ALL, the newest of each hour for HOURLY, of each day for DAILY (e.g. 2d,60d,2y)"
	parts := strings.Split(v, ",")
	if len(parts) != 3 {
		return model.Retention{}, fmt.Errorf("--retention: %q: %s", v, want)
	}
	var d [3]time.Duration
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "0" {
			continue
		}
		a, err := model.ParseAge(p)
		if err != nil || a < 0 {
			return model.Retention{}, fmt.Errorf("--retention: %q is not an age: %s", p, want)
		}
		d[i] = a
	}
	r := model.Retention{All: d[0], Hourly: d[1], Daily: d[2]}
	if r.Daily <= 0 {
		return model.Retention{}, fmt.Errorf("--retention: %q would keep nothing: give DAILY a positive age (e.g. 2d,60d,2y)", v)
	}
	if why := r.Valid(); why != "" {
		return model.Retention{}, fmt.Errorf("--retention: %q: %s", v, why)
	}
	return r, nil
}

func retentionText(r model.Retention) string {
	return fmt.Sprintf("keeps every sample for %s, the newest of each hour for %s and of each day for %s",
		ageText(r.All), ageText(r.Hourly), ageText(r.Daily))
}

// ageText is a duration in the units --since and --retention take.
func ageText(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d == 0:
		return "0"
	case d%(365*day) == 0:
		return fmt.Sprintf("%dy", d/(365*day))
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return dockerapi.ShortDuration(d)
}

// pickEngine is the engine whose history to show: --engine (an ID, a
// unique ID prefix or a name); else the only one; else the engine the
// selection (-H, --context, DOCKER_HOST, the docker context) reaches,
// asked for its /info ID within a few seconds; else an error listing them.
func pickEngine(ctx context.Context, o options, want string, engines []history.EngineInfo) (history.EngineInfo, error) {
	if want != "" {
		var hits []history.EngineInfo
		for _, e := range engines {
			if e.ID == want || e.Name == want {
				hits = append(hits, e)
			}
		}
		if len(hits) == 0 && len(want) >= 4 {
			for _, e := range engines {
				if strings.HasPrefix(e.ID, want) {
					hits = append(hits, e)
				}
			}
		}
		switch len(hits) {
		case 1:
			return hits[0], nil
		case 0:
			return history.EngineInfo{}, fmt.Errorf("--engine %s: no such engine in the history; it holds %s", model.SafeText(want), engineList(engines))
		}
		return history.EngineInfo{}, fmt.Errorf("--engine %s: %d engines match; give the ID: %s", model.SafeText(want), len(hits), engineList(hits))
	}
	if len(engines) == 1 {
		return engines[0], nil
	}
	if id, ok := currentEngineID(ctx, o); ok {
		for _, e := range engines {
			if e.ID == id {
				return e, nil
			}
		}
	}
	return history.EngineInfo{}, fmt.Errorf("the history holds %d engines: pick one with --engine NAME or ID: %s", len(engines), engineList(engines))
}

// currentEngineID asks the selected engine its /info ID, briefly: any
// failure means "not known".
func currentEngineID(ctx context.Context, o options) (string, bool) {
	e, err := dockerapi.Open(o.sel)
	if err != nil {
		return "", false
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(ctx, identifyCurrentTimeout)
	defer cancel()
	ref, err := engineRef(ctx, e)
	if err != nil {
		return "", false
	}
	return ref.ID, true
}

// engineList names engines in one line: name (short ID, samples, last).
func engineList(engines []history.EngineInfo) string {
	parts := make([]string, len(engines))
	for i, e := range engines {
		parts[i] = fmt.Sprintf("%s (%s, %d samples, last %s)", model.SafeText(e.Name), model.SafeText(model.ShortID(e.ID)), e.Samples, e.Last.Local().Format("2006-01-02 15:04"))
	}
	return strings.Join(parts, "; ")
}

// historyText prints the report: header, kinds, repositories, clean-ups.
func historyText(w io.Writer, eng history.EngineInfo, since time.Duration, from, now time.Time, samples []model.Sample, cleanups []model.Cleanup) error {
	name := model.SafeText(eng.Name)
	if name == "" {
		name = "(no name)"
	}
	fmt.Fprintf(w, "Engine %s (%s) · last %s · %d samples", name, model.SafeText(model.ShortID(eng.ID)), ageText(since), len(samples))
	if len(samples) == 0 {
		fmt.Fprintf(w, "\n\nNo sample in the window: the newest is from %s (try a longer --since).\n", eng.Last.Local().Format("2006-01-02 15:04"))
		return nil
	}
	first, last := samples[0].Time.Local(), samples[len(samples)-1].Time.Local()
	fmt.Fprintf(w, ", %s → %s\n\n", first.Format("2006-01-02 15:04"), last.Format("2006-01-02 15:04"))
	g := model.Growth(samples, from)
	rows := [][5]string{{"KIND", "THEN", "NOW", "CHANGE", "SIZE OVER " + ageText(since)}}
	for _, c := range g.Kinds {
		if c.Kind == model.KindNetwork {
			// Networks hold no disk space: their count.
			rows = append(rows, [5]string{c.Kind.String(), fmt.Sprint(c.Then.Total), fmt.Sprint(c.Now.Total), countDelta(c.Now.Total - c.Then.Total), "(count)"})
			continue
		}
		change := "?"
		if d, ok := c.Delta(); ok {
			change = model.HumanDelta(d)
		}
		spark := model.Sparkline(model.SizeSeries(samples, c.Kind, from, now, sparkWidth))
		rows = append(rows, [5]string{c.Kind.String(), sizeText(c.Then.Size), sizeText(c.Now.Size), change, spark})
	}
	var wid [4]int
	for _, r := range rows {
		for i := range wid {
			wid[i] = max(wid[i], len(r[i]))
		}
	}
	for i, r := range rows {
		arrow := "→"
		if i == 0 {
			arrow = " "
		}
		fmt.Fprintf(w, "%-*s  %*s %s %*s  %*s  %s\n", wid[0], r[0], wid[1], r[1], arrow, wid[2], r[2], wid[3], r[3], r[4])
	}

	fmt.Fprintf(w, "\nRepositories that grew most\n")
	var grew []model.RepoChange
	for _, r := range g.Repos {
		if !r.Gone && (r.New || r.Delta() > 0) && len(grew) < topRepos {
			grew = append(grew, r)
		}
	}
	if len(grew) == 0 {
		fmt.Fprintln(w, "  none grew")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  REPOSITORY\tSIZE\tCHANGE\tTAGS\t\n")
		for _, r := range grew {
			size := model.HumanSize(r.SizeThen) + " → " + model.HumanSize(r.SizeNow)
			tags := fmt.Sprintf("%d → %d", r.TagsThen, r.TagsNow)
			mark := ""
			if r.New {
				size, tags, mark = model.HumanSize(r.SizeNow), fmt.Sprint(r.TagsNow), "new"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", model.SafeText(r.Repo), size, model.HumanDelta(r.Delta()), tags, mark)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "\nClean-ups\n")
	if len(cleanups) == 0 {
		_, err := fmt.Fprintln(w, "  none in the window")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  TIME\tOBJECTS\tFREED\tBY\n")
	var freed int64
	for _, c := range cleanups {
		freed += c.Freed
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", c.Time.Local().Format("2006-01-02 15:04"), c.Objects, model.HumanSize(c.Freed), model.SafeText(c.By))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	what := "clean-ups"
	if len(cleanups) == 1 {
		what = "clean-up"
	}
	_, err := fmt.Fprintf(w, "  %d %s freed %s\n", len(cleanups), what, model.HumanSize(freed))
	return err
}

func sizeText(n int64) string {
	if n < 0 {
		return "?"
	}
	return model.HumanSize(n)
}

func countDelta(n int) string {
	switch {
	case n > 0:
		return fmt.Sprintf("+%d", n)
	case n < 0:
		return fmt.Sprint(n)
	}
	return "±0"
}

// The JSON document of bilge history: bytes as integers, null where not
// known; kinds under bilge df --json's names.

type historyDoc struct {
	Engine   model.EngineRef   `json:"engine"`
	Since    time.Time         `json:"since"`
	Samples  []historySample   `json:"samples"`
	Cleanups []historyCleanup  `json:"cleanups"`
	Growth   historyGrowthJSON `json:"growth"`
}

type historyKind struct {
	Total       int    `json:"total"`
	Active      int    `json:"active"`
	Size        *int64 `json:"size"`
	Reclaimable *int64 `json:"reclaimable"`
	Exact       *int64 `json:"exact"`
}

type historySample struct {
	Time  time.Time              `json:"time"`
	Kinds map[string]historyKind `json:"kinds"`
	Repos []model.RepoSample     `json:"repos"`
}

type historyCleanup struct {
	Time    time.Time        `json:"time"`
	By      string           `json:"by"`
	Objects int              `json:"objects"`
	Freed   int64            `json:"freed"`
	PerKind map[string]int64 `json:"perKind"`
}

type historyGrowthJSON struct {
	From  *time.Time                   `json:"from"`
	To    *time.Time                   `json:"to"`
	Kinds map[string]historyKindChange `json:"kinds"`
	Repos []historyRepoChange          `json:"repos"`
}

type historyKindChange struct {
	Then historyKind `json:"then"`
	Now  historyKind `json:"now"`
	// Change is SIZE now minus then (null when either is not known);
	// for networks the change of TOTAL.
	Change *int64 `json:"change"`
}

type historyRepoChange struct {
	Repo     string `json:"repo"`
	TagsThen int    `json:"tagsThen"`
	TagsNow  int    `json:"tagsNow"`
	SizeThen int64  `json:"sizeThen"`
	SizeNow  int64  `json:"sizeNow"`
	Change   int64  `json:"change"`
	New      bool   `json:"new"`
	Gone     bool   `json:"gone"`
}

// jsonKindName is a kind's key, as in bilge df --json.
var jsonKindName = map[model.Kind]string{
	model.KindImage: "images", model.KindContainer: "containers", model.KindVolume: "volumes",
	model.KindNetwork: "networks", model.KindBuildCache: "buildCache",
}

func known(n int64) *int64 {
	if n < 0 {
		return nil
	}
	return &n
}

func kindJSON(k model.KindSample) historyKind {
	return historyKind{Total: k.Total, Active: k.Active, Size: known(k.Size), Reclaimable: known(k.Reclaimable), Exact: known(k.Exact)}
}

func historyJSON(w io.Writer, eng model.EngineRef, from time.Time, samples []model.Sample, cleanups []model.Cleanup) error {
	d := historyDoc{Engine: eng, Since: from.UTC(), Samples: []historySample{}, Cleanups: []historyCleanup{},
		Growth: historyGrowthJSON{Kinds: map[string]historyKindChange{}, Repos: []historyRepoChange{}}}
	for _, s := range samples {
		hs := historySample{Time: s.Time.UTC(), Kinds: map[string]historyKind{}, Repos: s.Repos}
		if hs.Repos == nil {
			hs.Repos = []model.RepoSample{}
		}
		for k, ks := range s.Kinds {
			hs.Kinds[jsonKindName[k]] = kindJSON(ks)
		}
		d.Samples = append(d.Samples, hs)
	}
	for _, c := range cleanups {
		hc := historyCleanup{Time: c.Time.UTC(), By: c.By, Objects: c.Objects, Freed: c.Freed, PerKind: map[string]int64{}}
		for k, n := range c.PerKind {
			hc.PerKind[jsonKindName[k]] = n
		}
		d.Cleanups = append(d.Cleanups, hc)
	}
	g := model.Growth(samples, from)
	if g.Then != nil {
		t, n := g.Then.Time.UTC(), g.Now.Time.UTC()
		d.Growth.From, d.Growth.To = &t, &n
	}
	for _, c := range g.Kinds {
		kc := historyKindChange{Then: kindJSON(c.Then), Now: kindJSON(c.Now)}
		if c.Kind == model.KindNetwork {
			n := int64(c.Now.Total - c.Then.Total)
			kc.Change = &n
		} else if delta, ok := c.Delta(); ok {
			kc.Change = &delta
		}
		d.Growth.Kinds[jsonKindName[c.Kind]] = kc
	}
	for _, r := range g.Repos {
		d.Growth.Repos = append(d.Growth.Repos, historyRepoChange{Repo: r.Repo, TagsThen: r.TagsThen, TagsNow: r.TagsNow,
			SizeThen: r.SizeThen, SizeNow: r.SizeNow, Change: r.Delta(), New: r.New, Gone: r.Gone})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // <none> as it is
	return enc.Encode(d)
}
