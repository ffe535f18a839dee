package model

import (
	"testing"
	"time"
)

func TestPolicyTimesWithTimes(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &Snapshot{
		Containers: []Container{{ID: "c1"}, {ID: "c2"}},
		Images:     []Image{{ID: "i1"}, {ID: "i2"}},
	}
	pt := PolicyTimes{
		Containers: map[string]ContainerTimes{"c1": {Started: t0, Finished: t0.Add(time.Hour)}, "gone": {}},
		Images:     map[string]time.Time{"i2": t0},
	}
	c := s.WithTimes(pt)
	if got := c.Containers[0]; !got.Started.Equal(t0) || !got.Finished.Equal(t0.Add(time.Hour)) {
		t.Errorf("c1 times = %v, %v", got.Started, got.Finished)
	}
	if !c.Containers[1].Finished.IsZero() || !c.Images[0].LastTagged.IsZero() || !c.Images[1].LastTagged.Equal(t0) {
		t.Errorf("times applied to the wrong objects: %+v %+v", c.Containers, c.Images)
	}
	if !s.Containers[0].Finished.IsZero() || !s.Images[1].LastTagged.IsZero() {
		t.Error("WithTimes changed the snapshot it copied")
	}
	for _, tc := range []struct {
		ctrs, imgs []string
		want       bool
	}{
		{nil, nil, true},
		{[]string{"c1", "gone"}, []string{"i2"}, true},
		{[]string{"c2"}, nil, false},
		{nil, []string{"i1"}, false},
	} {
		if got := pt.Covers(tc.ctrs, tc.imgs); got != tc.want {
			t.Errorf("Covers(%v, %v) = %v, want %v", tc.ctrs, tc.imgs, got, tc.want)
		}
	}
}
