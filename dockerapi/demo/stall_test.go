package demo_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"bilge/dockerapi/demo"
)

// TestCloseRemovesSocketAtOnce: Close stops serving and removes the socket
// and its directory before it returns (a process that exits right after
// leaves nothing behind); a second Close is harmless.
func TestCloseRemovesSocketAtOnce(t *testing.T) {
	for _, afterCancel := range []bool{false, true} {
		e := demo.New(1, demo.WithScale(4, 2, 1), demo.WithLiveEvents())
		cctx, cancel := context.WithCancel(context.Background())
		host, err := e.Serve(cctx)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(strings.TrimPrefix(host, "unix://"))
		if afterCancel {
			cancel() // the background removal and Close race: Close waits
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after Close (ctx cancelled first: %v): %s still there (%v)", afterCancel, dir, err)
		}
		if err := e.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		cancel()
	}
	if err := demo.New(1).Close(); err != nil {
		t.Errorf("Close of an engine never served: %v", err)
	}
}

// TestStall: a stalled path gets no answer until Unstall, or until the
// client gives up; other paths answer meanwhile.
func TestStall(t *testing.T) {
	e := demo.New(2, demo.WithScale(4, 2, 1))
	c := serve(t, e)
	e.Stall("/system/df")

	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.DiskUsage(short, client.DiskUsageOptions{Images: true}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stalled df: err = %v, want the client's deadline", err)
	}
	if _, err := c.Ping(ctx(t), client.PingOptions{}); err != nil {
		t.Fatalf("ping while df stalls: %v", err)
	}

	answered := make(chan error, 1)
	go func() {
		_, err := c.DiskUsage(ctx(t), client.DiskUsageOptions{Images: true})
		answered <- err
	}()
	for e.Requests("GET", "/system/df") < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-answered:
		t.Fatalf("stalled df answered: %v", err)
	default:
	}
	e.Unstall("/system/df")
	if err := <-answered; err != nil {
		t.Fatalf("df after Unstall: %v", err)
	}
}
