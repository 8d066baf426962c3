package stages

// pqueue is a worker's queue: unbounded, highest priority first, first in
// first out among equal priorities. Every entry carries a sequence number
// from its worker, so two queues of one worker (the tasks that may move and
// those pinned to it) can be merged in arrival order. It keeps one ring per
// priority level in use, highest first, so with one level (the usual case)
// it costs what a ring costs; k levels in use cost O(k) per push and pop.
// Not safe for concurrent use; [Group] guards it.
type pqueue[T any] struct {
	levels []level[T] // by priority, highest first; none empty but a lone one
	size   int
}

type level[T any] struct {
	prio int
	r    ring[entry[T]]
}

// entry is one queued item with its place in its worker's arrival order.
type entry[T any] struct {
	v   T
	seq uint64
}

func (q *pqueue[T]) len() int { return q.size }

func (q *pqueue[T]) push(e entry[T], prio int) {
	if q.size == 0 && len(q.levels) == 1 {
		q.levels[0].prio = prio // the kept empty level takes any priority
	}
	i := 0
	for i < len(q.levels) && q.levels[i].prio > prio {
		i++
	}
	if i == len(q.levels) || q.levels[i].prio != prio {
		q.levels = append(q.levels, level[T]{})
		copy(q.levels[i+1:], q.levels[i:])
		q.levels[i] = level[T]{prio: prio}
	}
	q.levels[i].r.push(e)
	q.size++
}

// peek returns the priority and sequence number of the entry pop would
// give.
func (q *pqueue[T]) peek() (prio int, seq uint64, ok bool) {
	if q.size == 0 {
		return 0, 0, false
	}
	l := &q.levels[0]
	return l.prio, l.r.peek().seq, true
}

// pop removes the first entry and returns it with its priority.
func (q *pqueue[T]) pop() (e entry[T], prio int, ok bool) {
	if q.size == 0 {
		return e, 0, false
	}
	l := &q.levels[0]
	prio = l.prio
	e, _ = l.r.pop()
	q.size--
	if l.r.len() == 0 && len(q.levels) > 1 {
		// Drop the empty level; keep the last one's ring for reuse.
		q.levels = append(q.levels[:0], q.levels[1:]...)
	}
	return e, prio, true
}

// moveFront moves the first n entries of q (n <= q.len()), those pop
// would give first, to dst, which must be empty, keeping their order and
// priorities.
func (q *pqueue[T]) moveFront(dst *pqueue[T], n int) {
	if dst.size != 0 {
		panic("stages: moveFront into a queue that is not empty")
	}
	dst.size = n
	q.size -= n
	for i := 0; n > 0; i++ {
		l := &q.levels[0]
		k := min(n, l.r.len())
		if i == 0 && len(dst.levels) == 1 {
			dst.levels[0].prio = l.prio // the kept empty level, as in push
		} else {
			dst.levels = append(dst.levels, level[T]{prio: l.prio})
		}
		l.r.moveFront(&dst.levels[i].r, k)
		n -= k
		if l.r.len() == 0 && len(q.levels) > 1 {
			q.levels = append(q.levels[:0], q.levels[1:]...)
		}
	}
}

// drain removes every entry and appends it to out, in the order pop would
// give them.
func (q *pqueue[T]) drain(out []entry[T]) []entry[T] {
	for {
		e, _, ok := q.pop()
		if !ok {
			return out
		}
		out = append(out, e)
	}
}
