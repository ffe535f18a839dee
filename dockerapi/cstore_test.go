package dockerapi

import (
	"testing"

	"github.com/moby/moby/api/types/image"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"bilge/model"
)

func TestContentSize(t *testing.T) {
	const idx = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	const m1 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	const m2 = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	man := func(id string, content int64) image.ManifestSummary {
		s := image.ManifestSummary{ID: id}
		s.Size.Content = content
		return s
	}
	platform := func(m image.ManifestSummary, unpacked int64) image.ManifestSummary {
		m.Kind = image.ManifestKindImage
		m.ImageData = &image.ImageProperties{}
		m.ImageData.Size.Unpacked = unpacked
		return m
	}
	desc := func(d string, size int64) *ocispec.Descriptor {
		return &ocispec.Descriptor{Digest: digest.Digest(d), Size: size}
	}
	for name, tc := range map[string]struct {
		s    image.Summary
		want int64
	}{
		"graph driver": {image.Summary{ID: m1}, model.Unknown},
		"one manifest": {image.Summary{ID: m1, Descriptor: desc(m1, 582), Manifests: []image.ManifestSummary{man(m1, 4726457)}}, 4726457},
		// An index: its own blob counts too (df walks it from the target).
		"index": {image.Summary{ID: idx, Descriptor: desc(idx, 856), Manifests: []image.ManifestSummary{man(m1, 1000), man(m2, 0)}}, 1856},
		// Before API 1.48 there is no descriptor: the index blob is not known.
		"index, no descriptor": {image.Summary{ID: idx, Manifests: []image.ManifestSummary{man(m1, 1000)}}, 1000},
		"negative":             {image.Summary{ID: m1, Manifests: []image.ManifestSummary{man(m1, -1)}}, model.Unknown},
		// Pulled for one platform of several: only that one is unpacked.
		"one platform unpacked": {image.Summary{ID: idx, Manifests: []image.ManifestSummary{platform(man(m1, 1000), 3000), platform(man(m2, 0), 0)}}, 1000},
		// Two platforms unpacked: the layers bilge knows are one platform's,
		// so the figure would be low: unknown instead.
		"two platforms unpacked": {image.Summary{ID: idx, Manifests: []image.ManifestSummary{platform(man(m1, 1000), 3000), platform(man(m2, 900), 2800)}}, model.Unknown},
	} {
		if got := contentSize(&tc.s); got != tc.want {
			t.Errorf("%s: contentSize = %d, want %d", name, got, tc.want)
		}
	}
}

func TestUnpackedOK(t *testing.T) {
	layers := []model.Layer{{ChainID: "sha256:a", Size: 2748416}, {ChainID: "sha256:b", Size: 2514944}}
	mf := func(unpacked int64, available bool) image.ManifestSummary {
		m := image.ManifestSummary{Available: available, ImageData: &image.ImageProperties{}}
		m.ImageData.Size.Unpacked = unpacked
		return m
	}
	for name, tc := range map[string]struct {
		ms   []image.ManifestSummary
		want bool
	}{
		"no manifests (graph driver, API < 1.48)": {nil, true},
		"agrees":                         {[]image.ManifestSummary{mf(5263360, true)}, true},
		"another platform agrees":        {[]image.ManifestSummary{mf(0, true), mf(5263360, true)}, true},
		"damaged entry":                  {[]image.ManifestSummary{mf(5263361, true)}, false},
		"only an unavailable one agrees": {[]image.ManifestSummary{mf(1, true), mf(5263360, false)}, false},
		"attestation only":               {[]image.ManifestSummary{{Available: true}}, true},
	} {
		if got := unpackedOK(layers, image.InspectResponse{Manifests: tc.ms}); got != tc.want {
			t.Errorf("%s: unpackedOK = %v, want %v", name, got, tc.want)
		}
	}
}
