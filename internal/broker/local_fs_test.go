package broker

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestMountTableLists(t *testing.T) {
	info := filepath.Join(t.TempDir(), "mountinfo")
	table := "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n" +
		"97 22 7:0 / /var/lib/zeebe\\040data rw,relatime shared:50 - ext4 /dev/loop0 rw\n" +
		"98 22 8:1 /srv/x /mnt/bind rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	if err := os.WriteFile(info, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{"/var/lib/zeebe data": true, "/mnt/bind": true, "/mnt": false, "/var/lib/zeebe": false} {
		got, err := mountTableLists(info, path)
		if err != nil || got != want {
			t.Errorf("mountTableLists(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
}

func TestMountPointOfPlainFolders(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "data")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := (Local{}).MountPoint(context.Background(), sub); err != nil || got {
		t.Errorf("MountPoint(%s) = %v, %v; want false", sub, got, err)
	}
	if got, err := (Local{}).MountPoint(context.Background(), "/proc"); err != nil || !got {
		t.Errorf("MountPoint(/proc) = %v, %v; want true", got, err)
	}
}
