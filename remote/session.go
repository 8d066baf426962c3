package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/sluice-go/sluice/future"
)

// runnerLinger is how long an idle runner waits for the next call before
// it ends.
const runnerLinger = time.Second

// session is the state of one [Serve] or [Session]: the calls in flight,
// the stateful worker instances, and the goroutines calls run on.
//
// A call runs on a runner, a goroutine that lives on after its call and
// takes the next one, so that a busy session starts no goroutine per call
// (and grows no fresh stack for it); there are as many as calls have been
// in flight at once, and one idle for runnerLinger ends. Under Serve a
// call may also run inline, on the goroutine that read it, which spares
// the hand-off to a runner (a goroutine wake-up, most of the cost of a
// tiny call); see [reading] for when, and for how the reading passes to
// another goroutine when such a call takes long.
type session struct {
	ctx   context.Context
	fw    answerWriter
	limit int
	wg    sync.WaitGroup // every goroutine that runs calls or reads
	jobs  chan job       // unbuffered: idle runners wait on it

	mu    sync.Mutex
	calls map[uint64]context.CancelFunc
	insts map[instKey]*instance // touched by whoever reads (Serve) or handles (Session) frames, one at a time
}

type instKey struct {
	t  *workerType
	id int
}

// instance is one stateful worker. Its calls form a chain: each waits
// for the one before it (turn), and hands over by closing its own.
// Whoever holds the turn owns made and v.
type instance struct {
	tail chan struct{}
	made bool
	v    any
}

// answerWriter writes response frames, one at a time.
type answerWriter interface {
	write(f Frame, limit int) error
}

// job is one call for a runner.
type job struct {
	ctx        context.Context
	cancel     context.CancelFunc
	f          Frame
	e          *entry
	inst       *instance
	turn, next chan struct{}
}

func newSession(ctx context.Context, fw answerWriter, limit int) *session {
	return &session{ctx: ctx, fw: fw, limit: limit, jobs: make(chan job),
		calls: make(map[uint64]context.CancelFunc),
		insts: make(map[instKey]*instance)}
}

// start hands a request to an idle runner, or to a new one.
func (s *session) start(f Frame) {
	if j, ok := s.admit(f); ok {
		s.hand(j)
	}
}

// admit makes a request a job: it registers the call's cancel under its
// id and, for a method call, gives the call its place in its instance's
// chain, in the order requests arrive. A request whose id is in flight is
// answered with an error at once, and admit reports false.
func (s *session) admit(f Frame) (job, bool) {
	e := lookup(f.Name)
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	_, dup := s.calls[f.ID]
	if !dup {
		s.calls[f.ID] = cancel
	}
	s.mu.Unlock()
	if dup {
		cancel()
		s.respond(f.ID, nil, fmt.Errorf("%w: request id %d is already in flight", ErrBadFrame, f.ID))
		return job{}, false
	}
	var inst *instance
	var turn, next chan struct{}
	if e != nil && e.worker != nil {
		inst = s.instance(e.worker, f.Worker)
		turn, next = inst.tail, make(chan struct{})
		inst.tail = next
	}
	return job{ctx, cancel, f, e, inst, turn, next}, true
}

// hand gives j to an idle runner, or to a new one.
func (s *session) hand(j job) {
	select {
	case s.jobs <- j:
	default:
		s.wg.Add(1)
		go s.runner(j)
	}
}

// due reports whether j can run at once: it is no method call, or the
// call before it on its instance has handed over.
func (j *job) due() bool {
	if j.turn == nil {
		return true
	}
	select {
	case <-j.turn:
		return true
	default:
		return false
	}
}

// runner runs j, then lingers to take the next calls. A call that ends
// its goroutine (runtime.Goexit) ends the runner too.
func (s *session) runner(j job) {
	defer s.wg.Done()
	s.run(j)
	s.linger()
}

// linger runs the calls idle runners are handed, until it has been idle
// for runnerLinger or the session ends. Its goroutine is one of s.wg's.
func (s *session) linger() {
	t := time.NewTimer(runnerLinger)
	defer t.Stop()
	for {
		select {
		case j := <-s.jobs:
			s.run(j)
			t.Reset(runnerLinger)
		case <-t.C:
			return
		case <-s.ctx.Done():
			return
		}
	}
}

func (s *session) instance(t *workerType, id int) *instance {
	k := instKey{t, id}
	inst := s.insts[k]
	if inst == nil {
		inst = &instance{tail: make(chan struct{})}
		close(inst.tail)
		s.insts[k] = inst
	}
	return inst
}

// run calls the function and answers, whatever happens to the call.
func (s *session) run(j job) {
	ctx, cancel, f, e, inst, turn, next := j.ctx, j.cancel, j.f, j.e, j.inst, j.turn, j.next
	var out []byte
	var err error
	returned := false
	defer func() {
		if !returned {
			if r := recover(); r != nil {
				err = future.NewPanicError(r)
			} else {
				err = future.ErrGoexit
			}
		}
		s.mu.Lock()
		delete(s.calls, f.ID)
		s.mu.Unlock()
		cancel()
		s.respond(f.ID, out, err)
		if next != nil {
			<-turn // a call cancelled while it waited still hands over in order
			close(next)
		}
	}()
	switch {
	case e == nil:
		err = unknown(f.Name)
	case inst == nil:
		out, err = e.serve(ctx, nil, f.Payload)
	default:
		out, err = s.method(ctx, e, inst, turn, f)
	}
	returned = true
}

// method waits for its turn on the instance, makes the instance if need
// be, and calls the method.
func (s *session) method(ctx context.Context, e *entry, inst *instance, turn chan struct{}, f Frame) ([]byte, error) {
	select {
	case <-turn:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	if !inst.made {
		v, err := e.worker.make(s.ctx, f.Worker)
		if err != nil {
			return nil, err
		}
		inst.v, inst.made = v, true
	}
	return e.serve(ctx, inst.v, f.Payload)
}

func (s *session) respond(id uint64, out []byte, err error) {
	werr := s.fw.write(Frame{Kind: KindResponse, ID: id, Payload: out, Err: err}, s.limit)
	if errors.Is(werr, ErrFrameTooLarge) {
		s.fw.write(Frame{Kind: KindResponse, ID: id, Err: werr}, s.limit)
	}
	// Any other write error means the client is gone: nobody to tell.
}

// idle reports whether no call is in flight.
func (s *session) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls) == 0
}

func (s *session) cancel(id uint64) {
	s.mu.Lock()
	cancel := s.calls[id]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// end waits for every call, runner and reading goroutine, which s.ctx
// being done (and, under Serve, the reading having ended) ends, and
// closes the instances, in a fixed order.
func (s *session) end() error {
	s.wg.Wait()
	keys := make([]instKey, 0, len(s.insts))
	for k, inst := range s.insts {
		if inst.made {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b instKey) int {
		if a.t.name != b.t.name {
			if a.t.name < b.t.name {
				return -1
			}
			return 1
		}
		return a.id - b.id
	})
	var errs []error
	for _, k := range keys {
		if c, ok := s.insts[k].v.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("remote: closing worker %q %d: %w", k.t.name, k.id, err))
			}
		}
	}
	return errors.Join(errs...)
}
