// Package azblob is a [storage.Store] in an Azure Blob Storage container (or Azurite), below
// an optional prefix: azblob://container/prefix. It uses the official SDK
// (github.com/Azure/azure-sdk-for-go/sdk/storage/azblob, with azidentity for Azure's identity
// chain).
//
// A key is the blob name prefix+key. Invariants:
//
//  1. Credentials never come from a location, an option or a flag: AZURE_STORAGE_CONNECTION_STRING,
//     AZURE_STORAGE_KEY (with the account) or AZURE_STORAGE_SAS_TOKEN, else Azure's identity
//     chain (a service principal, workload identity as on AKS, managed identity, the Azure
//     CLI's login), which needs https. No message holds a credential: messages are built from
//     the service's error code and our words, never from the SDK's error text (which holds
//     request URLs, where a SAS token is), and are scrubbed of the store's secrets.
//  2. The account and endpoint come from the options or their variables (AZURE_STORAGE_ACCOUNT,
//     AZURE_STORAGE_SERVICE_ENDPOINT) or the connection string; an endpoint whose host is an
//     IP address or localhost (Azurite) names the account in its path.
//  3. Put is atomic. A source that ends within one block is stored with one Put Blob request;
//     a longer one is staged block by block (Put Block) and committed with Put Block List,
//     the commit point. Staged blocks are no blob: Get, Stat and List do not see them, Azure
//     discards them when the blob is next committed or a week after the last was staged, so
//     a failed or cancelled Put leaves nothing visible. Block ids carry a random id of the Put,
//     so two Puts of one key never mix blocks.
//  4. Memory: a store's Puts hold at most BlockSize × (Concurrency + 1) bytes of block buffers
//     (a pool), plus 256 KiB read first by each running Put; Get streams.
//  5. Integrity: every Put Blob and Put Block carries the CRC-64 of its data, which the
//     service checks (a mismatch is sent again, twice at most); the SHA-256 of the whole
//     source is computed while it is read and recorded in the blob's metadata (sha256); after
//     a commit of blocks the blob's length and recorded SHA-256 are read back and compared
//     with what was read. Get checks the length read and, for a blob with a recorded SHA-256,
//     the SHA-256 of what was read, when the caller reads to the end.
//  6. Retries: the SDK's retry policy resends a request that failed with a network error, a
//     timeout or HTTP 408, 429, 500, 502, 503 or 504, four times with exponential backoff; a
//     broken Get is resumed from its offset with a ranged request on the same version
//     (If-Match its ETag).
//  7. PutIfAbsent always stages and commits with If-None-Match: * (even one block: Azurite
//     counts blocks a failed Put left staged as a blob for Put Blob's condition, not for a
//     commit's), so the service decides which of racing callers wins; Delete of an absent blob
//     succeeds; Delete removes a blob's snapshots too.
//  8. List returns the committed blobs below the prefix whose names are valid keys, sorted,
//     5,000 a page.
//
// Probe (storage.Prober) checks in one request that the service answers
// and takes the credentials, and that the container exists and may be listed.
package azblob
