// Command testprog is the entrypoint of the images that package enginetest
// generates. It is built statically at test time and copied into every
// image's base layer, so containers need nothing else from the image.
//
// Its arguments are a sequence of steps, run in order:
//
//	write PATH N   write N pseudo-random (incompressible) bytes to PATH,
//	               creating parent directories; the file appears atomically
//	               (written as PATH.tmp, then renamed)
//	sleep          block until SIGTERM or SIGINT, then exit 0
//	exit CODE      exit with CODE
//
// With no arguments it sleeps. After the last step it exits 0.
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		args = []string{"sleep"}
	}
	for len(args) > 0 {
		switch args[0] {
		case "write":
			if len(args) < 3 {
				fail("write needs PATH and N")
			}
			n, err := strconv.ParseInt(args[2], 10, 64)
			if err != nil || n < 0 {
				fail("write: bad size %q", args[2])
			}
			if err := write(args[1], n); err != nil {
				fail("write %s: %v", args[1], err)
			}
			args = args[3:]
		case "sleep":
			c := make(chan os.Signal, 1)
			signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
			<-c
			os.Exit(0)
		case "exit":
			if len(args) < 2 {
				fail("exit needs CODE")
			}
			code, err := strconv.Atoi(args[1])
			if err != nil {
				fail("exit: bad code %q", args[1])
			}
			os.Exit(code)
		default:
			fail("unknown step %q", args[0])
		}
	}
}

func write(path string, n int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var seed [32]byte
	t := uint64(time.Now().UnixNano())
	for i := range seed {
		seed[i] = byte(t >> (8 * (i % 8)))
	}
	rng := rand.NewChaCha8(seed)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for n > 0 {
		chunk := buf
		if int64(len(chunk)) > n {
			chunk = chunk[:n]
		}
		_, _ = rng.Read(chunk)
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return err
		}
		n -= int64(len(chunk))
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "testprog: "+format+"\n", a...)
	os.Exit(100)
}
