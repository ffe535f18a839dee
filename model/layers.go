package model

// ImageLayers is what an image's layers are, once fetched: it never
// changes for an image ID, so it is fetched once and cached.
type ImageLayers struct {
	Layers   []Layer
	BuildKit bool
}

// ApplyLayers attaches known layer data to the snapshot's images, and
// returns the IDs of images whose layers are still unknown.
func (s *Snapshot) ApplyLayers(known map[string]ImageLayers) (missing []string) {
	for i := range s.Images {
		img := &s.Images[i]
		if l, ok := known[img.ID]; ok {
			img.Layers, img.BuildKit = l.Layers, l.BuildKit
			continue
		}
		if img.Layers == nil {
			missing = append(missing, img.ID)
		}
	}
	return missing
}
