package hosttest

import (
	"context"
	"time"
)

// mounts needs root: a tmpfs (another device) and a bind mount (the same device, listed in the
// mount table) below the scratch folder.
func mounts(e *env) {
	e.mkdir("tmpfs")
	e.mkdir("src")
	e.mkdir("bind")
	for _, m := range []struct{ args, at string }{
		{"-t tmpfs -o size=4m zeebe-backup-hosttest", "tmpfs"},
		{"--bind src", "bind"},
	} {
		e.sh("mount " + m.args + " " + m.at)
		at := e.p(m.at)
		e.t.Cleanup(func() {
			if out, err := e.h.Run(context.Background(), "umount "+q(at), 30*time.Second, nil); err != nil {
				e.t.Errorf("umount %s: %v\n%s", at, err, out)
			}
		})
	}
	scratch := e.stat(e.dir)
	for _, at := range []string{"tmpfs", "bind"} {
		if got, err := e.h.MountPoint(e.ctx, e.p(at)); err != nil || !got {
			e.t.Errorf("MountPoint of a %s mount: %v, %v; want true", at, got, err)
		}
	}
	if fi := e.stat(e.p("tmpfs")); fi.Dev == scratch.Dev {
		e.t.Errorf("Stat of a tmpfs mount point reports the device of the folder it is mounted in (%d)", fi.Dev)
	}
	if fi := e.stat(e.p("bind")); fi.Dev != scratch.Dev {
		e.t.Errorf("Stat of a bind mount of a folder beside it: device %d; want the folder's, %d", fi.Dev, scratch.Dev)
	}
	e.mkdir("tmpfs/sub")
	if got, err := e.h.MountPoint(e.ctx, e.p("tmpfs", "sub")); err != nil || got {
		e.t.Errorf("MountPoint of a folder in a mounted filesystem: %v, %v; want false", got, err)
	}
	if free, err := e.h.FreeSpace(e.ctx, e.p("tmpfs", "sub")); err != nil || free <= 0 || free > 4<<20 {
		e.t.Errorf("FreeSpace in a tmpfs of 4 MiB: %d, %v", free, err)
	}
	if err := e.h.Rename(e.ctx, e.p("tmpfs"), e.p("renamed")); err == nil {
		e.t.Error("a mount point was renamed")
	}
}
