package stage

// ring is a FIFO queue of unbounded size. It grows by doubling and gives
// its memory back once it is empty, so a queue that held a million items
// holds none after they drained. Not safe for concurrent use; [Group]
// guards it.
type ring[T any] struct {
	buf        []T
	head, size int
}

// keptRing is the most slots an empty ring keeps for reuse.
const keptRing = 64

func (r *ring[T]) len() int { return r.size }

func (r *ring[T]) push(v T) {
	if r.size == len(r.buf) {
		n := max(2*len(r.buf), 8)
		buf := make([]T, n)
		k := copy(buf, r.buf[r.head:])
		copy(buf[k:], r.buf[:r.head])
		r.buf, r.head = buf, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = v
	r.size++
}

func (r *ring[T]) pop() (v T, ok bool) {
	if r.size == 0 {
		return v, false
	}
	var zero T
	v, r.buf[r.head] = r.buf[r.head], zero
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return v, true
}

// shrink drops the buffer of an empty ring that grew past keptRing.
func (r *ring[T]) shrink() {
	if r.size == 0 && len(r.buf) > keptRing {
		r.buf, r.head = nil, 0
	}
}

// drain removes and returns every item, oldest first.
func (r *ring[T]) drain() []T {
	out := make([]T, 0, r.size)
	for {
		v, ok := r.pop()
		if !ok {
			r.shrink()
			return out
		}
		out = append(out, v)
	}
}
