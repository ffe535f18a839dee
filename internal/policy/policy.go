// Package policy reads bilge's retention policy file (YAML) into a
// model.Policy, strictly: an unknown key, a bad duration, size, label or
// pattern is one error naming the file, the line and the key.
//
// The file:
//
//	keep-labels: ["keep=true", "com.example.pin"]  # never remove what carries one
//	keep-refs: ["postgres:*"]                      # never remove these images
//	keep-last: 3                                   # newest 3 images of each repository
//	keep-used-within: 2d                           # images used in the last 2 days
//	rules:
//	  - name: dev tags after a week
//	    remove: images                             # dangling, images, containers,
//	    match: ["*:dev*"]                          # volumes, networks, build-cache
//	    older: 7d
//	max-size: 20GB                                 # Docker's total
//	min-free: 15GB                                 # free on the data root's filesystem
package policy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"bilge/model"
)

// Error is a mistake in a policy file.
type Error struct {
	File string
	Line int    // 0 when the file as a whole is wrong
	Key  string // the key path, "rules[2].older"; "" when none
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// DefaultPath is $XDG_CONFIG_HOME/bilge/policy.yaml (XDG_CONFIG_HOME
// defaulting to ~/.config); getenv is os.Getenv outside tests.
func DefaultPath(getenv func(string) string) (string, error) {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("no policy file given (--policy FILE) and neither XDG_CONFIG_HOME nor HOME is set")
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "bilge", "policy.yaml"), nil
}

// maxFile bounds what Load reads: a policy is a few hundred bytes.
const maxFile = 1 << 20

// Load reads and parses a policy file.
func Load(path string) (model.Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return model.Policy{}, &Error{File: path, Msg: "no such file (write one: see \"Policies\" in the README)"}
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return model.Policy{}, &Error{File: path, Msg: err.Error()}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return model.Policy{}, &Error{File: path, Msg: err.Error()}
	}
	if len(data) > maxFile {
		return model.Policy{}, &Error{File: path, Msg: "larger than 1MB: not a policy file"}
	}
	return Parse(path, data)
}

// Parse reads a policy from the file's bytes; name is what errors call
// the file.
func Parse(name string, data []byte) (model.Policy, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return model.Policy{}, yamlError(name, err)
	}
	p := &parser{file: name}
	if len(doc.Content) == 0 {
		return model.Policy{}, &Error{File: name, Msg: "empty: a policy needs rules, max-size or min-free"}
	}
	pol, err := p.policy(doc.Content[0])
	if err != nil {
		return model.Policy{}, err
	}
	return pol, nil
}

// yamlError turns the YAML library's "yaml: line 3: …" into file:3: ….
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, after
			}
		}
	}
	msg = strings.Join(strings.Fields(msg), " ") // one line
	return &Error{File: name, Line: line, Msg: "not valid YAML: " + msg}
}

type parser struct{ file string }

func (p *parser) fail(n *yaml.Node, key, format string, a ...any) error {
	return &Error{File: p.file, Line: n.Line, Key: key, Msg: fmt.Sprintf(format, a...)}
}

// fields walks a mapping's keys, calling set for each; a key set does not
// know is an error listing the known ones.
func (p *parser) fields(n *yaml.Node, path string, known []string, set func(key string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.fail(n, path, "want a mapping of %s", strings.Join(known, ", "))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		full := key
		if path != "" {
			full = path + "." + key
		}
		if !contains(known, key) {
			return p.fail(k, full, "unknown key (known: %s)", strings.Join(known, ", "))
		}
		if line, dup := seen[key]; dup {
			return p.fail(k, full, "given twice (first at line %d)", line)
		}
		seen[key] = k.Line
		if err := set(key, v); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var topKeys = []string{"keep", "keep-labels", "keep-refs", "keep-last", "keep-used-within", "rules", "max-size", "min-free"}

func (p *parser) policy(root *yaml.Node) (model.Policy, error) {
	var pol model.Policy
	err := p.fields(root, "", topKeys, func(key string, v *yaml.Node) (err error) {
		switch key {
		case "keep", "keep-labels": // keep: is the short spelling of keep-labels
			var ls []model.LabelMatch
			ls, err = p.labels(v, key)
			pol.Keep.Labels = append(pol.Keep.Labels, ls...)
		case "keep-refs":
			pol.Keep.Refs, err = p.patterns(v, key)
		case "keep-last":
			pol.Keep.Last, err = p.count(v, key)
		case "keep-used-within":
			pol.Keep.UsedWithin, err = p.age(v, key)
		case "max-size":
			pol.MaxSize, err = p.size(v, key)
		case "min-free":
			pol.MinFree, err = p.size(v, key)
		case "rules":
			pol.Rules, err = p.rules(v)
		}
		return err
	})
	if err != nil {
		return model.Policy{}, err
	}
	if len(pol.Rules) == 0 && pol.MaxSize == 0 && pol.MinFree == 0 {
		return model.Policy{}, p.fail(root, "", "the policy removes nothing: give rules, max-size or min-free")
	}
	return pol, nil
}

func (p *parser) scalar(v *yaml.Node, key string) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", p.fail(v, key, "want a single value")
	}
	return v.Value, nil
}

func (p *parser) list(v *yaml.Node, key string) ([]*yaml.Node, error) {
	switch v.Kind {
	case yaml.SequenceNode:
		return v.Content, nil
	case yaml.ScalarNode:
		if v.Tag != "!!null" {
			return []*yaml.Node{v}, nil // one item without brackets
		}
	}
	return nil, p.fail(v, key, "want a list")
}

func (p *parser) labels(v *yaml.Node, key string) ([]model.LabelMatch, error) {
	items, err := p.list(v, key)
	if err != nil {
		return nil, err
	}
	var out []model.LabelMatch
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		s, err := p.scalar(it, k)
		if err != nil {
			return nil, err
		}
		l, err := model.ParseLabelMatch(s)
		if err != nil {
			return nil, p.fail(it, k, "%v", err)
		}
		out = append(out, l)
	}
	return out, nil
}

func (p *parser) patterns(v *yaml.Node, key string) ([]model.Pattern, error) {
	items, err := p.list(v, key)
	if err != nil {
		return nil, err
	}
	var out []model.Pattern
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		s, err := p.scalar(it, k)
		if err != nil {
			return nil, err
		}
		pat, err := model.ParsePattern(s)
		if err != nil {
			return nil, p.fail(it, k, "%v", err)
		}
		out = append(out, pat)
	}
	return out, nil
}

func (p *parser) count(v *yaml.Node, key string) (int, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, p.fail(v, key, "%q is not a whole number of images (0 or more)", s)
	}
	return n, nil
}

func (p *parser) age(v *yaml.Node, key string) (time.Duration, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return 0, err
	}
	d, err := model.ParseAge(s)
	if err != nil {
		return 0, p.fail(v, key, "%q is not a duration: use a number with s, m, h, d, w or y, e.g. 7d or 168h", s)
	}
	return d, nil
}

func (p *parser) size(v *yaml.Node, key string) (int64, error) {
	s, err := p.scalar(v, key)
	if err != nil {
		return 0, err
	}
	n, err := model.ParseSize(s)
	if err != nil || n <= 0 {
		return 0, p.fail(v, key, "%q is not a size: use a number with B, kB, MB, GB or TB, e.g. 20GB", s)
	}
	return n, nil
}

// removeKinds are the values of a rule's remove key, and the keys each
// takes besides name and remove.
var removeKinds = []struct {
	name string
	kind model.RuleKind
	keys []string
}{
	{"dangling", model.RuleDangling, []string{"labels", "older"}},
	{"images", model.RuleImages, []string{"match", "labels", "older"}},
	{"containers", model.RuleContainers, []string{"labels", "older"}},
	{"volumes", model.RuleVolumes, []string{"match", "labels", "older"}},
	{"networks", model.RuleNetworks, []string{"labels", "older"}},
	{"build-cache", model.RuleBuildCache, []string{"older", "keep-storage"}},
}

var ruleKeys = []string{"name", "remove", "match", "labels", "older", "keep-storage"}

func (p *parser) rules(v *yaml.Node) ([]model.Rule, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, p.fail(v, "rules", "want a list of rules (each a mapping with remove: and its conditions)")
	}
	var out []model.Rule
	names := map[string]int{}
	for i, n := range v.Content {
		path := fmt.Sprintf("rules[%d]", i)
		r, err := p.rule(n, path)
		if err != nil {
			return nil, err
		}
		if line, dup := names[r.Title()]; dup {
			return nil, p.fail(n, path+".name", "%q names the rule at line %d too: give each rule its own name", r.Title(), line)
		}
		names[r.Title()] = n.Line
		out = append(out, r)
	}
	return out, nil
}

func (p *parser) rule(n *yaml.Node, path string) (model.Rule, error) {
	var r model.Rule
	vals := map[string]*yaml.Node{}
	err := p.fields(n, path, ruleKeys, func(key string, v *yaml.Node) error {
		vals[key] = v
		return nil
	})
	if err != nil {
		return r, err
	}
	rv, ok := vals["remove"]
	if !ok {
		return r, p.fail(n, path, "no remove: key (one of dangling, images, containers, volumes, networks, build-cache)")
	}
	what, err := p.scalar(rv, path+".remove")
	if err != nil {
		return r, err
	}
	var allowed []string
	found := false
	for _, k := range removeKinds {
		if k.name == what {
			r.Kind, allowed, found = k.kind, k.keys, true
		}
	}
	if !found {
		return r, p.fail(rv, path+".remove", "%q is not one of dangling, images, containers, volumes, networks, build-cache", what)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		if key != "name" && key != "remove" && !contains(allowed, key) {
			return r, p.fail(n.Content[i], path+"."+key, "a rule that removes %s takes %s", what, strings.Join(append([]string{"name"}, allowed...), ", "))
		}
	}
	return r, p.ruleValues(&r, vals, path, what)
}

func (p *parser) ruleValues(r *model.Rule, vals map[string]*yaml.Node, path, what string) (err error) {
	if v, ok := vals["name"]; ok {
		if r.Name, err = p.scalar(v, path+".name"); err != nil {
			return err
		}
		if strings.TrimSpace(r.Name) == "" || !model.IsSafeText(r.Name) {
			return p.fail(v, path+".name", "give a name of printable text")
		}
	}
	if v, ok := vals["match"]; ok {
		if r.Match, err = p.patterns(v, path+".match"); err != nil {
			return err
		}
	}
	if v, ok := vals["labels"]; ok {
		if r.Labels, err = p.labels(v, path+".labels"); err != nil {
			return err
		}
	}
	if v, ok := vals["older"]; ok {
		if r.Older, err = p.age(v, path+".older"); err != nil {
			return err
		}
	}
	if v, ok := vals["keep-storage"]; ok {
		if _, older := vals["older"]; older {
			return p.fail(v, path+".keep-storage", "keep-storage and older are two rules: write one rule each")
		}
		s, err := p.scalar(v, path+".keep-storage")
		if err != nil {
			return err
		}
		if r.KeepStorage, err = model.ParseSize(s); err != nil {
			return p.fail(v, path+".keep-storage", "%q is not a size: use a number with B, kB, MB, GB or TB, e.g. 10GB", s)
		}
		r.Kind = model.RuleBuildCacheBudget
	}
	return nil
}
