package demo

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

// filterArgs is the engine's filters query parameter:
// {"key": {"value": true}} (or the legacy {"key": ["value"]}).
type filterArgs map[string]map[string]bool

func parseFilters(raw string) (filterArgs, error) {
	f := filterArgs{}
	if raw == "" {
		return f, nil
	}
	if err := json.Unmarshal([]byte(raw), &f); err == nil {
		return f, nil
	}
	var legacy map[string][]string
	if err := json.Unmarshal([]byte(raw), &legacy); err != nil {
		return nil, errInvalid("invalid filter: %v", err)
	}
	for k, vs := range legacy {
		f[k] = map[string]bool{}
		for _, v := range vs {
			f[k][v] = true
		}
	}
	return f, nil
}

func (f filterArgs) get(key string) []string {
	var out []string
	for v := range f[key] {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func (f filterArgs) has(key string) bool { return len(f[key]) > 0 }

func (f filterArgs) exact(key, val string) bool { return f[key][val] }

func (f filterArgs) validate(accepted ...string) error {
	for k := range f {
		ok := false
		for _, a := range accepted {
			if k == a {
				ok = true
			}
		}
		if !ok {
			return errInvalid("Invalid filter '%s'", k)
		}
	}
	return nil
}

// matchLabels applies label (every one must match) and label! (none may).
func (f filterArgs) matchLabels(labels map[string]string) bool {
	match := func(expr string) bool {
		k, v, hasV := strings.Cut(expr, "=")
		got, ok := labels[k]
		return ok && (!hasV || got == v)
	}
	for _, expr := range f.get("label") {
		if !match(expr) {
			return false
		}
	}
	for _, expr := range f.get("label!") {
		if match(expr) {
			return false
		}
	}
	return true
}

// until reads the until filter of prunes: a duration back from now, a
// date, or a Unix timestamp.
func (f filterArgs) until(now time.Time) (time.Time, error) {
	vals := f.get("until")
	if len(vals) == 0 {
		return time.Time{}, nil
	}
	if len(vals) > 1 {
		return time.Time{}, errInvalid("more than one until filter specified")
	}
	t, err := parseTimestamp(vals[0], now)
	if err != nil {
		return time.Time{}, errInvalid("%v", err)
	}
	return t, nil
}

func parseTimestamp(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	sec, frac, _ := strings.Cut(v, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, errInvalid("failed to parse value as time or duration: %q", v)
	}
	var ns int64
	if frac != "" {
		frac = (frac + "000000000")[:9]
		ns, _ = strconv.ParseInt(frac, 10, 64)
	}
	return time.Unix(s, ns), nil
}

// boolValue is httputils.BoolValue: set and not 0/no/false/none.
func boolValue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "no", "false", "none":
		return false
	}
	return true
}

// eventFilter selects events for a stream.
type eventFilter struct{ f filterArgs }

func (ef eventFilter) match(m *eventMsg) bool {
	f := ef.f
	if f.has("type") && !f.exact("type", m.Type) {
		return false
	}
	if f.has("event") && !f.exact("event", m.Action) {
		return false
	}
	if f.has("scope") && !f.exact("scope", m.Scope) {
		return false
	}
	actorMatch := func(key, typ string) bool {
		if !f.has(key) {
			return true
		}
		if m.Type != typ {
			if key == "image" && m.Type == "container" {
				return f.exact("image", m.Actor.Attributes["image"])
			}
			return false
		}
		return f.exact(key, m.Actor.ID) || f.exact(key, m.Actor.Attributes["name"])
	}
	for _, kt := range [][2]string{{"container", "container"}, {"image", "image"}, {"volume", "volume"}, {"network", "network"}} {
		if !actorMatch(kt[0], kt[1]) {
			return false
		}
	}
	return f.matchLabels(m.Actor.Attributes)
}
