package stage

// pqueue is a worker's overflow queue: unbounded, highest priority first,
// first in first out among equal priorities. It keeps one ring per priority
// level in use, highest first, so with one level (the usual case) it costs
// what a ring costs; k levels in use cost O(k) per push and pop. Not safe
// for concurrent use; [Group] guards it.
type pqueue[T any] struct {
	levels []level[T] // by priority, highest first; none empty but a lone one
	size   int
}

type level[T any] struct {
	prio int
	r    ring[T]
}

func (q *pqueue[T]) len() int { return q.size }

func (q *pqueue[T]) push(v T, prio int) {
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
	q.levels[i].r.push(v)
	q.size++
}

func (q *pqueue[T]) pop() (v T, ok bool) {
	if q.size == 0 {
		return v, false
	}
	l := &q.levels[0]
	v, _ = l.r.pop()
	q.size--
	if l.r.len() == 0 && len(q.levels) > 1 {
		// Drop the empty level; keep the last one's ring for reuse.
		q.levels = append(q.levels[:0], q.levels[1:]...)
	}
	return v, true
}

// drain removes and returns every item, in the order pop would give them.
func (q *pqueue[T]) drain() []T {
	out := make([]T, 0, q.size)
	for {
		v, ok := q.pop()
		if !ok {
			return out
		}
		out = append(out, v)
	}
}
