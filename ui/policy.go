package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// The retention policy in the presets menu (Options.Policy): its row marks
// exactly what `bilge prune --dry-run` would delete, and each row it marks
// remembers the rule that selected it (details, the WHY column).

// policyKey picks the policy's row in the presets menu.
const policyKey = "P"

// whyWidth is the narrowest table that gets the WHY column.
const whyWidth = 150

// policyState is what the UI keeps of the policy between menus.
type policyState struct {
	times model.PolicyTimes
	// gen numbers the time fetches: only the latest one's answer counts.
	gen  int
	busy bool
	// waiting are how many containers and images the fetch under way
	// reads the times of.
	waitCtrs, waitImgs int
	err                string // the last fetch failed
	// rules is the rule that selected each object the policy marked.
	rules map[model.PlanKey]string
	// plan is the last evaluation, on planIndex with the times of fetch
	// planGen.
	plan      *model.PolicyPlan
	planIndex *model.ReclaimIndex
	planGen   int
}

// policyTimesMsg brings the times a policy weighs.
type policyTimesMsg struct {
	gen   int
	times model.PolicyTimes
	err   error
}

// policyTimesCmd reads the times the policy weighs on the current
// snapshot, when any are needed: never in Update, so the menu never waits
// for them.
func (a *App) policyTimesCmd() tea.Cmd {
	if a.opts.Policy == nil {
		return nil
	}
	ctrs, imgs := a.opts.Policy.NeedsTimes(a.snap, a.now)
	ps := &a.policy
	ps.gen++
	ps.err = ""
	if len(ctrs) == 0 && len(imgs) == 0 {
		ps.busy = false
		ps.times = model.PolicyTimes{}
		return nil
	}
	ps.busy, ps.waitCtrs, ps.waitImgs = true, len(ctrs), len(imgs)
	eng, gen := a.eng, ps.gen
	return func() tea.Msg {
		ctx, cancel := a.withTimeout(listTimeout)
		defer cancel()
		t, err := eng.PolicyTimes(ctx, ctrs, imgs)
		return policyTimesMsg{gen: gen, times: t, err: err}
	}
}

func (a *App) onPolicyTimes(msg policyTimesMsg) {
	ps := &a.policy
	if msg.gen != ps.gen {
		return
	}
	ps.busy = false
	if msg.err != nil {
		ps.err = msg.err.Error()
	} else {
		ps.times = msg.times
	}
	if a.presets != nil && !a.presets.editing {
		a.presetRows()
	}
}

// policyPlan evaluates the policy on the current state with the times
// read for it, as bilge prune does (min-free is not checked here: the UI
// does not read the data root's free space). ok is false, with why, while
// it cannot be evaluated exactly.
func (a *App) policyPlan() (pp model.PolicyPlan, why string, ok bool) {
	ps := &a.policy
	switch {
	case a.opts.PolicyErr != "":
		return pp, "cannot be used: " + a.opts.PolicyErr, false
	case ps.busy:
		return pp, fmt.Sprintf("waiting for the times it weighs (%s, %s)…",
			countNoun(ps.waitCtrs, "container"), countNoun(ps.waitImgs, "image")), false
	case ps.err != "":
		return pp, "could not read the times it weighs: " + ps.err, false
	}
	if !a.snap.Sized {
		// The build cache and every size come with it.
		return pp, "waiting for the disk usage scan…", false
	}
	ctrs, imgs := a.opts.Policy.NeedsTimes(a.snap, a.now)
	if !ps.times.Covers(ctrs, imgs) {
		// Objects new since the times were read: P reads theirs.
		return pp, "the state changed since its times were read: " + policyKey + " reads them again", false
	}
	if ps.plan != nil && ps.planIndex == a.index && ps.planGen == ps.gen {
		// Nothing changed since the row was drawn (a new state gets a new
		// index): P marks what the row showed, without evaluating again.
		return *ps.plan, "", true
	}
	pp = a.opts.Policy.Evaluate(a.snap.WithTimes(ps.times), a.index, a.now)
	ps.plan, ps.planIndex, ps.planGen = &pp, a.index, ps.gen
	return pp, "", true
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// policyTitle is the policy row's title.
func (a *App) policyTitle() string {
	return "policy: " + a.opts.PolicyPath
}

// policyRow is the presets menu's row for the policy, and footnotes on
// its budgets; pending says its figures wait for data still coming.
func (a *App) policyRow() (row string, notes []string, pending bool) {
	title := fitMiddle(a.policyTitle(), 30)
	pp, why, ok := a.policyPlan()
	if !ok {
		return fmt.Sprintf("  %s  %s %s", a.st.Prompt.Render(policyKey), title, a.st.Warn.Render(why)), nil, !a.snap.Sized
	}
	frees := model.HumanSize(pp.Reclaim.Total)
	if pp.Reclaim.Pending {
		frees = "≥" + frees
	}
	note := ""
	if pp.Reclaim.HeldByBuildCache > 0 {
		note = a.st.Warn.Render(fmt.Sprintf("+%s later*", model.HumanSize(pp.Reclaim.HeldByBuildCache)))
	}
	row = fmt.Sprintf("  %s  %s %7d  %9s   %s %s", a.st.Prompt.Render(policyKey), title, pp.Marks.Len(), frees,
		a.st.Muted.Render(fmt.Sprintf("%-44s", "bilge prune --dry-run")), note)
	for _, b := range pp.Budgets {
		why := b.Why
		if b.After == model.Unknown {
			why = "not checked in the UI (bilge prune checks it on a local engine)"
		}
		if !b.Met && why != "" {
			notes = append(notes, a.st.Muted.Render("  policy "+b.Name+": "+why))
		}
	}
	return row, notes, pp.Reclaim.Pending
}

// applyPolicy adds the policy's plan to the marks, remembering each
// object's rule.
func (a *App) applyPolicy() tea.Cmd {
	pp, why, ok := a.policyPlan()
	if !ok {
		if a.opts.PolicyErr == "" && !a.policy.busy && a.snap.Sized {
			// No times yet for what is new (or the last read failed):
			// read them; the row says it waits.
			cmd := a.policyTimesCmd()
			a.presetRows()
			return cmd
		}
		a.presets.errorMsg = "policy " + why
		return nil
	}
	if a.policy.rules == nil {
		a.policy.rules = map[model.PlanKey]string{}
	}
	for _, it := range pp.Items {
		a.policy.rules[model.PlanKey{Kind: it.Kind, ID: it.ID}] = it.Rule
	}
	a.addMarks(a.policyTitle(), pp.Marks, -1)
	return nil
}

// ruleOf is the rule that marked an object, "" when the policy did not
// (or the mark was taken off since).
func (a *App) ruleOf(k model.Kind, id string) string {
	if !a.marks.Has(k, id) {
		return ""
	}
	return a.policy.rules[model.PlanKey{Kind: k, ID: id}]
}

// showWhy says whether a table this wide, of this kind, has the WHY column.
func (a *App) showWhy(k model.Kind, width int) bool {
	return a.opts.Policy != nil && width >= whyWidth && k != model.KindNetwork
}
