package natsb

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"
)

// replier publishes the answers of one Serve's instances. nats.go writes
// to the socket on a flusher goroutine that each publish wakes, and a
// woken goroutine runs next on its P: published one by one from the calls'
// goroutines, answers that are ready together would go out in a write
// each. So an answer is published at once only when it is the one call in
// flight (nothing to wait for); otherwise it is queued, and the replier's
// goroutine yields once, so that the calls ready to run answer too, then
// publishes the whole queue, which the flusher then writes at once.
type replier struct {
	nc       *nats.Conn
	inflight atomic.Int64 // calls in flight on every instance
	wake     chan struct{}
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	mu      sync.Mutex
	stopped bool // answers go out at once
	q       []queued
	buf     []byte // the queued answers' bodies, back to back
	spare   []queued
	sbuf    []byte
}

// queued is an answer waiting in the queue: its body is buf[start:end].
type queued struct {
	in         *winstance
	subject    string
	start, end int
}

func newReplier(nc *nats.Conn) *replier {
	r := &replier{nc: nc, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

// send publishes body to subject for a call of in, now or with the next
// batch; in.sent follows the publish. body is copied.
func (r *replier) send(in *winstance, subject string, body []byte) {
	if r.inflight.Load() > 1 {
		r.mu.Lock()
		if !r.stopped {
			r.enqueue(in, subject, body)
			return
		}
		r.mu.Unlock()
	}
	r.nc.Publish(subject, body)
	in.sent()
}

// enqueue queues an answer and unlocks r.mu.
func (r *replier) enqueue(in *winstance, subject string, body []byte) {
	first := len(r.q) == 0
	start := len(r.buf)
	r.buf = append(r.buf, body...)
	r.q = append(r.q, queued{in, subject, start, len(r.buf)})
	r.mu.Unlock()
	if first {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

func (r *replier) run() {
	defer close(r.done)
	for {
		select {
		case <-r.wake:
		case <-r.quit:
			r.publish()
			return
		}
		runtime.Gosched() // the calls that can answer now do, into this batch
		r.publish()
	}
}

// publish publishes the queue.
func (r *replier) publish() {
	r.mu.Lock()
	q, buf := r.q, r.buf
	r.q, r.buf = r.spare[:0], r.sbuf[:0]
	r.mu.Unlock()
	for _, a := range q {
		r.nc.Publish(a.subject, buf[a.start:a.end])
		a.in.sent()
	}
	clear(q) // drop the instances and subjects
	r.mu.Lock()
	if cap(buf) <= 1<<20 { // keep no huge buffer alive for small answers
		r.spare, r.sbuf = q[:0], buf[:0]
	} else {
		r.spare, r.sbuf = q[:0], nil
	}
	r.mu.Unlock()
}

// stop publishes what is queued and ends the goroutine. Answers sent
// later are published at once. Later calls do nothing.
func (r *replier) stop() {
	r.stopOnce.Do(func() {
		r.mu.Lock()
		r.stopped = true
		r.mu.Unlock()
		close(r.quit)
		<-r.done
	})
}
