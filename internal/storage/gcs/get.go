package gcs

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Get opens a blob: the current generation, streamed. A download that breaks is resumed
// where it stopped (a ranged request of that generation), for at most the retry deadline
// since the last bytes arrived; a whole read is checked against the size and the CRC32C Cloud
// Storage sent.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := check(ctx, key); err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	r := &reader{s: s, ctx: ctx, key: key, crc: crc32.New(castagnoli)}
	if err := r.open(); err != nil {
		return nil, fmt.Errorf("get %q: %w", key, s.explainObject(err))
	}
	return r, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// reader streams an object, resuming a broken download.
type reader struct {
	s    *Store
	ctx  context.Context
	key  string
	body io.ReadCloser
	gen  int64 // the generation read; 0 before the first answer
	size int64
	read int64
	crc  hash.Hash32
	want *uint32 // the CRC32C Cloud Storage sent, if it did
	last time.Time
}

// open sends the request for the object from r.read on, of generation r.gen once known.
func (r *reader) open() error {
	return r.s.retry(r.ctx, func() error {
		call := r.s.svc.Objects.Get(r.s.cfg.Bucket, r.s.name(r.key)).Context(r.ctx)
		if r.gen != 0 {
			call = call.Generation(r.gen)
			call.Header().Set("Range", fmt.Sprintf("bytes=%d-", r.read))
		}
		res, err := call.Download()
		if err != nil {
			return err
		}
		if r.gen == 0 {
			if err := r.first(res); err != nil {
				res.Body.Close()
				return err
			}
		} else if res.StatusCode != http.StatusPartialContent {
			res.Body.Close()
			return fmt.Errorf("a resumed download at byte %d was answered %s, not with the bytes asked", r.read, res.Status)
		}
		r.body, r.last = res.Body, time.Now()
		return nil
	})
}

// first takes the generation, size and CRC32C of the first answer.
func (r *reader) first(res *http.Response) error {
	gen, err := strconv.ParseInt(res.Header.Get("X-Goog-Generation"), 10, 64)
	if err != nil || gen == 0 {
		return fmt.Errorf("the download names no generation (X-Goog-Generation %q)", res.Header.Get("X-Goog-Generation"))
	}
	r.gen, r.size = gen, res.ContentLength
	if res.Header.Get("Content-Encoding") != "" { // transcoded: the sums are of the stored bytes
		return nil
	}
	for _, h := range res.Header.Values("X-Goog-Hash") {
		for _, part := range strings.Split(h, ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "crc32c="); ok {
				if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) == 4 {
					sum := binary.BigEndian.Uint32(b)
					r.want = &sum
				}
			}
		}
	}
	return nil
}

func (r *reader) Read(p []byte) (int, error) {
	for {
		if r.body == nil {
			return 0, fmt.Errorf("get %q: read after close", r.key)
		}
		n, err := r.body.Read(p)
		r.read += int64(n)
		r.crc.Write(p[:n])
		if n > 0 {
			r.last = time.Now()
		}
		switch {
		case err == io.EOF:
			return n, r.end()
		case err == nil || n > 0:
			return n, nil
		case time.Since(r.last) >= r.s.retryBudget(err) || r.ctx.Err() != nil:
			return 0, fmt.Errorf("get %q: %w", r.key, r.s.explain(err))
		}
		r.body.Close()
		if r.size >= 0 && r.read == r.size { // broken after the last byte: nothing to resume
			return 0, r.end()
		}
		if err := r.open(); err != nil {
			return 0, fmt.Errorf("get %q: resume at byte %d: %w", r.key, r.read, r.s.explainObject(err))
		}
	}
}

// end checks a whole read against the size and the CRC32C the server sent.
func (r *reader) end() error {
	if r.size >= 0 && r.read != r.size {
		return fmt.Errorf("get %q: %d bytes arrived of %d", r.key, r.read, r.size)
	}
	if r.want != nil && r.crc.Sum32() != *r.want {
		return fmt.Errorf("get %q: the bytes that arrived have CRC32C %08x, %s sent %08x for them; read the blob again", r.key, r.crc.Sum32(), r.s.endpoint, *r.want)
	}
	return io.EOF
}

func (r *reader) Close() error {
	if r.body == nil {
		return nil
	}
	err := r.body.Close()
	r.body = nil
	return err
}
