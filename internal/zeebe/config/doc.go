// Package config resolves a Zeebe broker's configuration (Zeebe 8.0 to 8.10) the way Zeebe's
// Spring Boot does, far enough to know where a broker keeps its data and who it is: data and
// runtime directories, node id, cluster size, partitions, replication factor, ports.
//
// [LoadValues] reads YAML files and the environment into [Values]; [Values.Broker] picks the
// broker settings out of them and validates them. The broker simulator reads its own
// zeebe.sim.* keys through the same [Values].
//
// Invariants:
//
//  1. Sources are applied in a fixed order, each overriding the ones before: the files of
//     [LoadOptions] in order, then the entries of SPRING_CONFIG_ADDITIONAL_LOCATION in order,
//     then environment variables. Within a file, later documents override earlier ones.
//  2. Keys match in Spring's relaxed form: each dot-separated segment is compared lowercased
//     with '-' and '_' removed, so nodeId, node-id, node_id and NODEID are one key, nested
//     YAML and dotted keys at any level are one key, and the environment variable
//     ZEEBE_BROKER_CLUSTER_NODEID is zeebe.broker.cluster.nodeId. Every environment variable
//     maps to a key; nothing filters them.
//  3. A value always carries its source: a file path or "environment variable NAME". Every
//     conversion and validation error names the key, the value and that source, and says
//     what is allowed. Unknown keys are ignored, as Spring does.
//  4. Values are read only, never guessed: a key that is not set yields the documented
//     default; a key set to something we cannot convert is an error, not a default.
//  5. Where an 8.8+ camunda.* key and its legacy zeebe.broker.* key are both set, the
//     camunda.* key wins (our reading of Zeebe's source, not verified for every release).
//  6. The broker Spring profile is always active, as the broker application adds it, so
//     documents activated on-profile: broker apply and on-profile: default ones never do.
//  7. Nothing here touches the machine beyond reading the named files: no working directory
//     (unless no WorkDir is given for relative additional locations), no host lookups, no
//     process environment (the caller passes the broker's environment).
//
// Writing a configuration is package yamledit's; document.go exports what it needs of the
// reader (canonical keys, documents read as LoadValues reads them).
//
// Not implemented, and ignored: .properties files, classpath: locations (refused unless
// optional), profile-specific files (application-<profile>.yaml), spring.config.import,
// SPRING_CONFIG_LOCATION and SPRING_APPLICATION_JSON.
package config
