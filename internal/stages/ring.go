package stages

// ring is a FIFO queue of unbounded size: a list of blocks of blockSize
// items, filled at the tail and emptied at the head. A block the head has
// passed is kept as the one spare for the tail, or dropped, so a ring
// holds at most two blocks beyond those its items fill: a queue that held
// a million items holds two blocks after they drained, and one that fills
// and drains with every burst allocates nothing in steady state. Not safe
// for concurrent use; [Group] guards it.
type ring[T any] struct {
	head, tail *block[T]
	hi, ti     int // next pop in head, next push in tail
	size       int
	spare      *block[T]
}

// blockSize is how many items one block of a ring holds.
const blockSize = 64

type block[T any] struct {
	items [blockSize]T
	next  *block[T]
}

func (r *ring[T]) len() int { return r.size }

func (r *ring[T]) push(v T) {
	if r.tail == nil || r.ti == blockSize {
		b := r.spare
		if b == nil {
			b = new(block[T])
		}
		r.spare = nil
		if r.tail == nil {
			r.head, r.hi = b, 0
		} else {
			r.tail.next = b
		}
		r.tail, r.ti = b, 0
	}
	r.tail.items[r.ti] = v
	r.ti++
	r.size++
}

// peek returns the item pop would give; the ring must not be empty.
func (r *ring[T]) peek() *T { return &r.head.items[r.hi] }

func (r *ring[T]) pop() (v T, ok bool) {
	if r.size == 0 {
		return v, false
	}
	var zero T
	v, r.head.items[r.hi] = r.head.items[r.hi], zero
	r.taken(1)
	return v, true
}

// taken moves the head past the k items just taken from its block,
// letting the block go once the head has passed it.
func (r *ring[T]) taken(k int) {
	r.hi += k
	r.size -= k
	switch {
	case r.size == 0: // head is tail: reuse it from its start
		r.hi, r.ti = 0, 0
	case r.hi == blockSize:
		b := r.head
		r.head, r.hi = b.next, 0
		b.next = nil
		r.keep(b)
	}
}

// moveFront moves the first n items of r (n <= r.len()) to the back of
// dst, oldest first, a block's run at a time.
func (r *ring[T]) moveFront(dst *ring[T], n int) {
	for n > 0 {
		end := blockSize
		if r.head == r.tail {
			end = r.ti
		}
		run := r.head.items[r.hi:min(end, r.hi+n)]
		dst.pushAll(run)
		clear(run)
		n -= len(run)
		r.taken(len(run))
	}
}

// pushAll appends vs to r, oldest first.
func (r *ring[T]) pushAll(vs []T) {
	for len(vs) > 0 {
		if r.tail == nil || r.ti == blockSize {
			r.push(vs[0])
			vs = vs[1:]
			continue
		}
		k := copy(r.tail.items[r.ti:], vs)
		r.ti += k
		r.size += k
		vs = vs[k:]
	}
}

// keep makes an emptied block the spare, unless there is one.
func (r *ring[T]) keep(b *block[T]) {
	if r.spare == nil {
		r.spare = b
	}
}

// blocks returns how many blocks the ring holds, spare included.
func (r *ring[T]) blocks() int {
	n := 0
	for b := r.head; b != nil; b = b.next {
		n++
	}
	if r.spare != nil {
		n++
	}
	return n
}

// drain removes and returns every item, oldest first.
func (r *ring[T]) drain() []T {
	out := make([]T, 0, r.size)
	for {
		v, ok := r.pop()
		if !ok {
			return out
		}
		out = append(out, v)
	}
}
