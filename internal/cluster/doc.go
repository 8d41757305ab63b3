// Package cluster reads the cluster description: the YAML file (by default ./zeebe-backup.yaml)
// in which the user says where backups go and how to reach, stop, start and watch every
// broker. For example:
//
//	repository: file:///var/backups/zeebe     # a location a storage backend takes
//	# repositoryOptions: {region: eu-west-1}   # optional: settings its backend takes (s3://)
//	gateway: 10.0.0.10:26500                   # optional, gRPC address of a gateway
//	version: 8.5.3                             # optional, the cluster's Zeebe version
//	brokers:
//	  - nodeId: 0
//	    host: local                            # a host a host kind takes
//	    config: /opt/zeebe/config/application.yaml
//	    dataDir: /opt/zeebe/data               # optional: else read from the config and env
//	    installDir: /opt/zeebe                 # optional: default the folder above the config's
//	    env: {ZEEBE_BROKER_DATA_DIRECTORY: /data}
//	    stop: systemctl stop zeebe             # or {run: "...", timeout: 2m}; default timeout 2m
//	    start: {run: systemctl start zeebe, timeout: 90s}  # default timeout 2m
//	    health: http://10.0.0.10:9600
//	    set:                                   # optional, used by restore
//	      zeebe.broker.network.advertisedHost: 10.0.0.20
//
// [Load] and [Parse] check the file; fleet.Resolve then reads every broker's configuration on
// its host to learn its data folder and the cluster's shape.
//
// Invariants:
//
//  1. A Description returned without error is valid: every problem is found and reported at
//     once in a *[DescriptionError], one [Problem] per line as "file:line: field: what is
//     wrong; what to do", the field a path like brokers[2].nodeId. Nothing is half-returned.
//  2. Keys are case-sensitive and fixed; an unknown key is a problem, with the known key it
//     most likely meant. YAML anchors, aliases and merge keys (<<: *name) are followed; a key
//     written twice in one mapping, a second YAML document and an empty file are problems.
//  3. After Parse: Repository, with RepositoryOptions, passed LoadOptions.CheckRepository
//     (the storage registry) and is kept as it returned it; each broker's Host passed LoadOptions.CheckHost (the host
//     registry): the package knows no storage backend and no host kind. Brokers is not
//     empty, sorted by node id, and the node ids are exactly 0..N-1; Config, InstallDir and
//     (if written) DataDir are absolute and cleaned; Health is an http(s) URL with a host and no
//     trailing slash; Stop and Start have a command and a positive timeout (2m when not
//     written); Env and Set are non-nil and hold strings as written; two brokers on one host
//     do not share a written DataDir.
//  4. Parse touches nothing: no files, no network, no environment (nor do the checks it is
//     given). fleet.Resolve fills the DataDirs left empty, and only when it succeeds.
package cluster
