// Package limits bounds what the tool reads from files it does not control: a broker's
// configuration (on its host or saved in a backup), the cluster file, and the JSON of a
// repository (manifests, archive indexes, locks) and of the cluster lock beside a data
// folder. A hostile or broken file is refused quickly, with memory bounded by its size limit,
// and the error names the limit and never echoes the oversized value.
//
// Every limit lives here, in one place:
//
//	YAML (configurations, the cluster file)
//	  MaxYAMLBytes       1 MiB   Zeebe's fully commented broker template is about 60 KiB.
//	                             yaml.v3 allocates up to ~120 bytes per input byte for
//	                             node-dense input, so 1 MiB keeps a parse near 100 MiB.
//	  MaxYAMLDepth       64      nesting, counted through aliases; Zeebe's deepest key
//	                             (exporters.<name>.args.<...>) is about 8 levels.
//	  MaxYAMLNodes       200000  nodes of one file, aliases not expanded.
//	  MaxYAMLAliasNodes  10000   nodes reached through aliases and merge keys ("<<: *x")
//	                             in one file: an anchor reused a few times costs little,
//	                             a "billion laughs" is refused before it expands.
//	  An alias that refers to a node containing it is refused.
//	JSON
//	  MaxManifestBytes   16 MiB  a manifest (a few KiB per broker).
//	  MaxIndexBytes      64 MiB  an archive index: about 200 bytes per file of a data folder.
//	  MaxLockBytes       1 MiB   the repository lock with its operation record, a cluster lock.
//	  MaxJSONDepth       64      nesting of any of them (ours are at most 4 deep).
//	Files read through a broker's host
//	  MaxHostFileBytes   16 MiB  a configuration or lock read from a host.
//
// Parsing honours cancellation: input is read through a reader that fails once ctx is done,
// so a parse stops within a few hundred bytes, and the walks check ctx as they go.
package limits
