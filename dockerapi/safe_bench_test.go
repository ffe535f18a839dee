package dockerapi

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/volume"

	"bilge/model"
)

// engineLists is what the list calls of a host with n objects decode to:
// 30% images, 50% containers, 20% volumes and 50 networks, with the tags,
// digests, compose labels and mounts of an ordinary host (no hostile text).
type engineLists struct {
	images     []image.Summary
	containers []container.Summary
	volumes    []volume.Volume
	networks   []network.Summary
}

func scaleLists(n int) *engineLists {
	l := &engineLists{}
	digest := func(i int) string { return fmt.Sprintf("sha256:%064x", i) }
	for i := range 50 {
		l.networks = append(l.networks, network.Summary{Network: network.Network{ID: fmt.Sprintf("%064x", 1<<50+i), Name: fmt.Sprintf("net-%d", i), Driver: "bridge", Scope: "local", Created: time.Unix(0, 0)}})
	}
	for i := range n * 3 / 10 {
		l.images = append(l.images, image.Summary{
			ID:          digest(i),
			RepoTags:    []string{fmt.Sprintf("registry.example.com/team%d/svc-%d:v%d", i%37, i%300, i)},
			RepoDigests: []string{fmt.Sprintf("registry.example.com/team%d/svc-%d@%s", i%37, i%300, digest(1<<40+i))},
			Labels: map[string]string{
				"org.opencontainers.image.source":   fmt.Sprintf("https://github.com/example/svc-%d", i%300),
				"org.opencontainers.image.revision": fmt.Sprintf("%040x", i),
				"com.example.team":                  fmt.Sprint("team-", i%37),
			},
		})
	}
	for i := range n / 5 {
		l.volumes = append(l.volumes, volume.Volume{
			Name: fmt.Sprintf("project%d_data-%d", i%200, i), Driver: "local", Scope: "local",
			Labels: map[string]string{"com.docker.compose.project": fmt.Sprint("project", i%200), "com.docker.compose.volume": fmt.Sprint("data-", i)},
		})
	}
	for i := range n / 2 {
		c := container.Summary{
			ID: fmt.Sprintf("%064x", 1<<52+i), Names: []string{fmt.Sprintf("/project%d-svc%d-%d", i%200, i%300, i)},
			Image: fmt.Sprintf("registry.example.com/team%d/svc-%d:v%d", i%37, i%300, i), ImageID: digest(i % max(n*3/10, 1)),
			State: "exited", Status: "Exited (0) 2 hours ago",
			Labels: map[string]string{
				"com.docker.compose.project":          fmt.Sprint("project", i%200),
				"com.docker.compose.service":          fmt.Sprint("svc", i%300),
				"com.docker.compose.container-number": fmt.Sprint(i % 3),
				"com.docker.compose.oneoff":           "False",
				"com.docker.compose.version":          "2.29.1",
				"com.docker.compose.config-hash":      fmt.Sprintf("%064x", i),
			},
			NetworkSettings: &container.NetworkSettingsSummary{Networks: map[string]*network.EndpointSettings{"net": {NetworkID: fmt.Sprintf("%064x", 1<<50+i%50)}}},
		}
		if i%2 == 0 {
			name := fmt.Sprintf("project%d_data-%d", i%200, i/2)
			c.Mounts = []container.MountPoint{{Type: "volume", Name: name, Source: "/var/lib/docker/volumes/" + name + "/_data", Destination: "/data"}}
		}
		l.containers = append(l.containers, c)
	}
	return l
}

// BenchmarkScaleSafeText is the cost of making engine text safe on a big
// ordinary host: mapping the lists to model types alone ("map", as before)
// and with SafeText at the boundary ("map+safe", as now); "decode" is what
// the client's JSON decoding of the same lists costs, for scale.
func BenchmarkScaleSafeText(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		l := scaleLists(n)
		b.Run(fmt.Sprintf("decode/objects=%d", n), func(b *testing.B) {
			raw := make([][]byte, 4)
			for i, v := range []any{l.images, l.containers, l.volumes, l.networks} {
				raw[i], _ = json.Marshal(v)
			}
			b.ReportAllocs()
			for b.Loop() {
				var d engineLists
				for i, v := range []any{&d.images, &d.containers, &d.volumes, &d.networks} {
					if err := json.Unmarshal(raw[i], v); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		for _, safe := range []bool{false, true} {
			name := "map"
			if safe {
				name = "map+safe"
			}
			b.Run(fmt.Sprintf("%s/objects=%d", name, n), func(b *testing.B) {
				e := &Engine{}
				imgs := make([]model.Image, len(l.images))
				ctrs := make([]model.Container, len(l.containers))
				vols := make([]model.Volume, len(l.volumes))
				nets := make([]model.Network, len(l.networks))
				b.ReportAllocs()
				for b.Loop() {
					for i := range l.images {
						imgs[i] = mapImage(&l.images[i])
						if safe {
							e.safeImage(&imgs[i])
						}
					}
					for i := range l.containers {
						ctrs[i] = mapContainer(&l.containers[i])
						if safe {
							e.safeContainer(&ctrs[i])
						}
					}
					for i := range l.volumes {
						vols[i] = mapVolume(&l.volumes[i])
						if safe {
							e.safeVolume(&vols[i])
						}
					}
					for i := range l.networks {
						nets[i] = mapNetwork(&l.networks[i])
						if safe {
							e.safeNetwork(&nets[i])
						}
					}
				}
			})
		}
	}
}
