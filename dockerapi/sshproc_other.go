//go:build !linux

package dockerapi

import "os/exec"

// startOwned starts cmd, a process bilge owns for as long as it runs (an
// ssh master). Without Linux's parent-death signal, a bilge killed
// without closing its engines leaves the master running until its
// connection ends.
func startOwned(cmd *exec.Cmd) error { return cmd.Start() }
