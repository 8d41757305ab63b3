package azblob

import "context"

// pool holds a store's block buffers: at most n of blockSize bytes, made when first needed
// and reused while the store is open, so that a store's uploads never hold more than
// n × blockSize bytes whatever the number and size of the blobs.
type pool struct {
	slots chan []byte // n entries: a buffer, or nil for one not made yet
	size  int64
}

func newPool(n int, size int64) *pool {
	p := &pool{slots: make(chan []byte, n), size: size}
	for range n {
		p.slots <- nil
	}
	return p
}

// get takes a buffer, waiting until one is free or ctx is done.
func (p *pool) get(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case b := <-p.slots:
		if b == nil {
			b = make([]byte, p.size)
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put gives a buffer back.
func (p *pool) put(b []byte) { p.slots <- b[:cap(b)] }
