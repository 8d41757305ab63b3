package azblob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
)

// verifier is the body of a Get: it counts (and, for a blob with a recorded SHA-256, hashes)
// what is read, and at the end fails a read of another length or SHA-256 than the blob's.
type verifier struct {
	s       *Store
	key     string
	body    io.ReadCloser
	want    int64  // the blob's length
	wantSum string // the recorded SHA-256 (hex), "" for none
	n       int64
	h       hash.Hash
	err     error // the error of the end, returned again
}

func newVerifier(s *Store, key string, body io.ReadCloser, size int64, sum string) *verifier {
	v := &verifier{s: s, key: key, body: body, want: size, wantSum: sum}
	if sum != "" {
		v.h = sha256.New()
	}
	return v
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.body.Read(p)
	v.n += int64(n)
	if v.h != nil {
		v.h.Write(p[:n])
	}
	switch {
	case err == io.EOF:
		v.err = v.finish()
	case err != nil:
		v.err = v.s.fail("read", v.key, "Storage Blob Data Reader", err)
	case v.n > v.want:
		v.err = fmt.Errorf("read %q in %s: more than the %d bytes the blob has; read it again", v.key, v.s.location, v.want)
	}
	return n, v.err
}

// finish checks what was read against the blob; nil means io.EOF.
func (v *verifier) finish() error {
	if v.n != v.want {
		return fmt.Errorf("read %q in %s: the blob has %d bytes, its reading ended after %d; read it again", v.key, v.s.location, v.want, v.n)
	}
	if v.h != nil {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.wantSum {
			return fmt.Errorf("read %q in %s: what was read has SHA-256 %s, the blob was stored with %s: it is damaged in the store or on the way", v.key, v.s.location, got, v.wantSum)
		}
	}
	return io.EOF
}

func (v *verifier) Close() error { return v.body.Close() }

// isNotExist says whether err means an absent key.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
