package model

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzSnapshot is a small host with one object of every kind and state,
// for FuzzParseFilter to evaluate accepted filters on.
func fuzzSnapshot() *Snapshot {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Snapshot{
		Images: []Image{
			{ID: "sha256:" + strings.Repeat("ab", 32), Tags: []string{"nginx:1.25", "Registry.Example.com/Team/App:V1"}, Created: t0, Size: 1 << 30, Labels: map[string]string{"maintainer": "Jane Doe", "k": ""}},
			{ID: "sha256:" + strings.Repeat("0f", 32), Created: t0.Add(-400 * 24 * time.Hour), Size: Unknown},
			{ID: "sha256:" + strings.Repeat("e9", 32), Tags: []string{"ünïcode/ÄPP:latest"}, Size: 0},
		},
		Containers: []Container{
			{ID: strings.Repeat("c1", 32), Name: "web-1", Image: "nginx:1.25", ImageID: "sha256:" + strings.Repeat("ab", 32), State: "running", Created: t0, SizeRw: 4096, Labels: map[string]string{"com.docker.compose.project": "shop"}},
			{ID: strings.Repeat("c2", 32), Name: "Old\x1b[31m", Image: "sha256:0f0f", State: "exited", SizeRw: Unknown},
		},
		Volumes: []Volume{
			{Name: strings.Repeat("a1", 32), Size: Unknown, RefCount: Unknown},
			{Name: "pgdata", Size: 1e9, RefCount: 1, Created: t0, Labels: map[string]string{"x": "y"}},
		},
		Networks: []Network{
			{ID: strings.Repeat("n1", 32), Name: "bridge", Driver: "bridge"},
			{ID: strings.Repeat("n2", 32), Name: "app_default", Driver: "bridge", Created: t0, Containers: []string{strings.Repeat("c1", 32)}},
		},
		BuildCache: []BuildRecord{
			{ID: "abc123", Description: "[stage-1 3/5] COPY . /app", Size: 10, InUse: true, Shared: true, Created: t0},
			{ID: "def456", Description: "", Size: Unknown},
		},
	}
	s.Link()
	return s
}

// FuzzParseFilter: no query panics the parser or the matchers; a refused
// query gets one printable line; an accepted one has a normal form that
// parses back to itself and fits the limits.
func FuzzParseFilter(f *testing.F) {
	for _, q := range []string{
		"", " ", "\t\n", "nginx", "NGINX is:Dangling", "IS:USED",
		"is:", "is:bogus", "is:dangling is:unused is:running is:stopped is:anonymous is:named is:in-use is:inuse is:used is:builtin is:shared",
		"older:30d newer:12h older:1h30m older:1.5h older:1y2w3d4h5m6s", "older:", "older:30", "older:x", "older:99999999999999999999y", "newer:0s",
		"larger:500MB smaller:1gb larger:1.5G smaller:42 larger:0", "larger:", "larger:1e9", "larger:" + strings.Repeat("9", 400), "smaller:9223372036854775807", "larger:.5k",
		"label:k", "label:k=v", "label:", "label:=v", `label:maintainer="Jane Doe"`, `label:"a b"=c`, "label:k=", "label:a=b=c",
		"nginx:1.25 localhost:5000/app:v1 sha256:abc", "status:running", "lable:x", "lager:1GB", "foo:dangling", "dangling=true", "until=24h", "a=b",
		`"my app"`, `"unclosed`, `""`, `"" x ""`, `a""b`, `larger:"1 GB"`, `"is:dangling"`,
		"ünïcode", "ÄPP", "İstanbul", "\u212a", "\u202eevil", "x\x00y", "\x1b[31mred", "\x1b]0;title\a", "\xff\xfe", "a\rb", "\u0085",
		strings.Repeat("a", MaxFilterLen), strings.Repeat("a", MaxFilterLen+1), strings.Repeat("x ", MaxFilterTerms), strings.Repeat("x ", MaxFilterTerms+1),
		strings.Repeat("is:used ", 60), strings.Repeat(`"`, 1000), strings.Repeat("é", 300), pastedQuery(10_000),
	} {
		f.Add(q)
	}
	s := fuzzSnapshot()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, q string) {
		flt, err := ParseFilter(q)
		if err != nil {
			var fe *FilterError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseFilter(%q): error %T, want *FilterError", q, err)
			}
			if fe.Msg == "" {
				t.Fatalf("ParseFilter(%q): empty message", q)
			}
			for _, r := range fe.Msg {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
					t.Fatalf("ParseFilter(%q): message is not one printable line: %q", q, fe.Msg)
				}
			}
			return
		}
		norm := flt.String()
		if n := utf8.RuneCountInString(norm); n > MaxFilterLen || len(flt.conds) > MaxFilterTerms {
			t.Fatalf("ParseFilter(%q) accepted %d characters, %d terms", q, n, len(flt.conds))
		}
		again, err := ParseFilter(norm)
		if err != nil || again.String() != norm || len(again.conds) != len(flt.conds) {
			t.Fatalf("ParseFilter(%q): normal form %q parses back as %q, %d terms (want %d), %v", q, norm, again.String(), len(again.conds), len(flt.conds), err)
		}
		for _, k := range Kinds {
			flt.NotFor(k)
		}
		FilterImages(s.Images, flt, now)
		FilterContainers(s.Containers, flt, now)
		FilterVolumes(s.Volumes, flt, now)
		FilterNetworks(s.Networks, flt, now)
		FilterBuildCache(s.BuildCache, flt, now)
	})
}
