package dockerapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/moby/moby/api/types/events"

	"bilge/model"
)

// Hostile engine text, as a compromised or malicious engine (or a volume
// plugin, a label, a build step) can send it. (Invalid UTF-8 never gets
// here: JSON decoding turns it into U+FFFD.)
const (
	hostileNet    = "net\x1b[31mRED\x1b]0;nettitle\x07"
	hostileKey    = "k\x1b[5mey"
	hostileValue  = "v\u202eevil"
	hostileVolume = "vol\x1b[8mhid\u0085den"
	hostileTag    = "img:1\u009b2J"
	hostileState  = "exited\u009b0m"
	hostileDesc   = "RUN echo \x1b]52;c;cGFzdGU=\x07 \u2066x"
	hostileErr    = "conflict: \x1b]0;pwned\x07 in use\r\n\x1b[2J"
	hostileVer    = "20.10\x1b[5m"
	hostileID     = "c0ffee\x1b[8m0000"
)

// hostileEngine answers the calls a snapshot makes with hostile text, and
// records the names deletions were asked for.
func hostileEngine(t *testing.T) (*Engine, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var deleted []string
	ver := regexp.MustCompile(`^/v[0-9.]+`)
	labels := map[string]string{hostileKey: hostileValue, "plain": "ok"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		w.Header().Set("Content-Type", "application/json")
		p := ver.ReplaceAllString(r.URL.Path, "")
		var body any
		switch {
		case p == "/_ping":
			w.Write([]byte("OK"))
			return
		case p == "/version":
			body = map[string]any{"Version": hostileVer, "ApiVersion": "1.41", "Os": "linux\u202e", "Arch": "amd64"}
		case p == "/images/json":
			body = []map[string]any{{
				"Id": "sha256:aaaa", "RepoTags": []string{hostileTag, "plain:1"}, "RepoDigests": []string{},
				"Labels": labels, "Created": 1, "Size": 10, "SharedSize": -1, "Containers": -1,
			}}
		case p == "/containers/json":
			body = []map[string]any{{
				"Id": hostileID, "Names": []string{"/ctr\x07"}, "Image": hostileTag, "ImageID": "sha256:aaaa",
				"Command": "sh -c 'printf \x1b]0;t\x07'", "State": hostileState, "Status": "Exited (0) 1 minute ago",
				"Labels": labels, "Created": 1,
				"Mounts":          []map[string]any{{"Type": "volume", "Name": hostileVolume, "Source": "/var/lib/\x1b[8m", "Destination": "/data\u202e"}},
				"NetworkSettings": map[string]any{"Networks": map[string]any{hostileNet: map[string]any{"NetworkID": "nnnn"}}},
			}}
		case p == "/volumes":
			body = map[string]any{"Volumes": []map[string]any{{"Name": hostileVolume, "Driver": "evil\x1b[1m", "Scope": "local", "Labels": labels, "Mountpoint": "/x"}}}
		case p == "/networks":
			body = []map[string]any{{"Id": "nnnn", "Name": hostileNet, "Driver": "bridge", "Scope": "local", "Labels": labels}}
		case p == "/system/df":
			body = map[string]any{
				"LayersSize": 10,
				"Images":     []map[string]any{{"Id": "sha256:aaaa", "Size": 10, "SharedSize": 0, "Containers": 1}},
				"Containers": []map[string]any{{"Id": hostileID, "SizeRw": 1, "SizeRootFs": 11}},
				"Volumes":    []map[string]any{{"Name": hostileVolume, "UsageData": map[string]any{"Size": 5, "RefCount": 1}}},
				"BuildCache": []map[string]any{{"ID": "rec1", "Type": "regular\x1b[0m", "Description": hostileDesc, "Size": 3, "CreatedAt": "2026-01-01T00:00:00Z"}},
			}
		case r.Method == http.MethodDelete && strings.HasPrefix(p, "/volumes/"):
			name := strings.TrimPrefix(p, "/volumes/")
			mu.Lock()
			deleted = append(deleted, name)
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		case r.Method == http.MethodDelete && strings.HasPrefix(p, "/networks/"):
			w.WriteHeader(http.StatusConflict)
			body = map[string]string{"message": hostileErr}
		default:
			w.WriteHeader(http.StatusNotFound)
			body = map[string]string{"message": "no such route " + p}
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	e, err := Connect(context.Background(), Selection{Host: "tcp://" + strings.TrimPrefix(srv.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, &deleted
}

// unsafeStrings lists every string reachable from v that SafeText would
// change, leaving out Orig (the kept engine text).
func unsafeStrings(v reflect.Value, path string, out *[]string) {
	switch v.Kind() {
	case reflect.String:
		if !model.IsSafeText(v.String()) {
			*out = append(*out, path+"="+v.String())
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			unsafeStrings(v.Elem(), path, out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.Name != "Orig" && f.IsExported() {
				unsafeStrings(v.Field(i), path+"."+f.Name, out)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			unsafeStrings(v.Index(i), path+"[]", out)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			unsafeStrings(it.Key(), path+"{key}", out)
			unsafeStrings(it.Value(), path+"{}", out)
		}
	}
}

// TestHostileEngineTextIsSafe: every string of a snapshot of a hostile
// engine is safe text, the objects keep the engine's exact text in Orig,
// and the sizes still merge (keys sanitised alike in every call).
func TestHostileEngineTextIsSafe(t *testing.T) {
	t.Parallel()
	e, _ := hostileEngine(t)
	s, err := e.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	unsafeStrings(reflect.ValueOf(s), "snapshot", &bad)
	if len(bad) > 0 {
		t.Fatalf("unsafe text in the snapshot:\n%s", strings.Join(bad, "\n"))
	}
	if len(s.Images) != 1 || len(s.Containers) != 1 || len(s.Volumes) != 1 || len(s.Networks) != 1 || len(s.BuildCache) != 1 {
		t.Fatalf("snapshot: %d images, %d containers, %d volumes, %d networks, %d records", len(s.Images), len(s.Containers), len(s.Volumes), len(s.Networks), len(s.BuildCache))
	}
	n := s.Networks[0]
	if n.Name != `net\x1b[31mRED\x1b]0;nettitle\x07` || n.Labels[`k\x1b[5mey`] != `v\u202eevil` || n.Labels["plain"] != "ok" {
		t.Errorf("network shown as %q, labels %q", n.Name, n.Labels)
	}
	if n.Orig == nil || n.Orig.Name != hostileNet || n.Orig.Labels[hostileKey] != hostileValue {
		t.Errorf("network keeps %+v, want the engine's text", n.Orig)
	}
	img := s.Images[0]
	if len(img.Tags) != 2 || img.Tags[0] != `img:1\u009b2J` || img.Tags[1] != "plain:1" {
		t.Errorf("tags %q", img.Tags)
	}
	if img.Orig == nil || !strings.Contains(strings.Join(img.Orig.Tags, ","), hostileTag) {
		t.Errorf("image keeps %+v", img.Orig)
	}
	c := s.Containers[0]
	if c.Orig == nil || c.Orig.ID != hostileID || c.Orig.State != hostileState || c.Orig.Mounts[0].Name != hostileVolume || c.Orig.Name != "ctr\x07" {
		t.Errorf("container keeps %+v", c.Orig)
	}
	if c.SizeRw != 1 || !slicesHave(s.Volumes[0].Containers, c.ID) || !slicesHave(s.Images[0].Containers, c.ID) {
		t.Errorf("links or sizes lost: sizeRw %d, volume users %q, image users %q", c.SizeRw, s.Volumes[0].Containers, s.Images[0].Containers)
	}
	v := s.Volumes[0]
	if v.Size != 5 || v.Orig == nil || v.Orig.Name != hostileVolume || v.Orig.Driver != "evil\x1b[1m" {
		t.Errorf("volume size %d, keeps %+v", v.Size, v.Orig)
	}
	r := s.BuildCache[0]
	if r.Orig == nil || r.Orig.Description != hostileDesc {
		t.Errorf("record keeps %+v", r.Orig)
	}
	if s.Engine.Version != `20.10\x1b[5m` || s.Engine.Orig == nil || s.Engine.Orig.Version != hostileVer || s.Engine.Orig.OS != "linux\u202e" {
		t.Errorf("engine %q keeps %+v", s.Engine.Version, s.Engine.Orig)
	}
}

func slicesHave(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestHostileNamesDeleteByEngineName: a deletion names the object as the
// engine spells it, not as bilge shows it; the engine's refusal comes
// back as safe text.
func TestHostileNamesDeleteByEngineName(t *testing.T) {
	t.Parallel()
	e, deleted := hostileEngine(t)
	s, err := e.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	plan := model.Plan{Items: []model.PlanItem{
		{Kind: model.KindVolume, ID: s.Volumes[0].Name, Name: s.Volumes[0].Name},
		{Kind: model.KindNetwork, ID: s.Networks[0].ID, Name: s.Networks[0].Name},
	}}
	var outs []model.Outcome
	for o := range e.Delete(context.Background(), plan, 1) {
		if o.Status != model.Started {
			outs = append(outs, o)
		}
	}
	if len(*deleted) != 1 || (*deleted)[0] != hostileVolume {
		t.Errorf("the engine was asked to delete volumes %q, want %q", *deleted, hostileVolume)
	}
	for _, o := range outs {
		switch o.Item.Kind {
		case model.KindVolume:
			if o.Status != model.Deleted {
				t.Errorf("volume: %v %s", o.Status, o.Err)
			}
		case model.KindNetwork:
			if o.Status != model.Failed || !model.IsSafeText(o.Err) || !strings.Contains(o.Err, `\x1b]0;pwned\x07`) {
				t.Errorf("network: %v %q, want the engine's refusal as safe text", o.Status, o.Err)
			}
		}
	}
}

// TestHostileNamesAmbiguousNotDeleted: two volumes that show as the same
// text are never deleted by guess.
func TestHostileNamesAmbiguousNotDeleted(t *testing.T) {
	t.Parallel()
	var r rawNames
	r.add(model.KindVolume, `a\x1b`, "a\x1b")
	r.add(model.KindVolume, `a\x1b`, "a\x1b") // the same volume, listed again
	if raw, err := r.raw(model.KindVolume, `a\x1b`); err != nil || raw != "a\x1b" {
		t.Errorf("raw = %q, %v", raw, err)
	}
	r.add(model.KindVolume, `a\x1b`, `a\x1b`+"\x00") // another volume, as a hostile engine could list
	if raw, err := r.raw(model.KindVolume, `a\x1b`); err == nil {
		t.Errorf("ambiguous name resolved to %q", raw)
	}
	if raw, err := r.raw(model.KindVolume, "plain"); err != nil || raw != "plain" {
		t.Errorf("plain name: %q, %v", raw, err)
	}
}

// TestHostileErrorIsSafe: an engine error's text is safe, and still
// classifies as what the engine said.
func TestHostileErrorIsSafe(t *testing.T) {
	t.Parallel()
	e, _ := hostileEngine(t)
	_, err := e.api.ImageInspect(context.Background(), "nope\x1b]0;t\x07")
	err = e.explain(err)
	if err == nil || !model.IsSafeText(err.Error()) {
		t.Fatalf("explain = %q, want safe text", err)
	}
}

func TestHostileEventIsSafe(t *testing.T) {
	t.Parallel()
	ev, keep := mapEvent(events.Message{Type: events.NetworkEventType, Action: "create\x1b]0;t\x07", Actor: events.Actor{ID: "n\x1b[8m"}})
	if !keep || ev.Action != `create\x1b]0;t\x07` || ev.ID != `n\x1b[8m` {
		t.Errorf("event %+v", ev)
	}
}
