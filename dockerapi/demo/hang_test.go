package demo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"bilge/dockerapi/demo"
)

// TestHangHoldsUntilUnhangOrClientGivesUp: a hung call answers nothing
// until the client gives up (its deadline) or Unhang; other calls answer.
func TestHangHoldsUntilUnhangOrClientGivesUp(t *testing.T) {
	t.Parallel()
	e := demo.New(2, demo.WithNow(fixedNow))
	c := serve(t, e)
	var id string
	for _, ci := range e.Containers() {
		if ci.State == "exited" {
			id = ci.ID
			break
		}
	}
	e.Hang("DELETE", "/containers/")
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.ContainerRemove(short, id, client.ContainerRemoveOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung removal: %v, want the client's deadline", err)
	}
	if _, err := c.ContainerList(ctx(t), client.ContainerListOptions{All: true}); err != nil {
		t.Fatalf("a call the fault does not name: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.ContainerRemove(ctx(t), id, client.ContainerRemoveOptions{})
		done <- err
	}()
	for e.Hanging() == 0 {
		time.Sleep(time.Millisecond)
	}
	e.Unhang()
	if err := <-done; err != nil {
		t.Fatalf("after Unhang: %v", err)
	}
}

func TestParseFaults(t *testing.T) {
	t.Parallel()
	if _, err := demo.ParseFaults(" hang=DELETE /containers/ ; hang=post /build/prune"); err != nil {
		t.Errorf("valid spec: %v", err)
	}
	if _, err := demo.ParseFaults(""); err != nil {
		t.Errorf("empty spec: %v", err)
	}
	for _, bad := range []string{"hang=DELETE", "hang=DELETE containers", "bogus=1s", "nonsense"} {
		if _, err := demo.ParseFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
