package testserver

import "syscall"

// sysProcAttr puts the server in its own process group (so a stop reaches anything it starts)
// and has the kernel kill it if the test binary dies without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
