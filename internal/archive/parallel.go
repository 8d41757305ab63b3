package archive

import (
	"errors"
	"io"
	"sync"
)

// parallelWriter compresses a stream on several cores: the stream is cut into chunks, each
// chunk is compressed independently by one of the workers into a complete frame, and the
// frames are written in order. Concatenated zstd frames are one valid zstd stream (as pzstd
// writes them), readable by zstd -d, tar --zstd and any decoder.
//
// At most 3×workers+1 chunks are in flight, so memory stays bounded whatever the input size.
type parallelWriter struct {
	w      io.Writer
	encode func(dst, src []byte) []byte // compresses src into one frame appended to dst
	chunk  int
	buf    []byte
	jobs   chan job
	order  chan chan []byte // the frames' futures, in the order of the input
	free   chan []byte      // buffers to reuse
	wg     sync.WaitGroup   // the workers
	done   chan struct{}    // closed when the writing goroutine has ended
	closed bool

	mu  sync.Mutex
	err error // the first write error
}

type job struct {
	src    []byte
	result chan []byte
}

func newParallelWriter(w io.Writer, workers, chunk int, encode func(dst, src []byte) []byte) *parallelWriter {
	p := &parallelWriter{
		w:      w,
		encode: encode,
		chunk:  chunk,
		jobs:   make(chan job, workers),
		order:  make(chan chan []byte, 2*workers),
		free:   make(chan []byte, 4*workers+2),
		done:   make(chan struct{}),
	}
	p.buf = p.get()
	p.wg.Add(workers)
	for range workers {
		go p.work()
	}
	go p.write()
	return p
}

// get returns an empty buffer with room for a chunk, or for a chunk's frame when the chunk
// does not compress.
func (p *parallelWriter) get() []byte {
	select {
	case b := <-p.free:
		return b[:0]
	default:
		return make([]byte, 0, p.chunk+p.chunk/64+1024)
	}
}

func (p *parallelWriter) put(b []byte) {
	select {
	case p.free <- b:
	default:
	}
}

func (p *parallelWriter) work() {
	defer p.wg.Done()
	for j := range p.jobs {
		frame := p.encode(p.get(), j.src)
		p.put(j.src)
		j.result <- frame
	}
}

func (p *parallelWriter) write() {
	defer close(p.done)
	for result := range p.order {
		frame := <-result
		if p.failed() == nil {
			if _, err := p.w.Write(frame); err != nil {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
			}
		}
		p.put(frame)
	}
}

func (p *parallelWriter) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// flush hands the current chunk to the workers.
func (p *parallelWriter) flush() {
	if len(p.buf) == 0 {
		return
	}
	result := make(chan []byte, 1)
	p.order <- result
	p.jobs <- job{src: p.buf, result: result}
	p.buf = p.get()
}

func (p *parallelWriter) Write(b []byte) (int, error) {
	if p.closed {
		return 0, errors.New("write to a closed compressor")
	}
	if err := p.failed(); err != nil {
		return 0, err
	}
	n := len(b)
	for len(b) > 0 {
		k := min(len(b), p.chunk-len(p.buf))
		p.buf = append(p.buf, b[:k]...)
		b = b[k:]
		if len(p.buf) == p.chunk {
			p.flush()
		}
	}
	return n, nil
}

// Close compresses what is left, waits until every frame is written and reports the first
// write error. It does not close the underlying writer.
func (p *parallelWriter) Close() error {
	if !p.closed {
		p.closed = true
		p.flush()
		close(p.jobs)
		close(p.order)
		p.wg.Wait()
		<-p.done
	}
	return p.failed()
}
