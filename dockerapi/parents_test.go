package dockerapi

import (
	"context"
	"testing"

	"bilge/dockerapi/demo"
)

// TestParentsSkipHiddenIntermediates: on the demo host, legacy-builder
// chains run through intermediate images the top-level list hides; every
// image's ParentID must name a listed image, so that deletion orders
// children first and presets keep the ancestors of what stays.
func TestParentsSkipHiddenIntermediates(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	host, err := demo.New(0).Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Connect(ctx, Selection{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	imgs, err := e.Images(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, img := range imgs {
		listed[img.ID] = true
	}
	linked := 0
	for _, img := range imgs {
		if img.ParentID == "" {
			continue
		}
		linked++
		if !listed[img.ParentID] {
			t.Errorf("image %s (%v): parent %s is not listed", img.ID, img.Tags, img.ParentID)
		}
	}
	if linked == 0 {
		t.Fatal("no image with a parent: the demo host should have legacy-builder chains")
	}
}
