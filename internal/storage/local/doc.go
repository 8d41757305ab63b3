// Package local is a [storage.Store] in a folder of a local file system.
//
// A key is a path below the root folder: "a/b/c" is the file <root>/a/b/c. Invariants:
//
//  1. Every access goes through an [os.Root] opened on the root folder, so no key reaches
//     outside it: a symbolic link inside the root that points out (or is absolute) makes the
//     operation fail; nothing is read, written or removed outside the root. Links that stay
//     inside the root are not followed either (os.Root alone would): a key whose path crosses
//     one is absent to Get, Stat and Delete and refused by Put, so that whoever can write to
//     the repository cannot make one backup's files another's with a link.
//  2. Put writes a temporary file ".tmp-<random>" in the key's folder, copying from the
//     source, then fsyncs the file, renames it onto the key and fsyncs the key's folder and
//     every folder above it up to the root. The rename is the commit point: before it, any
//     failure removes the temporary file and the folders the Put created, so the tree is as it
//     was; readers see the previous file or the whole new one.
//  3. PutIfAbsent writes and fsyncs the temporary file the same way and commits with link(2),
//     which fails if the key exists, so of racing callers exactly one wins; the temporary name
//     is removed afterwards.
//  4. Folders for key prefixes are created as needed with mode 0700 and files with mode 0600
//     (before umask): backups hold workflow data and must not be world-readable. An operator
//     who wants to share the repository changes the modes of the root.
//  5. List walks the tree without following symbolic links and lists regular files only,
//     skipping ".tmp-*" residue (left only by a crash). Get and Stat treat anything that is
//     not a regular file (a folder, a symbolic link) as absent, and Delete leaves it alone.
//  6. Delete removes the file and then every parent folder that became empty, up to but not
//     including the root. A Put racing with such a removal retries creating its folder.
//  7. A key cannot be both a file and a folder ("a" and "a/b"): the second Put fails.
//
// The store implements [storage.SpaceReporter] with statfs(2) on the root folder, and
// [storage.Remnants]: it finds and removes the ".tmp-*" files a killed Put left. Close it to
// release the root folder's descriptor.
package local
