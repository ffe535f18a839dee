//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package history

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockWait is how long Open waits for another process's Open; past it, it
// goes on unlocked (SQLite's own locks still keep the data safe) rather
// than hang behind a stopped process.
const lockWait = 15 * time.Second

// lockFile holds an exclusive lock on path (created 0600) until the
// returned func is called. Open holds it while it checks, moves aside and
// creates the database, so two processes that find one corrupt file do not
// each move the other's fresh database aside.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) || time.Now().After(deadline) {
			_ = f.Close()
			return nil, err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
