package stages

// DefaultChunk is the chunk size streams use unless told otherwise.
const DefaultChunk = 64

// Chunks is a stream of items that travels in chunks: slices of up to Size
// items sent on one channel, with a free list the chunks return to once
// read, so a stream in steady state moves items without allocating and pays
// one channel operation per chunk, not per item.
//
// The producer owns the channel: it takes empty chunks with [Chunks.Get],
// fills them, sends them with [Chunks.Send] and finally calls
// [Chunks.Close]. The consumer ranges over [Chunks.C] and hands every chunk
// back with [Chunks.Put] once it no longer uses the items' memory. A chunk
// that is never put back is simply collected by the garbage collector.
//
// Chunks is safe for use by one producer goroutine and one consumer
// goroutine at a time (more of each is fine as long as Close is called once
// after every producer is done). It must not be copied after first use.
type Chunks[T any] struct {
	c    chan []T
	free chan []T
	size int
}

// NewChunks returns a stream whose channel holds buffer chunks of up to
// size items. Its free list keeps up to 2*buffer+2 spare chunks. buffer < 0
// or size < 1 panics.
func NewChunks[T any](buffer, size int) *Chunks[T] {
	return newChunks[T](buffer, size, 2*buffer+2)
}

func newChunks[T any](buffer, size, spare int) *Chunks[T] {
	if buffer < 0 || size < 1 {
		panic("stages: NewChunks with negative buffer or size < 1")
	}
	return &Chunks[T]{
		c:    make(chan []T, buffer),
		free: make(chan []T, spare),
		size: size,
	}
}

// C is the channel the chunks arrive on; it is closed by [Chunks.Close].
func (s *Chunks[T]) C() <-chan []T { return s.c }

// Size returns the most items a chunk holds.
func (s *Chunks[T]) Size() int { return s.size }

// Get returns an empty chunk with room for Size items.
func (s *Chunks[T]) Get() []T {
	select {
	case c := <-s.free:
		return c
	default:
		return make([]T, 0, s.size)
	}
}

// Put hands a chunk back for reuse. Its items are cleared first so the
// stream does not keep them alive.
func (s *Chunks[T]) Put(c []T) {
	if cap(c) != s.size {
		return
	}
	clear(c)
	select {
	case s.free <- c[:0]:
	default:
	}
}

// Send sends a chunk unless done closes first, and reports whether it did.
// An empty chunk is put back instead and counts as sent.
func (s *Chunks[T]) Send(done <-chan struct{}, c []T) bool {
	if len(c) == 0 {
		s.Put(c)
		return true
	}
	return Emit(done, s.c, c)
}

// Close closes the channel: the producer is done.
func (s *Chunks[T]) Close() { close(s.c) }

// Emit sends v on out unless done closes first, and reports whether it
// did. Stages use it to hand results on without blocking past
// cancellation.
func Emit[T any](done <-chan struct{}, out chan<- T, v T) bool {
	select {
	case out <- v:
		return true
	default:
	}
	select {
	case out <- v:
		return true
	case <-done:
		return false
	}
}
