package demo

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// server is the engine's listener on its private socket.
type server struct {
	dir, path string
	hs        *http.Server
}

func (sv *server) listen(e *Engine) error {
	_ = os.Remove(sv.path) // the stale socket of an earlier listener
	ln, err := net.Listen("unix", sv.path)
	if err != nil {
		return err
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		// Keep the socket file when going offline: clients then get
		// "connection refused", as from a daemon that stopped.
		ul.SetUnlinkOnClose(false)
	}
	sv.hs = &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 30 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func(hs *http.Server) { _ = hs.Serve(ln) }(sv.hs)
	return nil
}

// stop closes the listener and every connection, streams included.
func (sv *server) stop() {
	if sv.hs != nil {
		_ = sv.hs.Close()
		sv.hs = nil
	}
}

// Serve listens on a unix socket in a fresh temporary directory and serves
// the API there until ctx ends, then closes every connection and removes
// the directory. It returns the host to dial ("unix:///…/docker.sock").
// With WithLiveEvents the host starts ticking too.
func (e *Engine) Serve(ctx context.Context) (string, error) {
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	if e.srv != nil {
		return "", errors.New("demo: the engine is already being served")
	}
	dir, err := os.MkdirTemp("", "bilge-demo-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "docker.sock")
	if len(path) > 100 { // sun_path is 108 bytes on Linux, 104 on macOS
		_ = os.RemoveAll(dir)
		if dir, err = os.MkdirTemp("/tmp", "bilge-demo-"); err != nil {
			return "", err
		}
		path = filepath.Join(dir, "docker.sock")
	}
	sv := &server{dir: dir, path: path}
	if !e.Offline() {
		if err := sv.listen(e); err != nil {
			_ = os.RemoveAll(dir)
			return "", err
		}
	}
	e.srv = sv
	if e.cfg.live {
		go e.liveLoop(ctx)
	}
	go func() {
		<-ctx.Done()
		e.srvMu.Lock()
		sv.stop()
		if e.srv == sv {
			e.srv = nil
		}
		e.srvMu.Unlock()
		_ = os.RemoveAll(dir)
	}()
	return "unix://" + path, nil
}

func (e *Engine) liveLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.liveEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !e.Offline() {
				e.Tick()
			}
		}
	}
}
