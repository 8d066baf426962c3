package flow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/stages"
)

// errStopped is the cause a sink cancels with when it stops early by
// choice (a break out of a range loop): not an error of the flow.
var errStopped = errors.New("flow: stopped by the sink")

// run is one execution of a flow: what a sink starts and ends. It owns the
// context every stage and user function runs under, the errors, and the
// list of what the sink waits for before it returns.
type run struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	stopped atomic.Bool  // ctx is done, or the run is ending
	failed  atomic.Int64 // items dropped by an error, WithContinueOnError
	nerrs   atomic.Int64 // len(errs), for a sink to poll cheaply
	stopFn  func() bool  // unregisters the AfterFunc

	cfg runConfig

	mu   sync.Mutex
	errs []error
	ours bool // the run cancelled ctx itself (an error or the sink)

	seen int // errors the sink has handed over already (All)

	// Built before anything runs, read after: no lock.
	drains []func() // read each stream until closed: every goroutine and user call of the flow is done then
}

func newRun(ctx context.Context, opts []Option) (*run, error) {
	var cfg runConfig
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("flow: nil Option")
		}
		o(&cfg)
	}
	r := &run{cfg: cfg}
	r.ctx, r.cancel = context.WithCancelCause(ctx)
	r.stopFn = context.AfterFunc(r.ctx, func() { r.stopped.Store(true) })
	return r, nil
}

// fail records err from one item: it stops the flow unless the run goes
// on after errors, in which case the item is dropped and counted.
func (r *run) fail(err error) { r.record(err, !r.cfg.cont) }

// fatal records err and stops the flow whatever the error mode: a panic,
// a runtime.Goexit or a flow that cannot go on.
func (r *run) fatal(err error) { r.record(err, true) }

// recovered turns what a deferred recover returned into the error a
// failed user call records: a *future.PanicError, or future.ErrGoexit
// when the call did not return and there was no panic.
func recovered(v any) error {
	if v == nil {
		return future.ErrGoexit
	}
	return future.NewPanicError(v)
}

func (r *run) record(err error, stop bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Once the flow is stopping, errors are its consequences, not news.
	if r.ctx.Err() != nil {
		return
	}
	r.errs = append(r.errs, err)
	r.nerrs.Store(int64(len(r.errs)))
	if stop {
		r.ours = true
		r.cancel(err)
	} else {
		r.failed.Add(1)
	}
}

// stop ends the run early by the sink's choice.
func (r *run) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() == nil {
		r.ours = true
		r.cancel(errStopped)
	}
}

// errorsFrom returns the errors recorded from index i on.
func (r *run) errorsFrom(i int) []error {
	if int(r.nerrs.Load()) <= i {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs[i:]...)
}

// result is the error a sink returns, leaving out the first skip errors
// (already handed over). interrupted says whether ctx was done before the
// sink saw the end of the flow; if nobody in the run cancelled it, the
// cause of the caller's ctx is added.
func (r *run) result(interrupted bool, skip int) error {
	r.mu.Lock()
	errs := r.errs[min(skip, len(r.errs)):]
	ours := r.ours
	r.mu.Unlock()
	if interrupted && !ours {
		errs = append(errs[:len(errs):len(errs)], context.Cause(r.ctx))
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// stream returns a new stream that the run waits to see closed before its
// sink returns: its producer's last act is closing it.
func stream[T any](r *run, buffer, size int) *stages.Chunks[T] {
	return watch(r, stages.NewChunks[T](buffer, size))
}

// watch makes the run read s until it is closed before the sink returns,
// for a stream made by a stage package function.
func watch[T any](r *run, s *stages.Chunks[T]) *stages.Chunks[T] {
	r.drains = append(r.drains, func() {
		for c := range s.C() {
			s.Put(c)
		}
	})
	return s
}

// finish ends the run: it cancels ctx, waits until every stream is closed
// (so every goroutine of the flow is done) and every user call in
// progress has returned.
func (r *run) finish() {
	r.stopped.Store(true)
	r.cancel(context.Canceled)
	for _, d := range r.drains {
		d()
	}
	r.stopFn()
}

// progress calls the WithProgress observer, if any, and returns the
// *future.PanicError (or future.ErrGoexit) if it did not return: a panic
// in it stops the flow like one in any other user function.
func (r *run) progress(done, total int64) (err error) {
	if r.cfg.progress == nil {
		return nil
	}
	returned := false
	defer func() {
		if !returned {
			err = recovered(recover())
		}
	}()
	r.cfg.progress(Progress{Done: done, Failed: r.failed.Load(), Total: total})
	returned = true
	return nil
}

func checkCtx(ctx context.Context, sink string) {
	if ctx == nil {
		panic(fmt.Sprintf("flow: %s with nil context", sink))
	}
}
