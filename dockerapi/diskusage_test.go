package dockerapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"bilge/model"
)

// dfServer is an engine of API version api that answers /_ping and
// /system/df with body.
func dfServer(t *testing.T, api, body string) *Engine {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", api)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/_ping":
			_, _ = w.Write([]byte("OK"))
		case strings.HasSuffix(r.URL.Path, "/system/df"):
			if !strings.HasPrefix(r.URL.Path, "/v"+api+"/") {
				t.Errorf("disk usage asked as %s on an engine of API %s", r.URL.Path, api)
			}
			_, _ = w.Write([]byte(body))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	e, err := Connect(context.Background(), Selection{Host: "tcp://" + strings.TrimPrefix(srv.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestDiskUsageReported: an engine of API 1.52 or later reports docker
// system df's table itself, and bilge takes it as it is (docker CLI 29
// prints those figures); for an older engine there is none, and the
// table is computed from the lists.
func TestDiskUsageReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := dfServer(t, "1.52", `{
		"ImageUsage": {"ActiveCount": 1, "TotalCount": 3, "TotalSize": 9000, "Reclaimable": 6816,
			"Items": [{"Id": "sha256:a", "Size": 5000, "SharedSize": 1000, "Containers": 0}]},
		"ContainerUsage": {"ActiveCount": 1, "TotalCount": 2, "TotalSize": 400, "Reclaimable": 100, "Items": []},
		"VolumeUsage": {"ActiveCount": 0, "TotalCount": 1, "TotalSize": 50, "Reclaimable": 50, "Items": []},
		"BuildCacheUsage": {"ActiveCount": 0, "TotalCount": 2, "TotalSize": 534700, "Reclaimable": 10390,
			"Items": [{"ID": "r1", "Size": 524310, "Shared": true}, {"ID": "r2", "Size": 10390}]}
	}`)
	du, err := e.DiskUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Usage{
		{Kind: model.KindImage, Total: 3, Active: 1, Size: 9000, Reclaimable: 6816},
		{Kind: model.KindContainer, Total: 2, Active: 1, Size: 400, Reclaimable: 100},
		{Kind: model.KindVolume, Total: 1, Active: 0, Size: 50, Reclaimable: 50},
		{Kind: model.KindBuildCache, Total: 2, Active: 0, Size: 534700, Reclaimable: 10390},
	}
	if !slices.Equal(du.Reported, want) {
		t.Errorf("API 1.52: reported\n %+v\nwant %+v", du.Reported, want)
	}
	if du.LayersSize != 9000 || len(du.Images) != 1 || len(du.BuildCache) != 2 {
		t.Errorf("API 1.52: layers %d, %d images, %d records; want 9000, 1, 2", du.LayersSize, len(du.Images), len(du.BuildCache))
	}

	old := dfServer(t, "1.41", `{"LayersSize": 9000,
		"Images": [{"Id": "sha256:a", "Size": 5000, "SharedSize": 1000, "Containers": 0}],
		"Containers": [], "Volumes": [], "BuildCache": [{"ID": "r1", "Size": 10390}]}`)
	du, err = old.DiskUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if du.Reported != nil {
		t.Errorf("API 1.41: reported %+v, want none", du.Reported)
	}
	if du.LayersSize != 9000 || len(du.Images) != 1 || len(du.BuildCache) != 1 {
		t.Errorf("API 1.41: layers %d, %d images, %d records; want 9000, 1, 1", du.LayersSize, len(du.Images), len(du.BuildCache))
	}
}

// TestDiskUsageBusy: an engine before 23.0 refuses a second disk-usage
// scan while one runs with a 500 and its words (as the demo engine does
// too); DiskUsage returns an error errors.Is finds model.ErrDiskUsageBusy
// in, keeping the engine's text. Any other 500 is not that.
func TestDiskUsageBusy(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		msg  string
		busy bool
	}{
		{"a disk usage operation is already running", true},
		{"failed to retrieve image list: something broke", false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Api-Version", "1.41")
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Path == "/_ping" {
				_, _ = w.Write([]byte("OK"))
				return
			}
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"message": "` + tt.msg + `"}`))
		}))
		t.Cleanup(srv.Close)
		e, err := Connect(context.Background(), Selection{Host: "tcp://" + strings.TrimPrefix(srv.URL, "http://")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		_, err = e.DiskUsage(context.Background())
		if err == nil || errors.Is(err, model.ErrDiskUsageBusy) != tt.busy || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("engine says %q: error %v, busy %v; want busy %v with the engine's words", tt.msg, err, errors.Is(err, model.ErrDiskUsageBusy), tt.busy)
		}
	}
}
