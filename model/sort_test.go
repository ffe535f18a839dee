package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestSortKeyString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k    SortKey
		want string
	}{
		{SortSize, "size"},
		{SortAge, "age"},
		{SortName, "name"},
		{SortFrees, "frees"},
		{SortLastUsed, "last used"},
		{SortKey(99), "?"},
		{SortKey(-1), "?"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", tt.k, got, tt.want)
		}
	}
	if got := (Sort{Key: SortAge, Desc: true}).String(); got != "age desc" {
		t.Errorf("String() = %q", got)
	}
	if got := (Sort{Key: SortName}).String(); got != "name asc" {
		t.Errorf("String() = %q", got)
	}
}

func TestSortToggle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		from Sort
		key  SortKey
		want Sort
	}{
		{"size again reverses", Sort{SortSize, true}, SortSize, Sort{SortSize, false}},
		{"size again, twice", Sort{SortSize, false}, SortSize, Sort{SortSize, true}},
		{"to size: largest first", Sort{SortName, false}, SortSize, Sort{SortSize, true}},
		{"to age: oldest first", Sort{SortSize, true}, SortAge, Sort{SortAge, false}},
		{"age again: newest first", Sort{SortAge, false}, SortAge, Sort{SortAge, true}},
		{"to frees: largest first", Sort{SortAge, false}, SortFrees, Sort{SortFrees, true}},
		{"to last used: longest unused first", Sort{SortSize, true}, SortLastUsed, Sort{SortLastUsed, false}},
		{"to name: A to Z", Sort{SortSize, true}, SortName, Sort{SortName, false}},
		{"name again: Z to A", Sort{SortName, false}, SortName, Sort{SortName, true}},
		{"to name from reversed age", Sort{SortAge, false}, SortName, Sort{SortName, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.from.Toggle(tt.key); got != tt.want {
				t.Errorf("%v.Toggle(%v) = %v, want %v", tt.from, tt.key, got, tt.want)
			}
		})
	}
	if DefaultSort != (Sort{SortSize, true}) {
		t.Errorf("DefaultSort = %v", DefaultSort)
	}
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return t0.Add(-d) }

func imageIDs(imgs []Image) []string {
	ids := make([]string, len(imgs))
	for i := range imgs {
		ids[i] = imgs[i].ID
	}
	return ids
}

func testImages() []Image {
	return []Image{
		{ID: "i1", Tags: []string{"nginx:1.25"}, Size: 200, Created: ago(3 * time.Hour)},
		{ID: "i2", Tags: []string{"alpine:3"}, Size: 100, Created: ago(time.Hour)},
		{ID: "i3", Size: 300, Created: ago(2 * time.Hour)}, // dangling
		{ID: "i4", Tags: []string{"Busybox:1"}, Size: Unknown, Created: ago(4 * time.Hour)},
		{ID: "i5", Tags: []string{"redis:7"}, Size: 100, Created: time.Time{}}, // created unknown
		{ID: "i0", Size: 100, Created: ago(5 * time.Hour)},                     // dangling
		{ID: "i6", Tags: []string{"postgres:16"}, Size: Unknown, Created: ago(3 * time.Hour)},
	}
}

func TestSortImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sort Sort
		want []string
	}{
		// Size ties (100) break A→Z by name: <none>:<none> < alpine < redis.
		{Sort{SortSize, true}, []string{"i3", "i1", "i0", "i2", "i5", "i4", "i6"}},
		{Sort{SortSize, false}, []string{"i0", "i2", "i5", "i1", "i3", "i4", "i6"}},
		// Created: i5 unknown last; i1 and i6 tie at 3h: nginx < postgres.
		{Sort{SortAge, true}, []string{"i2", "i3", "i1", "i6", "i4", "i0", "i5"}},
		{Sort{SortAge, false}, []string{"i0", "i4", "i1", "i6", "i3", "i2", "i5"}},
		// Names case-insensitively; dangling last, then by ID.
		{Sort{SortName, false}, []string{"i2", "i4", "i1", "i6", "i5", "i0", "i3"}},
		{Sort{SortName, true}, []string{"i5", "i6", "i1", "i4", "i2", "i0", "i3"}},
	}
	for _, tt := range tests {
		t.Run(tt.sort.String(), func(t *testing.T) {
			t.Parallel()
			imgs := testImages()
			SortImages(imgs, tt.sort)
			if got := imageIDs(imgs); !slices.Equal(got, tt.want) {
				t.Fatalf("order = %v, want %v", got, tt.want)
			}
			// The order is total: any input order gives the same result.
			r := rand.New(rand.NewPCG(1, 2))
			for range 20 {
				r.Shuffle(len(imgs), func(i, j int) { imgs[i], imgs[j] = imgs[j], imgs[i] })
				SortImages(imgs, tt.sort)
				if got := imageIDs(imgs); !slices.Equal(got, tt.want) {
					t.Fatalf("after shuffle order = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestSortReverses checks that with distinct keys the two directions are
// exact mirrors, and that Unknown sizes stay last in both.
func TestSortReverses(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	imgs := make([]Image, 500)
	for i := range imgs {
		imgs[i] = Image{ID: fmt.Sprintf("id%04d", i), Tags: []string{fmt.Sprintf("repo%04d:latest", i)},
			Size: int64(i) * 10, Created: ago(time.Duration(i) * time.Minute)}
		if i%10 == 0 {
			imgs[i].Size = Unknown
		}
	}
	r.Shuffle(len(imgs), func(i, j int) { imgs[i], imgs[j] = imgs[j], imgs[i] })
	for _, key := range []SortKey{SortSize, SortAge, SortName} {
		t.Run(key.String(), func(t *testing.T) {
			t.Parallel()
			asc := slices.Clone(imgs)
			desc := slices.Clone(imgs)
			SortImages(asc, Sort{key, false})
			SortImages(desc, Sort{key, true})
			a, d := imageIDs(asc), imageIDs(desc)
			known := len(a)
			if key == SortSize {
				known -= 50
				for i := known; i < len(a); i++ {
					if asc[i].Size != Unknown || desc[i].Size != Unknown {
						t.Fatalf("row %d: Unknown sizes must come last", i)
					}
				}
			}
			slices.Reverse(d[:known])
			if !slices.Equal(a[:known], d[:known]) {
				t.Fatalf("descending is not ascending reversed")
			}
			if key == SortSize && !slices.Equal(a[known:], d[known:]) {
				t.Fatalf("unknown-size rows differ between directions")
			}
		})
	}
}

func TestSortStable(t *testing.T) {
	t.Parallel()
	// Identical rows (even the ID) keep their input order.
	imgs := []Image{
		{ID: "x", Tags: []string{"a:1"}, Size: 5, Labels: map[string]string{"n": "1"}},
		{ID: "x", Tags: []string{"a:1"}, Size: 5, Labels: map[string]string{"n": "2"}},
		{ID: "x", Tags: []string{"a:1"}, Size: 5, Labels: map[string]string{"n": "3"}},
	}
	for _, s := range []Sort{{SortSize, true}, {SortSize, false}, {SortName, true}, {SortAge, false}} {
		SortImages(imgs, s)
		for i := range imgs {
			if got := imgs[i].Labels["n"]; got != fmt.Sprint(i+1) {
				t.Fatalf("%v: row %d is %s", s, i, got)
			}
		}
	}
	SortImages(nil, DefaultSort) // must not panic
}

func TestSortContainers(t *testing.T) {
	t.Parallel()
	ctrs := []Container{
		{ID: "c1", Name: "web", SizeRw: 10, Created: ago(time.Hour)},
		{ID: "c2", Name: "db", SizeRw: Unknown, Created: ago(2 * time.Hour)},
		{ID: "c3", Name: "Cache", SizeRw: 10, Created: ago(3 * time.Hour)},
		{ID: "c4", Name: "api", SizeRw: 30, Created: ago(30 * time.Minute)},
	}
	tests := []struct {
		sort Sort
		want []string
	}{
		{Sort{SortSize, true}, []string{"c4", "c3", "c1", "c2"}},
		{Sort{SortSize, false}, []string{"c3", "c1", "c4", "c2"}},
		{Sort{SortAge, true}, []string{"c4", "c1", "c2", "c3"}},
		{Sort{SortName, false}, []string{"c4", "c3", "c2", "c1"}},
		{Sort{SortName, true}, []string{"c1", "c2", "c3", "c4"}},
	}
	for _, tt := range tests {
		t.Run(tt.sort.String(), func(t *testing.T) {
			t.Parallel()
			s := slices.Clone(ctrs)
			SortContainers(s, tt.sort)
			var got []string
			for _, c := range s {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSortVolumes(t *testing.T) {
	t.Parallel()
	vols := []Volume{
		{Name: "pgdata", Size: 500, Created: ago(time.Hour)},
		{Name: "cache", Size: Unknown, Created: ago(2 * time.Hour)},
		{Name: "logs", Size: 500, Created: ago(3 * time.Hour)},
		{Name: "tmp", Size: 0},
	}
	tests := []struct {
		sort Sort
		want []string
	}{
		{Sort{SortSize, true}, []string{"logs", "pgdata", "tmp", "cache"}},
		{Sort{SortSize, false}, []string{"tmp", "logs", "pgdata", "cache"}},
		{Sort{SortAge, true}, []string{"pgdata", "cache", "logs", "tmp"}},
		{Sort{SortAge, false}, []string{"logs", "cache", "pgdata", "tmp"}},
		{Sort{SortName, false}, []string{"cache", "logs", "pgdata", "tmp"}},
	}
	for _, tt := range tests {
		t.Run(tt.sort.String(), func(t *testing.T) {
			t.Parallel()
			s := slices.Clone(vols)
			SortVolumes(s, tt.sort)
			var got []string
			for _, v := range s {
				got = append(got, v.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSortNetworks(t *testing.T) {
	t.Parallel()
	nets := []Network{
		{ID: "n3", Name: "host", Created: ago(time.Hour)},
		{ID: "n1", Name: "bridge", Created: ago(3 * time.Hour)},
		{ID: "n2", Name: "app_default", Created: ago(2 * time.Hour)},
		{ID: "n0", Name: "app_default", Created: ago(2 * time.Hour)},
	}
	tests := []struct {
		sort Sort
		want []string
	}{
		// No sizes: by name, in both directions, ties by ID.
		{Sort{SortSize, true}, []string{"n0", "n2", "n1", "n3"}},
		{Sort{SortSize, false}, []string{"n0", "n2", "n1", "n3"}},
		{Sort{SortAge, true}, []string{"n3", "n0", "n2", "n1"}},
		{Sort{SortName, true}, []string{"n3", "n1", "n0", "n2"}},
	}
	for _, tt := range tests {
		t.Run(tt.sort.String(), func(t *testing.T) {
			t.Parallel()
			s := slices.Clone(nets)
			SortNetworks(s, tt.sort)
			var got []string
			for _, n := range s {
				got = append(got, n.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSortBuildCache(t *testing.T) {
	t.Parallel()
	recs := []BuildRecord{
		{ID: "b3", Description: "pulled from docker.io/library/golang", Size: 900, Created: ago(time.Hour)},
		{ID: "b1", Description: "mount / from exec /bin/sh -c go build", Size: 50, Created: ago(2 * time.Hour)},
		{ID: "b2", Description: "", Size: 50, Created: ago(3 * time.Hour)},
		{ID: "b0", Description: "", Size: Unknown, Created: ago(4 * time.Hour)},
	}
	tests := []struct {
		sort Sort
		want []string
	}{
		{Sort{SortSize, true}, []string{"b3", "b2", "b1", "b0"}},
		{Sort{SortAge, false}, []string{"b0", "b2", "b1", "b3"}},
		{Sort{SortName, false}, []string{"b0", "b2", "b1", "b3"}},
		{Sort{SortName, true}, []string{"b3", "b1", "b0", "b2"}},
	}
	for _, tt := range tests {
		t.Run(tt.sort.String(), func(t *testing.T) {
			t.Parallel()
			s := slices.Clone(recs)
			SortBuildCache(s, tt.sort)
			var got []string
			for _, r := range s {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

// manyImages is n images with sizes, ages and names varied enough that
// every sort does real work, some sizes Unknown and some images dangling.
func manyImages(n int) []Image {
	r := rand.New(rand.NewPCG(5, 6))
	imgs := make([]Image, n)
	for i := range imgs {
		img := &imgs[i]
		img.ID = fmt.Sprintf("sha256:%064x", r.Uint64())
		if i%7 != 0 {
			img.Tags = []string{fmt.Sprintf("registry.example.com/team%d/app%d:v%d", i%50, r.IntN(n), i%13)}
		}
		img.Size = r.Int64N(5e9)
		if i%11 == 0 {
			img.Size = Unknown
		}
		img.SharedSize = Unknown
		img.Created = t0.Add(-time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour))))
		if i%5 == 0 {
			img.Containers = []string{"c"}
			img.RunningContainers = i % 2
		}
		if i%3 == 0 {
			img.Labels = map[string]string{"com.example.team": fmt.Sprint(i % 50)}
		}
	}
	return imgs
}

func BenchmarkSortImages100k(b *testing.B) {
	src := manyImages(100_000)
	work := make([]Image, len(src))
	for _, s := range []Sort{{SortSize, true}, {SortAge, true}, {SortName, false}} {
		b.Run(s.Key.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				copy(work, src)
				b.StartTimer()
				SortImages(work, s)
			}
		})
	}
}
