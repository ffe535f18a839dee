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
