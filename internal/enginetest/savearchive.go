package enginetest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// saveWriter builds a docker-save archive in the "classic" format every
// engine loads: <diff ID>/layer.tar once per layer, <config digest>.json
// per image, and manifest.json. The seeds make their configs; this writes
// them.
type saveWriter struct {
	// dirs writes a directory entry before each layer, as docker save
	// does. The mix seed's archive has none: its figures were measured
	// on those bytes, and on the containerd store the build-cache growth
	// after a prune came out 0 in half the runs with them.
	dirs     bool
	buf      bytes.Buffer
	tw       *tar.Writer
	written  map[string]bool
	manifest []manifestEntry
}

func newSaveWriter(dirs bool) *saveWriter {
	w := &saveWriter{dirs: dirs, written: map[string]bool{}}
	w.tw = tar.NewWriter(&w.buf)
	return w
}

func (w *saveWriter) file(name string, data []byte) error {
	if err := w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: layerEpoch}); err != nil {
		return err
	}
	_, err := w.tw.Write(data)
	return err
}

// layer adds a layer's tar (once, however many images use it) and returns
// its path in the archive, for the image's manifest entry.
func (w *saveWriter) layer(diffID string, layerTar []byte) (string, error) {
	dir := strings.TrimPrefix(diffID, "sha256:")
	path := dir + "/layer.tar"
	if w.written[dir] {
		return path, nil
	}
	w.written[dir] = true
	if !w.dirs {
		return path, w.file(path, layerTar)
	}
	if err := w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: layerEpoch}); err != nil {
		return "", err
	}
	return path, w.file(path, layerTar)
}

// image adds an image: its config and its manifest entry (layers are the
// paths layer returned, oldest first). It returns the image's ID, the
// digest of its config on graph-driver engines.
func (w *saveWriter) image(c imageConfig, tags, layers []string) (string, error) {
	cb, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(cb)
	m := manifestEntry{Config: hex.EncodeToString(sum[:]) + ".json", RepoTags: tags, Layers: layers}
	if err := w.file(m.Config, cb); err != nil {
		return "", err
	}
	w.manifest = append(w.manifest, m)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// bytes writes manifest.json and returns the archive.
func (w *saveWriter) bytes() ([]byte, error) {
	mb, err := json.Marshal(w.manifest)
	if err != nil {
		return nil, err
	}
	if err := w.file("manifest.json", mb); err != nil {
		return nil, err
	}
	if err := w.tw.Close(); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}
