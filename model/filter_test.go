package model

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestParseFilterNormalizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"   \t ", ""},
		{"nginx", "nginx"},
		{"  NGINX   is:Dangling ", "NGINX is:dangling"},
		{"IS:USED", "is:in-use"},
		{"is:inuse is:in-use", "is:in-use is:in-use"},
		{"Older:30D newer:12h", "older:30d newer:12h"},
		{"LARGER:500MB smaller:1gb", "larger:500MB smaller:1gb"},
		{"label:com.example=Foo", "label:com.example=Foo"},
		{"nginx:1.25 sha256:abc", "nginx:1.25 sha256:abc"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", tt.in, err)
			}
			if got := f.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
			if f.Empty() != (tt.want == "") {
				t.Fatalf("Empty() = %v", f.Empty())
			}
			again, err := ParseFilter(f.String())
			if err != nil || again.String() != f.String() {
				t.Fatalf("reparse: %q, %v", again.String(), err)
			}
		})
	}
	if !(Filter{}).Empty() {
		t.Error("zero Filter is not empty")
	}
}

// TestParseFilterTerms checks the rule that decides what a term with ':' is.
func TestParseFilterTerms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		term    string
		kind    condKind
		wantErr string // substring of the error; "" means no error
	}{
		// Free text.
		{"nginx", condText, ""},
		{"nginx:1.25", condText, ""},
		{"nginx:latest", condText, ""},
		{"foo:bar", condText, ""}, // shaped like repo:tag
		{"sha256:abc123", condText, ""},
		{"SHA256:ABC", condText, ""},
		{"localhost:5000/app:v1", condText, ""},
		{"ghcr.io/org/app:1.0", condText, ""},
		{"nginx@sha256:abc", condText, ""},
		{"<none>:<none>", condText, ""},
		{"node:20", condText, ""},
		{"nginx:", condText, ""},
		{":latest", condText, ""},
		{"a=b", condText, ""},
		{"--mount=type=cache", condText, ""},
		{"dangling=", condText, ""},
		// Tokens.
		{"is:dangling", condIs, ""},
		{"is:unused", condIs, ""},
		{"is:running", condIs, ""},
		{"is:stopped", condIs, ""},
		{"is:anonymous", condIs, ""},
		{"is:in-use", condIs, ""},
		{"is:used", condIs, ""},
		{"is:inuse", condIs, ""},
		{"is:named", condIs, ""},
		{"is:builtin", condIs, ""},
		{"is:shared", condIs, ""},
		{"older:30d", condOlder, ""},
		{"older:1h30m", condOlder, ""},
		{"newer:12h", condNewer, ""},
		{"larger:500MB", condLarger, ""},
		{"smaller:1GB", condSmaller, ""},
		{"smaller:0", condSmaller, ""},
		{"label:key", condLabel, ""},
		{"label:key=value", condLabel, ""},
		{"label:key=", condLabel, ""},
		{"label:a:b=c:d", condLabel, ""},
		// Bad values of tokens.
		{"is:", 0, `"is:" needs a status: use is:dangling, is:unused`},
		{"is:foo", 0, `unknown status "is:foo": use is:dangling, is:unused, is:running, is:stopped, is:anonymous, is:named, is:in-use, is:builtin, is:shared or a container state (is:paused, is:exited, is:created, is:restarting, is:dead, is:removing)`},
		{"is:exited", condIs, ""},
		{"is:paused", condIs, ""},
		{"older:", 0, `invalid age in "older:": use a number with s, m, h, d, w or y`},
		{"older:30", 0, `invalid age in "older:30"`},
		{"older:30x", 0, `invalid age in "older:30x"`},
		{"newer:yesterday", 0, `invalid age in "newer:yesterday"`},
		{"larger:", 0, `invalid size in "larger:": use a number with B, kB, MB, GB or TB`},
		{"larger:12XB", 0, `invalid size in "larger:12XB": use a number with B, kB, MB, GB or TB`},
		{"smaller:big", 0, `invalid size in "smaller:big"`},
		{"smaller:-1", 0, `invalid size in "smaller:-1"`},
		{"label:", 0, `"label:" needs a key: use label:KEY or label:KEY=VALUE`},
		{"label:=v", 0, `"label:=v" needs a key`},
		// Reserved words.
		{"status:running", 0, `unknown filter "status:running" (use is:dangling`},
		{"state:exited", 0, `unknown filter "state:exited"`},
		{"size:1GB", 0, `unknown filter "size:1GB" (use larger:SIZE or smaller:SIZE`},
		{"age:30d", 0, `unknown filter "age:30d" (use older:AGE or newer:AGE`},
		{"Created:1d", 0, `unknown filter "Created:1d"`},
		{"until:24h", 0, `(use older:AGE`},
		{"since:1h", 0, `(use newer:AGE`},
		{"name:web", 0, `unknown filter "name:web" (type the name as plain text)`},
		{"tag:latest", 0, `(type the tag as plain text)`},
		{"id:abc", 0, `(type the ID as plain text)`},
		{"type:regular", 0, `unknown filter "type:regular" (try is:, older:, newer:, larger:, smaller:, label:)`},
		{"not:running", 0, `negation is not supported`},
		// Typos of token names.
		{"lable:foo", 0, `unknown filter "lable:foo" (did you mean label:?)`},
		{"labels:foo", 0, `(did you mean label:?)`},
		{"lager:1GB", 0, `(did you mean larger:?)`},
		{"smaler:1GB", 0, `(did you mean smaller:?)`},
		{"olde:30d", 0, `(did you mean older:?)`},
		{"nwer:1h", 0, `(did you mean newer:?)`},
		{"enwer:1h", 0, `(did you mean newer:?)`},
		// An is: status after the wrong prefix.
		{"iss:dangling", 0, `unknown filter "iss:dangling" (did you mean is:dangling?)`},
		{"foo:used", 0, `(did you mean is:in-use?)`},
		// docker CLI filter syntax.
		{"dangling=true", 0, `"dangling=true" is docker's filter syntax: use is:dangling`},
		{"label=com.example", 0, `use label:KEY or label:KEY=VALUE`},
		{"until=24h", 0, `use older:AGE`},
		{"reference=nginx", 0, `use the name or tag as plain text`},
	}
	for _, tt := range tests {
		t.Run(tt.term, func(t *testing.T) {
			t.Parallel()
			for _, q := range []string{tt.term, "web " + tt.term + " is:unused"} {
				f, err := ParseFilter(q)
				if tt.wantErr == "" {
					if err != nil {
						t.Fatalf("ParseFilter(%q): %v", q, err)
					}
					if q == tt.term && (len(f.conds) != 1 || f.conds[0].kind != tt.kind) {
						t.Fatalf("ParseFilter(%q) = %+v, want one term of kind %d", q, f.conds, tt.kind)
					}
					continue
				}
				if err == nil {
					t.Fatalf("ParseFilter(%q) = %q, want error containing %q", q, f, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseFilter(%q) error = %q, want it to contain %q", q, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error is not one line: %q", err)
				}
				var fe *FilterError
				if !errors.As(err, &fe) || fe.Term != tt.term {
					t.Fatalf("error %#v does not name term %q", err, tt.term)
				}
				if !f.Empty() {
					t.Fatalf("a failed parse returned a non-empty filter")
				}
			}
		})
	}
}

func mustFilter(t *testing.T, q string) Filter {
	t.Helper()
	f, err := ParseFilter(q)
	if err != nil {
		t.Fatalf("ParseFilter(%q): %v", q, err)
	}
	return f
}

func TestMatchImage(t *testing.T) {
	t.Parallel()
	imgs := []Image{
		{ID: "sha256:aaa111", Tags: []string{"nginx:1.25", "nginx:latest"}, Size: 190e6, Created: now.Add(-40 * 24 * time.Hour),
			Containers: []string{"c1", "c2"}, RunningContainers: 1, Running: 1, Labels: map[string]string{"maintainer": "NGINX"}},
		{ID: "sha256:bbb222", Tags: []string{"ghcr.io/Org/App:v2"}, Size: 2e9, Created: now.Add(-2 * time.Hour),
			Containers: []string{"c3"}},
		{ID: "sha256:ccc333", Tags: []string{"alpine:3"}, Size: 7e6, Created: now.Add(-400 * 24 * time.Hour)},
		{ID: "sha256:ddd444", Size: Unknown, Created: now.Add(-10 * 24 * time.Hour)},
		{ID: "sha256:eee555", Size: 500e6, Containers: []string{"c4"}}, // dangling, stopped container, created unknown
	}
	tests := []struct {
		q    string
		want []int
	}{
		{"", []int{0, 1, 2, 3, 4}},
		{"nginx", []int{0}},
		{"NGINX:LATEST", []int{0}},
		{"latest", []int{0}},
		{"org/app", []int{1}},
		{"ghcr.io", []int{1}},
		{"bbb", []int{1}},
		{"sha256:bbb", []int{1}},
		{"sha256:", []int{0, 1, 2, 3, 4}},
		{"<none>", []int{3, 4}},
		{"none", []int{3, 4}},
		{"nomatch", nil},
		{"nginx alpine", nil},
		{"is:dangling", []int{3, 4}},
		{"is:unused", []int{2, 3}},
		{"is:running", []int{0}},
		{"is:in-use", []int{0}},
		{"is:used", []int{0}},
		{"is:stopped", []int{1, 4}},
		{"is:anonymous", nil},
		{"is:named", nil},
		{"is:builtin", nil},
		{"is:shared", nil},
		{"is:dangling is:unused", []int{3}},
		{"older:30d", []int{0, 2}},
		{"older:1y", []int{2}},
		{"newer:12h", []int{1}},
		{"newer:30d", []int{1, 3}},
		{"larger:500MB", []int{1}},
		{"larger:499.9MB", []int{1, 4}},
		{"smaller:500MB", []int{0, 2}},
		{"smaller:1TB", []int{0, 1, 2, 4}},
		{"larger:0", []int{0, 1, 2, 4}},
		{"label:maintainer", []int{0}},
		{"label:maintainer=NGINX", []int{0}},
		{"label:maintainer=nginx", nil},
		{"label:Maintainer", nil},
		{"label:maintainer=", nil},
		{"is:stopped larger:1GB", []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			t.Parallel()
			f := mustFilter(t, tt.q)
			got := FilterImages(imgs, f, now)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Fatalf("FilterImages(%q) = %v, want %v", tt.q, got, tt.want)
			}
			for i := range imgs {
				if f.MatchImage(&imgs[i], now) != slices.Contains(tt.want, i) {
					t.Fatalf("MatchImage(%d) disagrees with FilterImages", i)
				}
			}
		})
	}
}

// TestImageIsRunningFollowsDockerStates: an image whose only container is
// paused is in use, not running; Link counts both from the states.
func TestImageIsRunningFollowsDockerStates(t *testing.T) {
	t.Parallel()
	s := &Snapshot{
		Images: []Image{{ID: "sha256:a", Tags: []string{"paused:1"}}, {ID: "sha256:b", Tags: []string{"running:1"}}},
		Containers: []Container{
			{ID: "c1", ImageID: "sha256:a", State: StatePaused},
			{ID: "c2", ImageID: "sha256:b", State: StateRunning},
			{ID: "c3", ImageID: "sha256:b", State: StateRestarting},
		},
	}
	s.Link()
	for q, want := range map[string][]int{"is:running": {1}, "is:in-use": {0, 1}, "is:stopped": nil} {
		if got := FilterImages(s.Images, mustFilter(t, q), now); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
}

func TestMatchContainer(t *testing.T) {
	t.Parallel()
	ctrs := []Container{
		{ID: "abc123", Name: "web", Image: "nginx:1.25", State: StateRunning, SizeRw: 2e6, Created: now.Add(-time.Hour),
			Labels: map[string]string{"com.docker.compose.project": "shop"}},
		{ID: "def456", Name: "Migrate", Image: "sha256:9f8e7d", State: StateExited, SizeRw: 0, Created: now.Add(-60 * 24 * time.Hour)},
		{ID: "fed789", Name: "worker", Image: "shop/worker:v3", State: StatePaused, SizeRw: Unknown, Created: now.Add(-3 * 24 * time.Hour),
			Labels: map[string]string{"com.docker.compose.project": "shop"}},
		{ID: "aaa000", Name: "fresh", Image: "alpine", State: StateCreated, SizeRw: 10e6},
	}
	tests := []struct {
		q    string
		want []int
	}{
		{"web", []int{0}},
		{"migrate", []int{1}},
		{"nginx", []int{0}},
		{"9f8e", []int{1}},
		{"fed7", []int{2}},
		{"shop", []int{2}},
		{"is:running", []int{0}}, // docker ps --filter status=running: not the paused one
		{"is:paused", []int{2}},
		{"is:exited", []int{1}},
		{"is:created", []int{3}},
		{"is:restarting", nil},
		{"is:dead", nil},
		{"is:removing", nil},
		{"is:in-use", []int{0, 2}},
		{"is:stopped", []int{1, 3}},
		{"is:unused", nil},
		{"is:dangling", nil},
		{"is:anonymous", nil},
		{"is:named", nil},
		{"is:builtin", nil},
		{"is:shared", nil},
		{"older:2d", []int{1, 2}},
		{"newer:1d", []int{0}},
		{"larger:1MB", []int{0, 3}},
		{"smaller:1MB", []int{1}},
		{"label:com.docker.compose.project=shop", []int{0, 2}},
		{"label:com.docker.compose.project=shop is:running larger:1kB", []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			t.Parallel()
			got := FilterContainers(ctrs, mustFilter(t, tt.q), now)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Fatalf("FilterContainers(%q) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestMatchVolume(t *testing.T) {
	t.Parallel()
	anon := strings.Repeat("ab", 32)
	vols := []Volume{
		{Name: "pgdata", Size: 3e9, RefCount: 1, Created: now.Add(-100 * 24 * time.Hour), Labels: map[string]string{"backup": "daily"}},
		{Name: anon, Size: 1e3, RefCount: 0, Created: now.Add(-time.Hour)},
		{Name: "ShopCache", Size: Unknown, RefCount: Unknown, Containers: []string{"c1"}},
		{Name: "3f2a", Size: 0, RefCount: 0, Labels: map[string]string{AnonymousVolumeLabel: ""}},
	}
	tests := []struct {
		q    string
		want []int
	}{
		{"pg", []int{0}},
		{"abab", []int{1}},
		{"shopcache", []int{2}},
		{"is:anonymous", []int{1, 3}},
		{"is:named", []int{0, 2}},
		{"is:unused", []int{1, 3}},
		{"is:in-use", []int{0, 2}},
		{"is:unused is:named", nil},
		{"is:running", nil},
		{"is:stopped", nil},
		{"is:dangling", nil},
		{"is:builtin", nil},
		{"is:shared", nil},
		{"larger:1GB", []int{0}},
		{"smaller:1GB", []int{1, 3}},
		{"older:30d", []int{0}},
		{"newer:30d", []int{1}},
		{"label:backup=daily", []int{0}},
		{"label:" + AnonymousVolumeLabel, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			t.Parallel()
			got := FilterVolumes(vols, mustFilter(t, tt.q), now)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Fatalf("FilterVolumes(%q) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestMatchNetwork(t *testing.T) {
	t.Parallel()
	nets := []Network{
		{ID: "n1bridge", Name: "bridge", Created: now.Add(-400 * 24 * time.Hour), Containers: []string{"c1"}},
		{ID: "n2host", Name: "host", Created: now.Add(-400 * 24 * time.Hour)},
		{ID: "n3app", Name: "shop_default", Created: now.Add(-time.Hour), Containers: []string{"c2"},
			Labels: map[string]string{"com.docker.compose.network": "default"}},
		{ID: "n4old", Name: "old_net", Created: now.Add(-50 * 24 * time.Hour)},
	}
	tests := []struct {
		q    string
		want []int
	}{
		{"shop", []int{2}},
		{"n4", []int{3}},
		{"is:unused", []int{3}},
		{"is:builtin", []int{0, 1}},
		{"is:in-use", []int{0, 2}},
		{"is:running", nil},
		{"is:stopped", nil},
		{"is:dangling", nil},
		{"is:anonymous", nil},
		{"is:named", nil},
		{"is:shared", nil},
		{"larger:0", nil},
		{"smaller:1TB", nil},
		{"older:30d", []int{0, 1, 3}},
		{"newer:1d", []int{2}},
		{"label:com.docker.compose.network", []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			t.Parallel()
			got := FilterNetworks(nets, mustFilter(t, tt.q), now)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Fatalf("FilterNetworks(%q) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestMatchBuildRecord(t *testing.T) {
	t.Parallel()
	recs := []BuildRecord{
		{ID: "r1abc", Description: "pulled from docker.io/library/golang:1.22", Size: 800e6, Created: now.Add(-20 * 24 * time.Hour), Shared: true},
		{ID: "r2def", Description: "mount / from exec /bin/sh -c go build", Size: 1e6, Created: now.Add(-time.Hour), InUse: true},
		{ID: "r3xyz", Type: "source.local", Size: 0, Created: now.Add(-2 * time.Hour)},
	}
	tests := []struct {
		q    string
		want []int
	}{
		{"golang:1.22", []int{0}},
		{"GO", []int{0, 1}},
		{"xyz", []int{2}},
		{"is:in-use", []int{1}},
		{"is:unused", []int{0, 2}},
		{"is:shared", []int{0}},
		{"is:running", nil},
		{"is:dangling", nil},
		{"is:builtin", nil},
		{"larger:1MB", []int{0}},
		{"smaller:1MB", []int{2}},
		{"older:7d", []int{0}},
		{"newer:90m", []int{1}},
		{"label:anything", nil},
		{"is:unused older:1h", []int{0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			t.Parallel()
			got := FilterBuildCache(recs, mustFilter(t, tt.q), now)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Fatalf("FilterBuildCache(%q) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

// TestOlderNewerBoundary pins the strict comparisons: created exactly d ago
// is neither older nor newer than d; a size exactly n is neither larger nor
// smaller than n.
func TestOlderNewerBoundary(t *testing.T) {
	t.Parallel()
	img := Image{ID: "x", Tags: []string{"x:1"}, Size: 1000, Created: now.Add(-24 * time.Hour)}
	tests := []struct {
		q    string
		want bool
	}{
		{"older:1d", false},
		{"newer:1d", false},
		{"older:23h59m", true},
		{"newer:24h1s", true},
		{"larger:1kB", false},
		{"smaller:1kB", false},
		{"larger:999", true},
		{"smaller:1001", true},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			t.Parallel()
			if got := mustFilter(t, tt.q).MatchImage(&img, now); got != tt.want {
				t.Fatalf("MatchImage(%q) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestContainsFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, sub string
		want   bool
	}{
		{"Hello", "", true},
		{"", "a", false},
		{"Hello", "hello", true},
		{"HELLO", "llo", true},
		{"Hello", "hellos", false},
		{"aaab", "aab", true},
		{"Ünïcode-Ümlaut", "ümlaut", true},
		{"Ünïcode", "x", false},
		{"abC", "bc", true},
		{"aBc", "abc", true},
		{"xyZ", "abc", false},
		{"lower", "lower", true},
		{"lower", "lowest", false},
	}
	for _, tt := range tests {
		if got := containsFold(tt.s, tt.sub); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", tt.s, tt.sub, got, tt.want)
		}
	}
}

func TestTypo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"label", "label", false},
		{"lable", "label", true},
		{"labl", "label", true},
		{"labels", "label", true},
		{"lavel", "label", true},
		{"xlabel", "label", true},
		{"lbael", "label", true},
		{"lbl", "label", false},
		{"ablel", "label", false},
		{"folder", "older", true},
		{"", "a", true},
		{"ab", "ba", true},
	}
	for _, tt := range tests {
		if got := typo(tt.a, tt.b); got != tt.want {
			t.Errorf("typo(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := typo(tt.b, tt.a); got != tt.want {
			t.Errorf("typo(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func BenchmarkFilterImages100k(b *testing.B) {
	imgs := manyImages(100_000)
	for _, q := range []string{"", "app42", "is:unused larger:1GB", "TEAM7/app older:30d label:com.example.team=7"} {
		f, err := ParseFilter(q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				FilterImages(imgs, f, now)
			}
		})
	}
}

func TestFilterNotFor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		q    string
		k    Kind
		want string
	}{
		{"is:anonymous", KindImage, "is:anonymous"},
		{"is:dangling", KindImage, ""},
		{"is:dangling is:unused", KindContainer, "is:dangling is:unused"},
		{"is:running", KindContainer, ""},
		{"is:dangling", KindVolume, "is:dangling"},
		{"larger:1GB", KindNetwork, "larger:1GB"},
		{"label:a=b", KindBuildCache, "label:a=b"},
		{"is:shared nginx", KindBuildCache, ""},
		{"is:builtin", KindNetwork, ""},
	}
	for _, c := range cases {
		f, err := ParseFilter(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(f.NotFor(c.k), " "); got != c.want {
			t.Errorf("%q on %v: NotFor = %q, want %q", c.q, c.k, got, c.want)
		}
	}
}

func TestFilterQuotes(t *testing.T) {
	t.Parallel()
	img := &Image{ID: "sha256:1", Tags: []string{"my app:1"}, Labels: map[string]string{"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"}}
	now := time.Now()
	for _, q := range []string{`label:maintainer="NGINX Docker Maintainers <docker-maint@nginx.com>"`, `"label:maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>"`, `"my app"`} {
		f, err := ParseFilter(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if !f.MatchImage(img, now) {
			t.Errorf("%s does not match", q)
		}
		again, err := ParseFilter(f.String())
		if err != nil || again.String() != f.String() {
			t.Errorf("normal form %q does not parse back: %v %q", f.String(), err, again.String())
		}
	}
	if _, err := ParseFilter(`label:a="open`); err == nil || !strings.Contains(err.Error(), "quote") {
		t.Errorf("unclosed quote: err = %v", err)
	}
}

// TestParseFilterLimits: a pasted wall of text is one clear error, not
// seconds of work per key; the limits themselves are accepted.
func TestParseFilterLimits(t *testing.T) {
	t.Parallel()
	atLen := strings.Repeat("a", MaxFilterLen)
	atTerms := strings.TrimSpace(strings.Repeat("x ", MaxFilterTerms))
	for _, q := range []string{atLen, atTerms, strings.Repeat("é", MaxFilterLen), "  " + atTerms + "  "} {
		if _, err := ParseFilter(q); err != nil {
			t.Errorf("a query at the limits (%d bytes) refused: %v", len(q), err)
		}
	}
	cases := []struct{ name, q, want string }{
		{"pasted", pastedQuery(10_000), "longer than 500 characters"},
		{"one char over", atLen + "b", "longer than 500 characters"},
		{"multibyte over", strings.Repeat("é", MaxFilterLen+1), "longer than 500 characters"},
		{"one term over", atTerms + " y", "more than 20 terms"},
		{"blanks", strings.Repeat("a ", 200), "more than 20 terms"},
		{"open quote", `"` + strings.Repeat("a ", 200), "quote is not closed"},
	}
	for _, c := range cases {
		_, err := ParseFilter(c.q)
		var fe *FilterError
		if !errors.As(err, &fe) || !strings.Contains(fe.Msg, c.want) {
			t.Errorf("%s: err = %v, want a FilterError saying %q", c.name, err, c.want)
			continue
		}
		if strings.ContainsAny(fe.Msg, "\n\r") || len(fe.Msg) > 200 {
			t.Errorf("%s: message is not one short line: %q", c.name, fe.Msg)
		}
	}
}

// TestFilterNormalFormQuotesValues: a token value typed in quotes keeps
// them in the normal form, which must parse back to the same filter; empty
// quotes are no term.
func TestFilterNormalFormQuotesValues(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]string{
		`larger:"1 GB"`: `larger:"1 GB"`,
		`"" nginx ""`:   `nginx`,
		`""`:            ``,
		`a""b`:          `ab`,
	} {
		f, err := ParseFilter(q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if f.String() != want {
			t.Errorf("%s: normal form %q, want %q", q, f.String(), want)
		}
		again, err := ParseFilter(f.String())
		if err != nil || again.String() != f.String() || len(again.conds) != len(f.conds) {
			t.Errorf("%s: normal form %q parses back as %q (%d terms, %v), want %d terms", q, f.String(), again.String(), len(again.conds), err, len(f.conds))
		}
	}
}

// TestContainsFoldAgreesWithLowerContains checks the KMP search against
// the obvious definition on strings made of few letters (many partial
// matches) in both cases.
func TestContainsFoldAgreesWithLowerContains(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(alpha string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return string(b)
	}
	for range 20_000 {
		s := word("aAbB", rng.IntN(24))
		sub := strings.ToLower(word("aAbB", 1+rng.IntN(6)))
		if got, want := containsFold(s, sub), strings.Contains(strings.ToLower(s), sub); got != want {
			t.Fatalf("containsFold(%q, %q) = %v, want %v", s, sub, got, want)
		}
	}
}

// BenchmarkContainsFoldWorst is the naive search's worst case: a long
// upper-case name of one letter and a term that almost matches everywhere.
func BenchmarkContainsFoldWorst(b *testing.B) {
	s := strings.Repeat("A", 4096)
	p := newPattern(strings.Repeat("a", MaxFilterLen-1) + "b")
	b.ReportAllocs()
	for b.Loop() {
		if p.in(s) {
			b.Fatal("match")
		}
	}
}
