package ui

import (
	"fmt"
	"strings"
	"testing"

	"bilge/model"
)

// inOrder reports whether each of want appears in s after the one before.
func inOrder(s string, want []string) bool {
	at := 0
	for _, w := range want {
		i := strings.Index(s[at:], w)
		if i < 0 {
			return false
		}
		at += i + len(w)
	}
	return true
}

// TestKindsOneOrder: the tabs (bar, number keys, their help), the
// Overview's rows and the marked summary follow model.Kinds, the
// confirmation lists kinds in model.DeletionOrder, and each kind's tab
// shows that kind: all read the kind table.
func TestKindsOneOrder(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 160, 45)
	var labels []string
	for i := range numTabs {
		k, ok := tabKind(i)
		if ok != (i > 0) || (ok && (tabOf(k) != i || k != model.Kinds[i-1])) {
			t.Errorf("tab %d: kind %v %v, tabOf %d", i, k, ok, tabOf(k))
		}
		if ok && (a.tabs[k] == nil || a.tabs[k].view.kind() != k) {
			t.Errorf("kind %v has no view of its own", k)
		}
		if ok && tabName(i) != k.Info().Tab {
			t.Errorf("tab %d is named %q, the table says %q", i, tabName(i), k.Info().Tab)
		}
		if h := a.keys.Tab[i].Help(); h.Key != fmt.Sprint(i+1) || h.Desc != strings.ToLower(tabName(i)) {
			t.Errorf("tab key %d: %q %q", i, h.Key, h.Desc)
		}
		press(a, fmt.Sprint(i+1))
		if a.active != i {
			t.Errorf("key %d opened tab %d", i+1, a.active)
		}
		labels = append(labels, fmt.Sprintf("%d %s", i+1, tabName(i)))
	}
	if bar := strings.Split(screen(a), "\n")[1]; !inOrder(bar, labels) {
		t.Errorf("tab bar %q, want %q in order", bar, labels)
	}
	var rows []model.Kind
	for _, u := range a.usage {
		rows = append(rows, u.Kind)
	}
	if fmt.Sprint(rows) != fmt.Sprint(model.Kinds) {
		t.Errorf("Overview rows %v, want %v", rows, model.Kinds)
	}

	// One object of each kind marked: the summary in display order, the
	// confirmation in deletion order.
	a.marks.Set(model.KindImage, hexID("sha256:", 4), true)
	a.marks.Set(model.KindContainer, hexID("", 104), true)
	a.marks.Set(model.KindVolume, "old-data", true)
	a.marks.Set(model.KindNetwork, hexID("", 204), true)
	a.marks.Set(model.KindBuildCache, "k2j3h4g5f6d7s8a9", true)
	press(a, "1")
	var summary, dialog []string
	for _, k := range model.Kinds {
		summary = append(summary, "    "+k.String()+" ")
	}
	for _, k := range model.DeletionOrder {
		dialog = append(dialog, k.String()+" (1)")
	}
	if s := screen(a); !inOrder(s, summary) {
		t.Errorf("marked summary not in %v:\n%s", model.Kinds, s)
	}
	press(a, "d")
	if s := screen(a); a.dialog == nil || !inOrder(s, dialog) {
		t.Errorf("confirmation not in %v:\n%s", model.DeletionOrder, s)
	}
}
