package model

import "testing"

func TestImageStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		img  Image
		want ImageStatus
		text string
	}{
		{"running container", Image{Tags: []string{"a:1"}, Containers: []string{"c1", "c2"}, RunningContainers: 1}, ImageInUse, "in use"},
		{"dangling but running", Image{Containers: []string{"c1"}, RunningContainers: 1}, ImageInUse, "in use"},
		{"stopped containers", Image{Tags: []string{"a:1"}, Containers: []string{"c1"}}, ImageStoppedOnly, "stopped only"},
		{"dangling with stopped container", Image{Containers: []string{"c1"}}, ImageStoppedOnly, "stopped only"},
		{"tagged, no containers", Image{Tags: []string{"a:1"}}, ImageUnused, "unused"},
		{"no tags, no containers", Image{}, ImageDangling, "dangling"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.img.Status()
			if got != tt.want {
				t.Fatalf("Status() = %v, want %v", got, tt.want)
			}
			if got.String() != tt.text {
				t.Fatalf("String() = %q, want %q", got.String(), tt.text)
			}
		})
	}
	if got := ImageStatus(99).String(); got != "?" {
		t.Errorf("ImageStatus(99).String() = %q", got)
	}
}

func TestContainerStateText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state   string
		code    int
		want    string
		stopped bool
	}{
		{StateRunning, 0, "running", false},
		{StatePaused, 0, "paused", false},
		{StateRestarting, 0, "restarting", false},
		{StateExited, 0, "exited (0)", true},
		{StateExited, 137, "exited (137)", true},
		{StateCreated, 0, "created", true},
		{StateDead, 0, "dead", true},
		{StateRemoving, 0, "removing", true},
		{"", 0, "unknown", true},
		{"hibernating", 0, "hibernating", true},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			c := Container{State: tt.state, ExitCode: tt.code}
			if got := c.StateText(); got != tt.want {
				t.Errorf("StateText() = %q, want %q", got, tt.want)
			}
			if got := c.Stopped(); got != tt.stopped {
				t.Errorf("Stopped() = %v, want %v", got, tt.stopped)
			}
		})
	}
}

func TestNetworkUnused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		net  Network
		want bool
	}{
		{"custom, empty", Network{Name: "web"}, true},
		{"custom, attached", Network{Name: "web", Containers: []string{"c"}}, false},
		{"bridge, empty", Network{Name: "bridge"}, false},
		{"host, empty", Network{Name: "host"}, false},
		{"none, empty", Network{Name: "none"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.net.Unused(); got != tt.want {
				t.Errorf("Unused() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestContainerImageText follows docker ps's IMAGE column.
func TestContainerImageText(t *testing.T) {
	t.Parallel()
	const id = "sha256:e253dd4bd5e07e4a3b4e3b3c1c2a4f6f1d1f0e3b6a6f7c8d9e0a1b2c3d4e5f6a"
	tests := []struct{ image, imageID, want string }{
		{"nginx:1.25", id, "nginx:1.25"},
		{id, id, "e253dd4bd5e0"},
		{"e253dd4bd5e0", id, "e253dd4bd5e0"},
		{"e253dd", id, "e253dd"}, // a shorter prefix stays as typed, as in docker ps
		{"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", id, "nginx"},
		{"nginx:1.25@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", id, "nginx:1.25"},
		{"", id, "<no image>"},
	}
	for _, tt := range tests {
		c := Container{Image: tt.image, ImageID: tt.imageID}
		if got := c.ImageText(); got != tt.want {
			t.Errorf("ImageText(%q) = %q, want %q", tt.image, got, tt.want)
		}
	}
}

func TestImageLabel(t *testing.T) {
	t.Parallel()
	const id = "sha256:4b227777d4dd1fc61c6f884f48641d02b4d121d3fd328cb08b5531fcacdabf8a"
	if got := (&Image{ID: id}).Label(); got != "<none>:<none> 4b227777d4dd" {
		t.Errorf("untagged: %q", got)
	}
	if got := (&Image{ID: id, Tags: []string{"a:1", "b:2"}}).Label(); got != "a:1" {
		t.Errorf("tagged: %q", got)
	}
}
