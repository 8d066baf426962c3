package stages

import (
	"context"
	"fmt"
	"time"
)

// Batch groups the items of in into batches: slices of up to size items,
// in input order. A batch goes out when it holds size items, when wait has
// passed since its first item arrived (if wait > 0; wait 0 means no time
// limit), or when in ends. Every batch is a new slice the consumer may
// keep. A batch starts with room for as many items as the one before it
// held (the first for min(size, in.Size())) and grows as items come, so a
// large size costs memory only as items fill it: one allocation per batch
// in a steady stream, a few more while batches grow.
//
// Batches travel in chunks of up to max(1, in.Size()/size) batches, so a
// chunk holds about as many items as a chunk of in. A chunk goes out when
// it is full, when the next read of in would block, or when a batch leaves
// by its time limit, so a slow stream is not held back.
//
// Batch holds at most one chunk of in, one batch being filled and two
// chunks of batches (one being filled, one in the returned stream's
// buffer). Ownership is as for [Map]: Batch reads in until it is closed or
// ctx is done, puts back every chunk it reads, and closes the returned
// stream once its goroutine is done. size < 1 or wait < 0 panic: callers
// validate user input first.
func Batch[T any](ctx context.Context, in *Chunks[T], size int, wait time.Duration) *Chunks[[]T] {
	if size < 1 || wait < 0 {
		panic(fmt.Sprintf("stages: Batch with size %d, wait %v; want size >= 1, wait >= 0", size, wait))
	}
	out := NewChunks[[]T](1, max(1, in.Size()/size))
	b := &batcher[T]{in: in, out: out, done: ctx.Done(), size: size, wait: wait, room: min(size, in.Size())}
	go b.run()
	return out
}

type batcher[T any] struct {
	in    *Chunks[T]
	out   *Chunks[[]T]
	done  <-chan struct{}
	size  int
	wait  time.Duration
	cur   []T   // the batch being filled
	room  int   // the capacity the next batch starts with
	pend  [][]T // the chunk of batches being filled
	timer *time.Timer
	due   <-chan time.Time // the timer's channel while cur has items
}

func (b *batcher[T]) run() {
	defer b.out.Close()
	for {
		var c []T
		var ok bool
		select {
		case c, ok = <-b.in.C():
		case <-b.due:
			if !b.emit() || !b.flush() {
				return
			}
			continue
		case <-b.done:
			return
		default:
			if !b.flush() {
				return
			}
			select {
			case c, ok = <-b.in.C():
			case <-b.due:
				if !b.emit() || !b.flush() {
					return
				}
				continue
			case <-b.done:
				return
			}
		}
		if !ok {
			if len(b.cur) > 0 && !b.emit() {
				return
			}
			b.flush()
			return
		}
		for _, v := range c {
			if b.cur == nil {
				b.start()
			}
			b.cur = append(b.cur, v)
			if len(b.cur) == b.size && !b.emit() {
				b.in.Put(c)
				return
			}
		}
		b.in.Put(c)
	}
}

// start begins a batch and, with a time limit, its timer.
func (b *batcher[T]) start() {
	b.cur = make([]T, 0, b.room)
	if b.wait <= 0 {
		return
	}
	if b.timer == nil {
		b.timer = time.NewTimer(b.wait)
	} else {
		b.timer.Reset(b.wait)
	}
	b.due = b.timer.C
}

// emit moves the current batch into the pending chunk, sending that chunk
// if it is full. It reports false once done closes.
func (b *batcher[T]) emit() bool {
	if b.due != nil {
		b.timer.Stop()
		b.due = nil
	}
	if b.pend == nil {
		b.pend = b.out.Get()
	}
	b.pend = append(b.pend, b.cur)
	b.room = len(b.cur)
	b.cur = nil
	if len(b.pend) < b.out.Size() {
		return true
	}
	return b.flush()
}

// flush sends the pending chunk, if any.
func (b *batcher[T]) flush() bool {
	if len(b.pend) == 0 {
		return true
	}
	c := b.pend
	b.pend = nil
	return b.out.Send(b.done, c)
}

// Unbatch flattens a stream of batches into a stream of their items, in
// order, in chunks of up to size items. A chunk goes out when it is full
// or when the next read of in would block.
//
// Unbatch holds at most one chunk of in and two chunks of items (one
// being filled, one in the returned stream's buffer). Ownership is as for
// [Map]. size < 1 panics.
func Unbatch[T any](ctx context.Context, in *Chunks[[]T], size int) *Chunks[T] {
	if size < 1 {
		panic(fmt.Sprintf("stages: Unbatch with size %d, want at least 1", size))
	}
	out := NewChunks[T](1, size)
	go func() {
		defer out.Close()
		w := NewWriter(out, ctx.Done())
		for {
			c, ok := Next(in, w)
			if !ok {
				w.Finish()
				return
			}
			for _, batch := range c {
				for _, v := range batch {
					if !w.Add(v) {
						in.Put(c)
						return
					}
				}
			}
			in.Put(c)
		}
	}()
	return out
}
