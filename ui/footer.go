package ui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// The help line at the bottom offers the keys that act in the mode on
// screen (mode.go's modeKeys), narrowed to what acts on this tab and with
// what is marked, most useful first. ? help and q quit end it wherever
// they act, and stay when the width cuts the rest.

// hint is b labelled for the help line: one key, a few words.
func hint(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}

// footerKeys are the help line's keys in mode m, most useful first, and
// the ones kept whatever the width (help and quit).
func (a *App) footerKeys(m mode) (keys, always []key.Binding) {
	k := a.keys
	help, quit := hint(k.Help, "?", "help"), hint(k.Quit, "q", "quit")
	always = []key.Binding{help, quit}
	scroll := hint(k.Down, "↑/↓", "scroll")
	switch m {
	case modeTooSmall:
		return nil, nil
	case modeQuitPrompt:
		return []key.Binding{hint(k.Confirm, "y", "quit"), hint(key.NewBinding(key.WithKeys("z")), "any other key", "stays")}, nil
	case modeFilter:
		return []key.Binding{hint(k.Apply, "enter", "apply filter"), hint(k.Cancel, "esc", "cancel")},
			[]key.Binding{hint(key.NewBinding(key.WithKeys("ctrl+c")), "ctrl+c", "quit")}
	case modePresets:
		if a.presets.editing {
			return []key.Binding{hint(k.Apply, "enter", "apply age"), hint(k.Cancel, "esc", "cancel")},
				[]key.Binding{hint(key.NewBinding(key.WithKeys("ctrl+c")), "ctrl+c", "quit")}
		}
		ks := make([]string, len(model.Presets))
		for i, p := range model.Presets {
			ks[i] = p.Key
		}
		slices.Sort(ks)
		out := []key.Binding{hint(key.NewBinding(key.WithKeys(ks...)), ks[0]+"–"+ks[len(ks)-1], "mark a preset")}
		if a.opts.Policy != nil || a.opts.PolicyErr != "" {
			out = append(out, hint(key.NewBinding(key.WithKeys(policyKey)), policyKey, "mark the policy"))
		}
		return append(out, hint(k.Deny, "esc", "close")), always
	case modeConfirm:
		dk := a.dialogKeys()
		out := []key.Binding{dk.Confirm, dk.Deny}
		if dk.Cascade.Enabled() {
			out = append(out, dk.Cascade)
		}
		if a.dialog.maxTop > 0 {
			out = append(out, scroll)
		}
		return out, always
	case modeHelp:
		out := []key.Binding{hint(k.ClearFilter, "esc", "close")}
		if a.helpPage.maxTop > 0 {
			out = append(out, scroll)
		}
		return out, []key.Binding{quit}
	case modeHistory:
		out := []key.Binding{hint(k.ClearFilter, "esc", "close")}
		if a.hist.page.maxTop > 0 {
			out = append(out, scroll)
		}
		return append(out, hint(k.HistoryLonger, "[/]", "window")), always
	}
	return a.browseFooter(m), always
}

// browseFooter is the help line over the Overview or a table, with the
// details over it or beside it, while a clean-up runs or not.
func (a *App) browseFooter(m mode) []key.Binding {
	k := a.keys
	var out []key.Binding
	// A hint names the binding's first key; a few name a group of keys.
	add := func(b key.Binding, desc string) { out = append(out, hint(b, b.Keys()[0], desc)) }
	addGroup := func(b key.Binding, keys, desc string) { out = append(out, hint(b, keys, desc)) }
	running := m == modeRunning
	writable := !a.opts.ReadOnly && a.loaded
	marked := a.marks.Len() > 0
	t := a.tab()
	if running && !a.showDetails {
		add(k.ClearFilter, "cancel clean-up")
	}
	if a.showDetails {
		add(k.ClearFilter, "back")
	}
	if k.Back.Enabled() && !a.showDetails && !running && (t == nil || t.filter.Empty()) {
		addGroup(k.Back, "esc", "engines")
	}
	if t == nil {
		add(k.Details, "open")
		if marked && !running {
			add(k.Delete, "delete marked")
		}
		if writable && !running {
			add(k.Presets, "presets")
		}
		if marked {
			add(k.UnmarkAll, "unmark all")
		}
		addGroup(k.NextTab, k.Tab[1].Keys()[0]+"–"+k.Tab[numTabs-1].Keys()[0], "tabs")
		if k.History.Enabled() {
			add(k.History, "history")
		}
	} else {
		if writable && len(t.rows) > 0 {
			what := "mark"
			if i := t.current(); a.showDetails && i >= 0 && a.marks.Has(t.view.kind(), t.view.id(a.snap, i)) {
				what = "unmark" // the details show one object
			}
			if rv, ok := t.view.(*reposView); ok && rv.isRepo(t.current()) {
				what = "mark repository"
			}
			add(k.Mark, what)
		}
		if writable && !running && (marked || len(t.rows) > 0) {
			add(k.Delete, "delete")
		}
		if writable && !running && !a.showDetails {
			add(k.Presets, "presets")
		}
		if m != modeDetails {
			if !t.filter.Empty() && !a.showDetails && !running {
				add(k.ClearFilter, "clear filter")
			}
			add(k.Filter, "filter")
			if t.bySize {
				addGroup(k.SortSize, k.SortSize.Keys()[0]+"/"+k.SortAge.Keys()[0]+"/"+k.SortName.Keys()[0], "sort")
			} else {
				addGroup(k.SortAge, k.SortAge.Keys()[0]+"/"+k.SortName.Keys()[0], "sort") // networks: no size
			}
			if t.view.kind() == model.KindImage {
				if _, grouped := t.view.(*reposView); grouped {
					add(k.Repos, "flat")
				} else {
					add(k.Repos, "by repo")
				}
			}
			addGroup(k.SortRight, k.SortLeft.Keys()[0]+"/"+k.SortRight.Keys()[0], "sort column")
			rv, grouped := t.view.(*reposView)
			switch {
			case grouped && !a.showDetails && rv.isRepo(t.current()):
				if rv.expanded[rv.group(t.current()).name] {
					addGroup(k.Details, "enter/←", "close")
				} else {
					addGroup(k.Details, "enter/→", "open")
				}
			case !a.showDetails:
				add(k.Details, "details")
			}
		}
		if m == modeDetails {
			addGroup(k.Down, "↑/↓", "scroll")
		}
		add(k.NextTab, "next tab")
		if writable && m != modeDetails {
			add(k.MarkAll, "mark all shown")
		}
		if marked {
			add(k.UnmarkAll, "unmark all")
		}
	}
	if a.lastRun != nil && !running {
		add(k.Dismiss, "dismiss results")
	}
	return out
}

// helpLine draws footerKeys: the first keys that fit, then those always
// kept.
func (a *App) helpLine() string {
	keys, always := a.footerKeys(a.mode())
	sep := ansi.StringWidth(a.help.ShortSeparator)
	width := func(b key.Binding) int {
		return ansi.StringWidth(b.Help().Key) + 1 + ansi.StringWidth(b.Help().Desc)
	}
	room := a.width
	for _, b := range always {
		room -= width(b) + sep
	}
	var shown []key.Binding
	used := 0
	for _, b := range keys {
		w := width(b)
		if len(shown) > 0 {
			w += sep
		}
		if used+w > room {
			break
		}
		shown = append(shown, b)
		used += w
	}
	return a.help.ShortHelpView(append(shown, always...))
}
