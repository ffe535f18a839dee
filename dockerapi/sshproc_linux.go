package dockerapi

import (
	"os/exec"
	"runtime"
	"syscall"
)

// startOwned starts cmd, a process bilge owns for as long as it runs (an
// ssh master): should bilge die without closing it, the kernel sends it
// SIGTERM.
func startOwned(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	// Pdeathsig is tied to the thread that forked: keep it alive.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return cmd.Start()
}
