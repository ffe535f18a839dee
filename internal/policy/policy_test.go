package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"bilge/model"
)

const example = `# bilge retention policy
keep-labels: ["keep=true", "com.example.pin"]
keep-refs: ["postgres:*", "registry.example.com/base/*"]
keep-last: 3
keep-used-within: 2d
rules:
  - name: dangling
    remove: dangling
  - name: dev after a week
    remove: images
    match: "*:dev*"
    older: 7d
  - remove: images
    match: ["*:staging*"]
    older: 720h
  - name: development images
    remove: images
    labels: environment=development
  - name: stopped containers
    remove: containers
    older: 1d
  - name: anonymous volumes
    remove: volumes
  - name: ci caches
    remove: volumes
    match: ["ci-cache-*"]
  - name: networks
    remove: networks
  - name: old build cache
    remove: build-cache
    older: 14d
  - name: warm build cache
    remove: build-cache
    keep-storage: 10GB
max-size: 20GB
min-free: 15GB
`

func TestParseExample(t *testing.T) {
	t.Parallel()
	p, err := Parse("policy.yaml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	if p.Keep.Last != 3 || p.Keep.UsedWithin != 2*day || len(p.Keep.Labels) != 2 || len(p.Keep.Refs) != 2 || p.MaxSize != 20e9 || p.MinFree != 15e9 {
		t.Errorf("keep %+v max %d min %d", p.Keep, p.MaxSize, p.MinFree)
	}
	if got := p.Keep.Labels[1]; got != (model.LabelMatch{Key: "com.example.pin"}) {
		t.Errorf("label %+v", got)
	}
	var titles []string
	for _, r := range p.Rules {
		titles = append(titles, r.Title())
	}
	want := []string{"dangling", "dev after a week", "unused images *:staging* older than 30d", "development images", "stopped containers", "anonymous volumes", "ci caches", "networks", "old build cache", "warm build cache"}
	if !reflect.DeepEqual(titles, want) {
		t.Errorf("rules %q, want %q", titles, want)
	}
	kinds := []model.RuleKind{model.RuleDangling, model.RuleImages, model.RuleImages, model.RuleImages, model.RuleContainers, model.RuleVolumes, model.RuleVolumes, model.RuleNetworks, model.RuleBuildCache, model.RuleBuildCacheBudget}
	for i, r := range p.Rules {
		if r.Kind != kinds[i] {
			t.Errorf("rule %d kind %v, want %v", i, r.Kind, kinds[i])
		}
	}
	if r := p.Rules[1]; r.Older != 7*day || len(r.Match) != 1 || !r.Match[0].Match("app:dev-1") {
		t.Errorf("rule 1 %+v", r)
	}
	if r := p.Rules[9]; r.KeepStorage != 10e9 {
		t.Errorf("keep-storage %d", r.KeepStorage)
	}
}

// TestParseErrors: each mistake is one line naming the file, the line and
// the key.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown top key", "rules: []\nkeep-tags: [a]\n", "p.yaml:2: keep-tags: unknown key (known: keep, keep-labels, keep-refs, keep-last, keep-used-within, rules, max-size, min-free)"},
		{"unknown rule key", "rules:\n  - remove: images\n    olde: 7d\n", "p.yaml:3: rules[0].olde: unknown key (known: name, remove, match, labels, older, keep-storage)"},
		{"key the kind does not take", "rules:\n  - remove: containers\n    match: ['a*']\n", "p.yaml:3: rules[0].match: a rule that removes containers takes name, labels, older"},
		{"bad duration", "rules:\n  - remove: images\n    older: 7x\n", `p.yaml:3: rules[0].older: "7x" is not a duration: use a number with s, m, h, d, w or y, e.g. 7d or 168h`},
		{"duration without unit", "keep-used-within: 7\nmax-size: 1GB\n", `p.yaml:1: keep-used-within: "7" is not a duration`},
		{"bad size", "max-size: 10XB\n", `p.yaml:1: max-size: "10XB" is not a size: use a number with B, kB, MB, GB or TB, e.g. 20GB`},
		{"bad keep-storage", "rules:\n  - remove: build-cache\n    keep-storage: lots\n", `p.yaml:3: rules[0].keep-storage: "lots" is not a size`},
		{"bad pattern", "keep-refs: ['app:[dev']\nmax-size: 1GB\n", `p.yaml:1: keep-refs[0]: invalid pattern "app:[dev": '[' without a closing ']'`},
		{"bad rule pattern", "rules:\n  - remove: images\n    match:\n      - ok\n      - 'bad pattern'\n", `p.yaml:5: rules[0].match[1]: invalid pattern "bad pattern"`},
		{"bad label", "keep-labels: ['=x']\nmax-size: 1GB\n", `p.yaml:1: keep-labels[0]: invalid label "=x"`},
		{"bad remove", "rules:\n  - remove: everything\n", `p.yaml:2: rules[0].remove: "everything" is not one of dangling, images, containers, volumes, networks, build-cache`},
		{"no remove", "rules:\n  - name: x\n", "p.yaml:2: rules[0]: no remove: key"},
		{"bad keep-last", "keep-last: -1\nmax-size: 1GB\n", `p.yaml:1: keep-last: "-1" is not a whole number`},
		{"removes nothing", "keep-last: 3\n", "p.yaml:1: the policy removes nothing"},
		{"empty", "", "p.yaml: empty"},
		{"not yaml", "rules: [\n", "p.yaml:1: not valid YAML: did not find expected node content"},
		{"tab indent", "rules:\n\t- remove: images\n", "p.yaml:2: not valid YAML: found character that cannot start any token"},
		{"duplicate key", "max-size: 1GB\nmax-size: 2GB\n", "p.yaml:2: max-size: given twice (first at line 1)"},
		{"rules not a list", "rules: images\n", "p.yaml:1: rules: want a list of rules"},
		{"duplicate rule names", "rules:\n  - remove: dangling\n  - remove: dangling\n", `p.yaml:3: rules[1].name: "dangling images" names the rule at line 2 too`},
		{"older and keep-storage", "rules:\n  - remove: build-cache\n    older: 1d\n    keep-storage: 1GB\n", "p.yaml:4: rules[0].keep-storage: keep-storage and older are two rules"},
		{"a list where a value goes", "max-size: [1GB]\n", "p.yaml:1: max-size: want a single value"},
		{"not a mapping", "- a\n", "p.yaml:1: want a mapping of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("p.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want it to start with %q, on one line", msg, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.yaml")
	if _, err := Load(missing); err == nil || err.Error() != missing+`: no such file (write one: see "Policies" in the README)` {
		t.Errorf("missing file: %v", err)
	}
	good := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(good, []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := Load(good); err != nil || len(p.Rules) != 10 {
		t.Errorf("good file: %v, %d rules", err, len(p.Rules))
	}
	if _, err := Load(dir); err == nil || !strings.HasPrefix(err.Error(), dir+": ") {
		t.Errorf("a directory: %v", err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/bilge/policy.yaml"},
		{map[string]string{"HOME": "/h"}, "/h/.config/bilge/policy.yaml"},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/h"}, "/h/.config/bilge/policy.yaml"},
	}
	for _, tc := range tests {
		if got, err := DefaultPath(env(tc.env)); err != nil || got != tc.want {
			t.Errorf("%v: %q %v, want %q", tc.env, got, err, tc.want)
		}
	}
	if _, err := DefaultPath(env(nil)); err == nil {
		t.Error("no HOME: no error")
	}
}

// TestReadmeExample: the README's example policy parses, and every rule
// key the reference table names is one the parser knows.
func TestReadmeExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "## Policies")
	if !ok {
		t.Fatal("no Policies section in the README")
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml block in the Policies section")
	}
	p, err := Parse("README.md", []byte(block))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 11 || p.MaxSize != 80e9 || p.MinFree != 15e9 || p.Keep.Last != 3 {
		t.Errorf("%d rules, max %d, min %d, keep-last %d", len(p.Rules), p.MaxSize, p.MinFree, p.Keep.Last)
	}
	for _, k := range ruleKeys {
		if !strings.Contains(section, "| `"+k+"` |") {
			t.Errorf("the rule reference does not describe %q", k)
		}
	}
}

// TestKeepIsKeepLabels: the short spelling, keep: [labels], is
// keep-labels; given both, both lists count.
func TestKeepIsKeepLabels(t *testing.T) {
	t.Parallel()
	p, err := Parse("p.yaml", []byte("keep: [\"keep=true\"]\nkeep-labels: [com.example.pin]\nrules:\n  - remove: dangling\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []model.LabelMatch{{Key: "keep", Value: "true", HasValue: true}, {Key: "com.example.pin"}}
	if !reflect.DeepEqual(p.Keep.Labels, want) {
		t.Errorf("labels %+v, want %+v", p.Keep.Labels, want)
	}
}
