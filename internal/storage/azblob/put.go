package azblob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/zeebe-backup/zeebe-backup/internal/ctxio"
	"github.com/zeebe-backup/zeebe-backup/internal/storage"
)

const (
	// metaSHA256 is the metadata entry in which Put records the SHA-256 of a blob (hex).
	metaSHA256 = "sha256"
	// headSize is what Put reads before it takes a block buffer: a source that ends within
	// it (a lock, a manifest, an index) is stored from a buffer of its own, never waiting for
	// the store's block buffers.
	headSize = 256 << 10
	// damagedAttempts bounds the sends of a block the service received damaged (its CRC-64
	// differs), which the SDK does not retry.
	damagedAttempts = 3
	// writerRole is the Azure role a Put needs.
	writerRole = "Storage Blob Data Contributor"
)

// Put stores the whole of r under key (see put).
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, "put", key, r, false)
}

// PutIfAbsent is Put whose commit carries If-None-Match: *, so that the service refuses it
// (an error wrapping storage.ErrExists) when the key holds a blob: of racing callers exactly
// one wins.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, "put-if-absent", key, r, true)
}

// put reads the source and stores it. A source that ends within one block is stored with one
// Put Blob request (PutIfAbsent: see putExclusive); a longer one block by block (Put Block, at most Concurrency at once per
// store, each from a buffer of the store's pool) and committed with Put Block List, the commit
// point: until then the key is as it was, and the staged blocks are no blob (List and Get do
// not see them; Azure discards them when the blob is next committed, or a week after the last
// was staged). Every request carries the CRC-64 of its data (x-ms-content-crc64), which the
// service checks; the SHA-256 of the whole source is recorded in the blob's metadata, and
// after a commit the blob's length and recorded SHA-256 are read back and compared.
func (s *Store) put(ctx context.Context, op, key string, r io.Reader, exclusive bool) (int64, error) {
	if err := s.check(ctx, key); err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	src := ctxio.Reader(ctx, r)
	head := make([]byte, min(headSize, int(s.opts.blockSize())))
	n, end, err := fill(src, head)
	if err != nil {
		return 0, fmt.Errorf("%s %q: read the source: %w", op, key, err)
	}
	if end {
		return s.putSingle(ctx, op, key, head[:n], exclusive)
	}
	buf, err := s.buffers.get(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", op, key, err)
	}
	copy(buf, head)
	m, end, err := fill(src, buf[n:])
	n += m
	switch {
	case err != nil:
		s.buffers.put(buf)
		return 0, fmt.Errorf("%s %q: read the source: %w", op, key, err)
	case end:
		defer s.buffers.put(buf)
		return s.putSingle(ctx, op, key, buf[:n], exclusive)
	}
	u := &upload{s: s, op: op, key: key, exclusive: exclusive, id: rand.Text(), sum: sha256.New()}
	return u.run(ctx, src, buf[:n])
}

// putSingle stores data that the source ended within, with one Put Blob request; for an
// exclusive Put, as one staged block committed with If-None-Match: * (see putExclusive).
func (s *Store) putSingle(ctx context.Context, op, key string, data []byte, exclusive bool) (int64, error) {
	if exclusive {
		return s.putExclusive(ctx, op, key, data)
	}
	sum := sha256.Sum256(data)
	opts := &blockblob.UploadOptions{
		Metadata:                map[string]*string{metaSHA256: to.Ptr(hex.EncodeToString(sum[:]))},
		Tier:                    s.tier(),
		TransactionalValidation: blob.TransferValidationTypeCRC64(crc64.Checksum(data, s.crcTable)),
	}
	bb := s.client.NewBlockBlobClient(s.prefix + key)
	var err error
	for attempt := 1; attempt <= damagedAttempts; attempt++ {
		if _, err = bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), opts); !damaged(ctx, err) {
			break
		}
	}
	if err != nil {
		return 0, s.fail(op, key, writerRole, err)
	}
	return int64(len(data)), nil
}

// putExclusive stores data as one staged block (none for no data) committed with
// If-None-Match: *. Not Put Blob with that condition: Azurite counts the blocks a failed Put
// left staged under the key as a blob there, and refuses it until they expire, where Azure
// and Azurite decide the condition of a commit on committed blobs alone.
func (s *Store) putExclusive(ctx context.Context, op, key string, data []byte) (int64, error) {
	u := &upload{s: s, op: op, key: key, exclusive: true, id: rand.Text(), sum: sha256.New(), size: int64(len(data))}
	u.sum.Write(data)
	if len(data) > 0 {
		u.ids = []string{blockID(u.id, 0)}
		if err := u.stage(ctx, u.ids[0], data); err != nil {
			return 0, s.fail(op, key, writerRole, err)
		}
	}
	return u.commit(ctx)
}

// upload is one Put of more than one block.
type upload struct {
	s         *Store
	op, key   string
	exclusive bool
	id        string   // random, in every block id, so that no two Puts of a key mix blocks
	ids       []string // the block ids, in order
	size      int64
	sum       hash.Hash
	wg        sync.WaitGroup
	mu        sync.Mutex
	err       error // the first failed stage's
}

// run stages first (a full block) and the rest of src, and commits.
func (u *upload) run(ctx context.Context, src io.Reader, first []byte) (int64, error) {
	stageCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := u.stageAll(stageCtx, cancel, src, first)
	u.wg.Wait()
	switch {
	case readErr != nil:
		return 0, fmt.Errorf("%s %q: read the source: %w", u.op, u.key, readErr)
	case ctx.Err() != nil:
		return 0, u.s.fail(u.op, u.key, writerRole, ctx.Err())
	case u.err != nil:
		return 0, u.s.fail(u.op, u.key, writerRole, u.err)
	}
	return u.commit(ctx)
}

// stageAll stages data (a block in a buffer of the pool) and reads and stages the rest of src
// block by block, each while the next is read. It returns the source's error; a failed stage
// stops it (through stageCtx) and is kept in u.err.
func (u *upload) stageAll(stageCtx context.Context, cancel context.CancelFunc, src io.Reader, data []byte) error {
	blockSize := int(u.s.opts.blockSize())
	for end := false; ; {
		if len(u.ids) == maxBlocks {
			u.s.buffers.put(data)
			u.setErr(fmt.Errorf("the blob would have more than %d blocks of %d bytes, Azure's most; set a larger blockSize (option, or ZEEBE_BACKUP_AZBLOB_BLOCK_SIZE)", maxBlocks, blockSize))
			cancel()
			return nil
		}
		if !u.launch(stageCtx, cancel, data) || end {
			return nil
		}
		buf, err := u.s.buffers.get(stageCtx)
		if err != nil {
			return nil // a stage failed, or ctx is done: run tells which
		}
		var n int
		n, end, err = fill(src, buf[:blockSize])
		if err != nil || n == 0 {
			u.s.buffers.put(buf)
			return err
		}
		data = buf[:n]
	}
}

// launch adds data to the hash and stages it as the next block, in a goroutine that gives its
// buffer back to the pool when done, once fewer than Concurrency blocks of the store are being
// staged. It returns false, having given the buffer back, when stageCtx ended first.
func (u *upload) launch(stageCtx context.Context, cancel context.CancelFunc, data []byte) bool {
	select {
	case u.s.stages <- struct{}{}:
	case <-stageCtx.Done():
		u.s.buffers.put(data)
		return false
	}
	u.sum.Write(data)
	u.size += int64(len(data))
	id := blockID(u.id, len(u.ids))
	u.ids = append(u.ids, id)
	u.wg.Go(func() {
		defer func() { <-u.s.stages }()
		defer u.s.buffers.put(data)
		if err := u.stage(stageCtx, id, data); err != nil {
			u.setErr(err)
			cancel()
		}
	})
	return true
}

func (u *upload) setErr(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err == nil {
		u.err = err
	}
}

// stage sends one block with its CRC-64.
func (u *upload) stage(ctx context.Context, id string, data []byte) error {
	opts := &blockblob.StageBlockOptions{TransactionalValidation: blob.TransferValidationTypeCRC64(crc64.Checksum(data, u.s.crcTable))}
	bb := u.s.client.NewBlockBlobClient(u.s.prefix + u.key)
	var err error
	for attempt := 1; attempt <= damagedAttempts; attempt++ {
		if _, err = bb.StageBlock(ctx, id, streaming.NopCloser(bytes.NewReader(data)), opts); !damaged(ctx, err) {
			break
		}
	}
	return err
}

// commit commits the staged blocks with the SHA-256 of the whole in the metadata, then reads
// back the blob's properties: a blob of another length or SHA-256 than was read from the
// source is an error (unless another Put replaced it in between, told by its ETag).
func (u *upload) commit(ctx context.Context) (int64, error) {
	s := u.s
	sum := hex.EncodeToString(u.sum.Sum(nil))
	bb := s.client.NewBlockBlobClient(s.prefix + u.key)
	resp, err := bb.CommitBlockList(ctx, u.ids, &blockblob.CommitBlockListOptions{
		Metadata:         map[string]*string{metaSHA256: to.Ptr(sum)},
		Tier:             s.tier(),
		AccessConditions: ifAbsent(u.exclusive),
	})
	if err != nil {
		if u.exclusive && bloberror.HasCode(err, bloberror.InvalidBlockList) {
			// A racing PutIfAbsent committed first, which discarded these blocks.
			if _, statErr := bb.GetProperties(ctx, nil); statErr == nil {
				return 0, s.fail(u.op, u.key, writerRole, &storeError{msg: "the key holds a blob", causes: []error{storage.ErrExists}})
			}
		}
		return 0, s.fail(u.op, u.key, writerRole, err)
	}
	props, err := bb.GetProperties(ctx, nil)
	if err != nil {
		return 0, s.fail(u.op+" (committed; reading it back)", u.key, writerRole, err)
	}
	if deref(props.ETag) != deref(resp.ETag) {
		return u.size, nil // replaced since by another Put
	}
	if got := deref(props.ContentLength); got != u.size {
		return 0, fmt.Errorf("%s %q in %s: the committed blob has %d bytes, %d were read from the source; store it again", u.op, u.key, s.location, got, u.size)
	}
	if got := metadataValue(props.Metadata, metaSHA256); got != sum {
		return 0, fmt.Errorf("%s %q in %s: the committed blob records SHA-256 %q, the source's is %s; store it again", u.op, u.key, s.location, got, sum)
	}
	return u.size, nil
}

// tier is the access tier blobs are written in, nil for the account's default.
func (s *Store) tier() *blob.AccessTier {
	if s.opts.AccessTier == "" {
		return nil
	}
	return to.Ptr(blob.AccessTier(s.opts.AccessTier))
}

// ifAbsent is the condition of an exclusive write: If-None-Match: *.
func ifAbsent(exclusive bool) *blob.AccessConditions {
	if !exclusive {
		return nil
	}
	return &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to.Ptr(azcore.ETagAny)}}
}

// damaged says whether a request failed because the service received its data damaged (its
// CRC-64 differed), which is worth sending again.
func damaged(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && bloberror.HasCode(err, bloberror.MD5Mismatch, "Crc64Mismatch")
}

// blockID is the id of the i-th block of an upload: the same length for every block of a blob,
// as Azure requires.
func blockID(upload string, i int) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%s-%05d", upload, i))
}

// fill reads from r until buf is full or r ends (end, with a nil error).
func fill(r io.Reader, buf []byte) (n int, end bool, err error) {
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		switch {
		case err == io.EOF:
			return n, true, nil
		case err != nil:
			return n, false, err
		}
	}
	return n, false, nil
}
