package workflow

import (
	"io/fs"
	"strings"
)

// What the tool keeps inside a data folder, and what a data folder holds that is not Zeebe's.
//
// A restore onto a data folder that is a mount point cannot rename the folder itself, so it
// works inside it: it stages into <data>/.zeebe-backup-restore-<id>, keeps the previous data
// in <data>/.zeebe-backup-previous-<id> and, when a rollback takes the restored data out
// again, keeps it in <data>/.zeebe-backup-failed-<id>. Every such folder starts with
// ToolPrefix; Zeebe ignores them (it only reads its partition group folder and
// .topology.meta), backups leave them out, restores never overwrite them, and status lists
// them with their size.
//
// lost+found at the top of a data folder is the filesystem's (mkfs makes it at the root of
// every ext2/3/4 filesystem, so on every mount point), never Zeebe's: backups leave it out,
// and a restore never moves, replaces or deletes the target's.
const (
	ToolPrefix       = ".zeebe-backup-"
	InFolderStaging  = ToolPrefix + "restore-"
	InFolderPrevious = ToolPrefix + "previous-"
	InFolderFailed   = ToolPrefix + "failed-"
	LostFound        = "lost+found"
)

// NotZeebeData tells whether a top-level name of a data folder is the tool's or the
// filesystem's, and so is neither archived nor moved by a restore.
func NotZeebeData(name string) bool {
	return name == LostFound || strings.HasPrefix(name, ToolPrefix)
}

// SkipInDataFolder is the archive.WriteOptions.Skip of a backup: it leaves out the top-level
// entries NotZeebeData names.
func SkipInDataFolder(rel string, _ fs.DirEntry) bool {
	return !strings.Contains(rel, "/") && NotZeebeData(rel)
}
