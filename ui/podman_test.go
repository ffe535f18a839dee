package ui

import (
	"strings"
	"testing"

	"bilge/model"
)

// podmanState is the sample state as Podman's identity says it: named
// Podman, no build cache, no network events.
func podmanState(s *model.Snapshot, du *model.DiskUsage) {
	s.Engine.Product = "Podman"
	s.Engine.NoBuildCache = true
	s.Engine.NoNetworkEvents = true
	s.BuildCache = nil
	du.BuildCache = nil
}

// TestPodmanHeaderAndBuildCache: the header names Podman (not "Docker
// 4.3.1"), the Build cache tab says the engine keeps none, and the
// presets menu says so on its build-cache rows.
func TestPodmanHeaderAndBuildCache(t *testing.T) {
	t.Parallel()
	a, _ := newLoadedWith(t, 160, 40, podmanState)
	a.snap.Engine.Version, a.snap.Engine.APIVersion = "4.3.1", "1.41"
	if s := screen(a); !strings.Contains(s, "Podman 4.3.1 (API 1.41)") || strings.Contains(s, "Docker 4.3.1") {
		t.Errorf("header does not name Podman:\n%s", s)
	}
	press(a, "6")
	if s := screen(a); !strings.Contains(s, "Podman keeps no build cache") {
		t.Errorf("Build cache tab does not say Podman has none:\n%s", s)
	}
	press(a, "1", "p")
	if s := screen(a); !strings.Contains(s, "(Podman has no build cache)") {
		t.Errorf("presets do not say Podman has no build cache:\n%s", s)
	}
}

// TestPodmanNetworksOnPing: without network events the networks are
// re-listed on every ping; with them (Docker) only on events or resyncs.
func TestPodmanNetworksOnPing(t *testing.T) {
	t.Parallel()
	for _, podman := range []bool{false, true} {
		change := func(*model.Snapshot, *model.DiskUsage) {}
		if podman {
			change = podmanState
		}
		a, _ := newLoadedWith(t, 120, 30, change)
		a.conn, a.eventsUp, a.lastResync = connConnected, true, a.now
		a.onPing(pingMsg{})
		if got := a.kindBusy[model.KindNetwork]; got != podman {
			t.Errorf("no network events %v: networks re-listed on ping %v, want %v", podman, got, podman)
		}
	}
}

// TestPodmanNetworkOfStoppedContainerStays: on Podman a marked network
// only a stopped container is on is kept by the deletion (dockerapi's own
// check), so the dialog says it stays, not Docker's "the engine removes
// it, and those containers then fail to start".
func TestPodmanNetworkOfStoppedContainerStays(t *testing.T) {
	t.Parallel()
	a, _ := newLoadedWith(t, 160, 45, func(s *model.Snapshot, du *model.DiskUsage) {
		podmanState(s, du)
		s.Engine.StoppedUseNetworks = true
		s.Containers[1].Networks = []string{hexID("", 204)} // api (stopped) on ci_net
	})
	press(a, "5", "*", "d")
	out := screen(a)
	if !strings.Contains(out, "1 marked network has stopped containers attached (ci_net): it stays unless those containers go first") {
		t.Errorf("the dialog does not say ci_net stays:\n%s", out)
	}
	if strings.Contains(out, "the engine removes") {
		t.Errorf("the dialog says Podman removes a network bilge keeps:\n%s", out)
	}
}
