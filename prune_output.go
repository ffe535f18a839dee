package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// pruneOutput is what bilge prune reports: the plan, then the outcomes and
// the disk usage measured before and after.
type pruneOutput struct {
	source  string
	snap    *model.Snapshot
	pp      model.PolicyPlan
	verbose bool
	dryRun  bool

	outcomes      []ruledOutcome
	before, after map[model.Kind]int64
	measureErr    string
}

// kindWords names a kind in prune's output (text headers and JSON).
var kindWords = map[model.Kind]string{
	model.KindImage: "image", model.KindContainer: "container", model.KindVolume: "volume",
	model.KindNetwork: "network", model.KindBuildCache: "buildCache",
}

// planOrder is the order the plan is printed in: the deletion order.
var planOrder = []model.Kind{model.KindContainer, model.KindImage, model.KindVolume, model.KindNetwork, model.KindBuildCache}

func (p *pruneOutput) printPlan(w io.Writer) {
	fmt.Fprintf(w, "Policy: %s · engine %s\n", p.source, p.snap.Engine.Host)
	if len(p.pp.Items) == 0 {
		fmt.Fprintln(w, "\nNothing to delete.")
	}
	for _, k := range planOrder {
		var items []model.PolicyItem
		for _, it := range p.pp.Items {
			if it.Kind == k {
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d)\n", k, len(items))
		rows := make([][4]string, len(items))
		for i, it := range items {
			rows[i] = [4]string{itemName(it.Kind, it.Name, it.ID), shortRef(it.Kind, it.ID), bytesText(it.Kind, it.Bytes), it.Rule}
		}
		printRows(w, rows)
	}
	r := p.pp.Reclaim
	if len(p.pp.Items) > 0 {
		fmt.Fprintf(w, "\nTotal: %d to delete, frees %s%s\n", len(p.pp.Items), model.HumanSize(r.Total), pendingNote(r))
		fmt.Fprintf(w, "  images %s · containers %s · volumes %s · build cache %s (a layer several images share counts on the last line that frees it)\n",
			model.HumanSize(r.Images-r.HeldByBuildCache), model.HumanSize(r.Containers), model.HumanSize(r.Volumes), model.HumanSize(r.BuildCache))
	}
	if r.HeldByBuildCache > 0 {
		fmt.Fprintf(w, "Held by build cache: %s of these images' layers stays in the build cache until it is pruned\n", model.HumanSize(r.HeldByBuildCache))
	}
	p.printHeld(w)
	for _, b := range p.pp.Budgets {
		fmt.Fprintf(w, "Budget %s: %s\n", b.Name, budgetText(b))
	}
}

// printRows prints name, ID, bytes (right-aligned) and rule columns.
func printRows(w io.Writer, rows [][4]string) {
	var wid [3]int
	for _, r := range rows {
		for c := range wid {
			wid[c] = max(wid[c], ansi.StringWidth(r[c]))
		}
	}
	pad := func(s string, n int) string { return strings.Repeat(" ", max(0, n-ansi.StringWidth(s))) }
	for _, r := range rows {
		fmt.Fprintf(w, "  %s%s  %s%s  %s%s  %s\n", r[0], pad(r[0], wid[0]), r[1], pad(r[1], wid[1]), pad(r[2], wid[2]), r[2], r[3])
	}
}

func pendingNote(r model.Reclaim) string {
	if r.Pending {
		return " (at least: some sizes are not known)"
	}
	return ""
}

func budgetText(b model.BudgetResult) string {
	if b.After == model.Unknown {
		return b.Why
	}
	what := "Docker's total"
	if strings.HasPrefix(b.Name, "min-free") {
		what = "free"
	}
	s := fmt.Sprintf("%s %s now, %s after", what, model.HumanSize(b.Before), model.HumanSize(b.After))
	if b.Met {
		return s + ": holds"
	}
	return s + ": " + b.Why
}

// printHeld says what rules selected that stays: each object with -v (or
// when few), else a count per reason.
func (p *pruneOutput) printHeld(w io.Writer) {
	held := p.pp.Held
	if len(held) == 0 {
		return
	}
	fmt.Fprintf(w, "Held: %d selected by a rule stay\n", len(held))
	if p.verbose || len(held) <= 10 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, h := range held {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", kindWords[h.Kind], itemName(h.Kind, h.Name, h.ID), h.Reason, h.Rule)
		}
		_ = tw.Flush()
		return
	}
	counts := map[string]int{}
	for _, h := range held {
		counts[kindWords[h.Kind]+": "+reasonGroup(h.Reason)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %d %s\n", counts[k], k)
	}
	fmt.Fprintln(w, "  (-v lists them)")
}

// reasonGroup is a held reason without the object's particulars, to
// count alike reasons together.
func reasonGroup(reason string) string {
	switch {
	case strings.HasPrefix(reason, "in use by container"):
		return "in use by containers"
	case strings.HasPrefix(reason, "keep-last "):
		n, _, _ := strings.Cut(strings.TrimPrefix(reason, "keep-last "), " ")
		return "keep-last " + n + " of their repository"
	case strings.HasPrefix(reason, "parent of image"):
		return "parent of an image that stays"
	}
	return reason
}

func itemName(k model.Kind, name, id string) string {
	if name == "" {
		return model.ShortID(id)
	}
	if k == model.KindBuildCache && len(name) > 50 {
		return name[:49] + "…"
	}
	return name
}

func shortRef(k model.Kind, id string) string {
	if k == model.KindVolume {
		return ""
	}
	return model.ShortID(id)
}

func bytesText(k model.Kind, n int64) string {
	if k == model.KindNetwork {
		return "-"
	}
	return model.HumanSize(n)
}

func printOutcome(w io.Writer, oc model.Outcome, rule string) {
	name := itemName(oc.Item.Kind, oc.Item.Name, oc.Item.ID)
	switch oc.Status {
	case model.Deleted:
		fmt.Fprintf(w, "deleted  %s %s  (%s)\n", kindWords[oc.Item.Kind], name, rule)
	default:
		fmt.Fprintf(w, "%-7s  %s %s: %s\n", oc.Status, kindWords[oc.Item.Kind], name, oc.Err)
	}
}

func (p *pruneOutput) notDeleted() int {
	n := 0
	for _, oc := range p.outcomes {
		if oc.Status != model.Deleted {
			n++
		}
	}
	return n
}

// measuredKinds are the kinds df sizes, in its order.
var measuredKinds = []model.Kind{model.KindImage, model.KindContainer, model.KindVolume, model.KindBuildCache}

func sum(m map[model.Kind]int64) int64 {
	var t int64
	for _, k := range measuredKinds {
		t += m[k]
	}
	return t
}

// finish prints the end: the measured change (text), or the whole JSON
// document.
func (p *pruneOutput) finish(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p.document())
	}
	if p.measureErr != "" {
		_, err := fmt.Fprintf(w, "\n%s\n", p.measureErr)
		return err
	}
	if p.before == nil || p.after == nil {
		return nil
	}
	b, a := sum(p.before), sum(p.after)
	fmt.Fprintf(w, "\nMeasured: %s → %s, freed %s (predicted %s)\n", model.HumanSize(b), model.HumanSize(a), model.HumanSize(b-a), model.HumanSize(p.pp.Reclaim.Total))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range measuredKinds {
		fmt.Fprintf(tw, "  %s\t%s\t→ %s\n", k, model.HumanSize(p.before[k]), model.HumanSize(p.after[k]))
	}
	return tw.Flush()
}

// The JSON document: bytes as integers, the engine's own text.

type pruneDoc struct {
	Policy   string        `json:"policy"`
	Engine   string        `json:"engine"`
	DryRun   bool          `json:"dryRun"`
	Items    []pruneItem   `json:"items"`
	Total    pruneTotal    `json:"total"`
	Held     []pruneHeld   `json:"held"`
	Budgets  []pruneBudget `json:"budgets"`
	Outcomes []pruneResult `json:"outcomes"`
	Measured *pruneMeasure `json:"measured"`
	// MeasureError says why Measured is missing after deletions.
	MeasureError string `json:"measureError,omitempty"`
}

type pruneItem struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Name  string `json:"name"`
	Rule  string `json:"rule"`
	Bytes int64  `json:"bytes"`
}

type pruneTotal struct {
	Bytes            int64 `json:"bytes"`
	Images           int64 `json:"images"`
	Containers       int64 `json:"containers"`
	Volumes          int64 `json:"volumes"`
	BuildCache       int64 `json:"buildCache"`
	HeldByBuildCache int64 `json:"heldByBuildCache"`
	Pending          bool  `json:"pending"`
}

type pruneHeld struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

type pruneBudget struct {
	Name   string `json:"name"`
	Limit  int64  `json:"limit"`
	Before *int64 `json:"before"`
	After  *int64 `json:"after"`
	Met    bool   `json:"met"`
	Why    string `json:"why,omitempty"`
}

type pruneResult struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Rule   string `json:"rule"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

type pruneMeasure struct {
	Before    map[string]int64 `json:"before"`
	After     map[string]int64 `json:"after"`
	Freed     int64            `json:"freed"`
	Predicted int64            `json:"predicted"`
}

func (p *pruneOutput) document() pruneDoc {
	raw := rawText(p.snap)
	d := pruneDoc{Policy: p.source, Engine: p.snap.Engine.Host, DryRun: p.dryRun, Items: []pruneItem{}, Held: []pruneHeld{}, Budgets: []pruneBudget{}, Outcomes: []pruneResult{}, MeasureError: p.measureErr}
	if o := p.snap.Engine.Orig; o != nil {
		d.Engine = o.Host
	}
	for _, it := range p.pp.Items {
		id, name := raw.of(it.Kind, it.ID, it.Name)
		d.Items = append(d.Items, pruneItem{Kind: kindWords[it.Kind], ID: id, Name: name, Rule: it.Rule, Bytes: it.Bytes})
	}
	r := p.pp.Reclaim
	d.Total = pruneTotal{Bytes: r.Total, Images: r.Images, Containers: r.Containers, Volumes: r.Volumes, BuildCache: r.BuildCache, HeldByBuildCache: r.HeldByBuildCache, Pending: r.Pending}
	for _, h := range p.pp.Held {
		id, name := raw.of(h.Kind, h.ID, h.Name)
		d.Held = append(d.Held, pruneHeld{Kind: kindWords[h.Kind], ID: id, Name: name, Rule: h.Rule, Reason: h.Reason})
	}
	for _, b := range p.pp.Budgets {
		pb := pruneBudget{Name: b.Name, Limit: b.Limit, Met: b.Met, Why: b.Why}
		if b.Before >= 0 {
			pb.Before = &b.Before
		}
		if b.After >= 0 {
			pb.After = &b.After
		}
		d.Budgets = append(d.Budgets, pb)
	}
	for _, oc := range p.outcomes {
		id, name := raw.of(oc.Item.Kind, oc.Item.ID, oc.Item.Name)
		d.Outcomes = append(d.Outcomes, pruneResult{Kind: kindWords[oc.Item.Kind], ID: id, Name: name, Rule: oc.Rule, Status: oc.Status.String(), Error: oc.Err})
	}
	if p.before != nil && p.after != nil {
		m := &pruneMeasure{Before: map[string]int64{}, After: map[string]int64{}, Predicted: r.Total}
		for _, k := range measuredKinds {
			m.Before[kindWords[k]], m.After[kindWords[k]] = p.before[k], p.after[k]
		}
		m.Freed = sum(p.before) - sum(p.after)
		d.Measured = m
	}
	return d
}

// rawNames maps objects whose text SafeText changed back to the engine's
// own ID and name; empty on ordinary hosts.
type rawNames map[model.PlanKey][2]string

func rawText(s *model.Snapshot) rawNames {
	m := rawNames{}
	for i := range s.Images {
		if o := s.Images[i].Orig; o != nil {
			m[model.PlanKey{Kind: model.KindImage, ID: s.Images[i].ID}] = [2]string{o.ID, o.Name()}
		}
	}
	for i := range s.Containers {
		if o := s.Containers[i].Orig; o != nil {
			m[model.PlanKey{Kind: model.KindContainer, ID: s.Containers[i].ID}] = [2]string{o.ID, o.Name}
		}
	}
	for i := range s.Volumes {
		if o := s.Volumes[i].Orig; o != nil {
			m[model.PlanKey{Kind: model.KindVolume, ID: s.Volumes[i].Name}] = [2]string{o.Name, o.Name}
		}
	}
	for i := range s.Networks {
		if o := s.Networks[i].Orig; o != nil {
			m[model.PlanKey{Kind: model.KindNetwork, ID: s.Networks[i].ID}] = [2]string{o.ID, o.Name}
		}
	}
	for i := range s.BuildCache {
		if o := s.BuildCache[i].Orig; o != nil {
			m[model.PlanKey{Kind: model.KindBuildCache, ID: s.BuildCache[i].ID}] = [2]string{o.ID, o.Description}
		}
	}
	return m
}

func (m rawNames) of(k model.Kind, id, name string) (string, string) {
	if r, ok := m[model.PlanKey{Kind: k, ID: id}]; ok {
		return r[0], r[1]
	}
	return id, name
}
