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
	"sync"
	"time"
)

// server is the engine's listener on its private socket.
type server struct {
	dir, path string
	hs        *http.Server
	cancel    context.CancelFunc // ends the serving context
	once      sync.Once          // shutdown runs once
	err       error              // removing the directory
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
// the API there until ctx ends or Close, then closes every connection and
// removes the directory. It returns the host to dial
// ("unix:///…/docker.sock"). With WithLiveEvents the host starts ticking
// too.
//
// The removal after ctx ends runs in the background: a process about to
// exit calls Close, which removes the directory before it returns.
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
	ctx, cancel := context.WithCancel(ctx)
	sv := &server{dir: dir, path: path, cancel: cancel}
	if !e.Offline() {
		if err := sv.listen(e); err != nil {
			cancel()
			_ = os.RemoveAll(dir)
			return "", err
		}
	}
	e.srv, e.last = sv, sv
	if e.cfg.live {
		go e.liveLoop(ctx)
	}
	go func() {
		<-ctx.Done()
		e.shutdown(sv)
	}()
	return "unix://" + path, nil
}

// Close stops serving (every connection closes) and removes the socket and
// its directory before it returns. It is safe to call more than once, and
// when the engine is not being served.
func (e *Engine) Close() error {
	e.srvMu.Lock()
	sv := e.last
	e.srvMu.Unlock()
	if sv == nil {
		return nil
	}
	sv.cancel()
	e.shutdown(sv)
	return sv.err
}

// shutdown stops sv and removes its directory, once.
func (e *Engine) shutdown(sv *server) {
	sv.once.Do(func() {
		e.srvMu.Lock()
		sv.stop()
		if e.srv == sv {
			e.srv = nil
		}
		e.srvMu.Unlock()
		sv.err = os.RemoveAll(sv.dir)
	})
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
