//go:build !linux

package testserver

import "syscall"

// sysProcAttr puts the server in its own process group, so a stop reaches anything it starts.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
