package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"bilge/model"
)

// TestTextKeepsDockerOrder: bilge df prints docker system df's rows in
// docker's order (Build Cache after Local Volumes), Networks last; only
// the UI's Overview follows the tabs.
func TestTextKeepsDockerOrder(t *testing.T) {
	t.Parallel()
	s := &model.Snapshot{Sized: true}
	var b bytes.Buffer
	if err := Text(&b, s, nil, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(b.String(), "\n")[1:] {
		if f := strings.Fields(l); len(f) > 0 {
			got = append(got, strings.Join(f[:len(f)-5], " "))
		}
	}
	want := []string{"Images", "Containers", "Local Volumes", "Build Cache", "Networks"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("bilge df rows %q, want docker's order %q\n%s", got, want, b.String())
	}
}
