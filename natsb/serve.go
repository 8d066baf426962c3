package natsb

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sluice-go/sluice/remote"
)

// WorkerOption configures [Serve].
type WorkerOption func(*workerOptions)

type workerOptions struct {
	prefix    string
	instances int
	lanes     int
	heartbeat time.Duration
	drain     time.Duration
	durable   *Durable
	err       error
}

func (o *workerOptions) fail(err error) {
	if o.err == nil {
		o.err = err
	}
}

// WithInstances sets how many worker instances Serve runs, each with a
// subject and sessions of its own; the default is 1.
func WithInstances(n int) WorkerOption {
	return func(o *workerOptions) {
		if n < 1 {
			o.fail(fmt.Errorf("natsb: WithInstances(%d): want at least 1", n))
		}
		o.instances = n
	}
}

// WithWorkerLanes sets the lanes each instance announces: how many tasks
// dispatchers bind to it at once before they prefer another; the default
// is GOMAXPROCS.
func WithWorkerLanes(n int) WorkerOption {
	return func(o *workerOptions) {
		if n < 1 {
			o.fail(fmt.Errorf("natsb: WithWorkerLanes(%d): want at least 1", n))
		}
		o.lanes = n
	}
}

// WithHeartbeat sets how often each instance announces that it is alive;
// the default is 100 ms (dispatchers lose it after 3 misses by default).
func WithHeartbeat(d time.Duration) WorkerOption {
	return func(o *workerOptions) {
		if d < time.Millisecond {
			o.fail(fmt.Errorf("natsb: WithHeartbeat(%v): want at least 1ms", d))
		}
		o.heartbeat = d
	}
}

// WithDrainTimeout bounds how long Serve waits, once its ctx is done, for
// the tasks in flight to finish before it cancels them; the default is 10 s.
func WithDrainTimeout(d time.Duration) WorkerOption {
	return func(o *workerOptions) {
		if d < 0 {
			o.fail(fmt.Errorf("natsb: WithDrainTimeout(%v): want zero or more", d))
		}
		o.drain = d
	}
}

// WithWorkerPrefix sets the subjects' first token, as [WithPrefix] does
// for dispatchers.
func WithWorkerPrefix(p string) WorkerOption {
	return func(o *workerOptions) {
		if !validToken(p) {
			o.fail(fmt.Errorf("natsb: WithWorkerPrefix(%q): want a non-empty subject token without '.', '*', '>' or spaces", p))
		}
		o.prefix = p
	}
}

// Serve serves the functions and stateful workers registered with package
// remote (the registry of the process backend too) on nc, as worker
// instances, until ctx is done; it uses nc but does not close it.
//
// Each instance subscribes to a subject of its own and announces itself
// (its id, lanes, heartbeat and the names it serves), and again at every
// heartbeat. Each (dispatcher backend, pool worker) pair that calls it has
// a session of its own, a remote session as over a worker process's
// pipes: calls run concurrently, a stateful worker's calls one at a time
// in order on an instance made for that pool worker, panics come back as
// *future.PanicError, and a name the process did not register is refused
// with remote.ErrUnknownFunction. A result over the server's max_payload
// comes back as an error wrapping remote.ErrFrameTooLarge.
//
// When ctx is done Serve drains: it announces that its instances are
// leaving (dispatchers bind no new work to them), drains their
// subscriptions, waits for the tasks in flight to finish and their
// answers to go out (at most the drain timeout, then it cancels them),
// closes the sessions and their stateful workers, announces that the
// instances are gone, and returns nil, or the stateful workers' Close
// errors. If nc closes, Serve ends the same way without waiting and
// returns nats.ErrConnectionClosed. A bad option is an error naming it.
func Serve(ctx context.Context, nc *nats.Conn, opts ...WorkerOption) error {
	o := workerOptions{prefix: DefaultPrefix, instances: 1, lanes: runtime.GOMAXPROCS(0),
		heartbeat: 100 * time.Millisecond, drain: 10 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		return o.err
	}
	if nc == nil {
		return errors.New("natsb: Serve with a nil connection")
	}
	cid, err := nc.GetClientID()
	if err != nil {
		return fmt.Errorf("natsb: Serve: %w", err)
	}
	ws := &workerSet{nc: nc, o: o, names: remote.Names(), server: nc.ConnectedServerId(), client: cid, rep: newReplier(nc)}
	defer ws.rep.stop()
	defer ws.unsubscribe()
	if err := ws.start(); err != nil {
		return err
	}
	if o.durable != nil {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		dw, err := ws.startDurable(sctx)
		cancel()
		if err != nil {
			return fmt.Errorf("natsb: Serve: %w", err)
		}
		ws.dur = dw
	}
	t := time.NewTicker(o.heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ws.drain()
		case <-t.C:
			if nc.IsClosed() {
				ws.drain()
				return nats.ErrConnectionClosed
			}
			ws.announce(stateUp)
		}
	}
}

// workerSet is the instances of one Serve.
type workerSet struct {
	nc     *nats.Conn
	o      workerOptions
	names  []string
	server string
	client uint64
	insts  []*winstance
	subs   []*nats.Subscription // discover, client gone
	dur    *dworker             // with WithWorkerDurable
	rep    *replier             // the instances' answers
}

func (ws *workerSet) start() error {
	for range ws.o.instances {
		id := rand.Text()
		in := &winstance{ws: ws, id: id, subject: instanceSubject(ws.o.prefix, id),
			sessions: make(map[sessKey]*wsession), byOrig: make(map[origKey]*wsession)}
		sub, err := ws.nc.Subscribe(in.subject, in.onMsg)
		if err != nil {
			return fmt.Errorf("natsb: Serve: subscribing: %w", err)
		}
		in.sub = sub
		ws.insts = append(ws.insts, in)
	}
	for subj, h := range map[string]nats.MsgHandler{
		discoverSubject(ws.o.prefix):   func(*nats.Msg) { ws.announce(stateUp) },
		clientGoneSubject(ws.o.prefix): ws.onClientGone,
	} {
		sub, err := ws.nc.Subscribe(subj, h)
		if err != nil {
			return fmt.Errorf("natsb: Serve: subscribing: %w", err)
		}
		ws.subs = append(ws.subs, sub)
	}
	if err := ws.nc.Flush(); err != nil {
		return fmt.Errorf("natsb: Serve: %w", err)
	}
	ws.announce(stateUp)
	return nil
}

func (ws *workerSet) unsubscribe() {
	for _, s := range ws.subs {
		s.Unsubscribe()
	}
	for _, in := range ws.insts {
		in.sub.Unsubscribe()
	}
}

func (ws *workerSet) announce(state string) {
	for _, in := range ws.insts {
		a := announcement{ID: in.id, Subject: in.subject, State: state, Lanes: ws.o.lanes, Names: ws.names,
			Heartbeat: int64(ws.o.heartbeat), Server: ws.server, Client: ws.client}
		ws.nc.Publish(announceSubject(ws.o.prefix), a.marshal())
	}
}

func (ws *workerSet) onClientGone(m *nats.Msg) {
	for _, in := range ws.insts {
		in.endClient(string(m.Data))
	}
}

// drain is Serve's end; see Serve.
func (ws *workerSet) drain() error {
	ws.announce(stateLeaving)
	for _, in := range ws.insts {
		in.sub.Drain()
	}
	deadline := time.Now().Add(ws.o.drain)
	for _, in := range ws.insts {
		for !ws.nc.IsClosed() && in.sub.IsValid() && time.Now().Before(deadline) {
			select {
			case <-in.sub.StatusChanged(nats.SubscriptionClosed):
			case <-time.After(50 * time.Millisecond):
			}
		}
		in.awaitIdle(deadline)
	}
	var errs []error
	if ws.dur != nil {
		errs = append(errs, ws.dur.drain(deadline))
	}
	for _, in := range ws.insts {
		errs = append(errs, in.close()...)
	}
	ws.rep.stop() // every answer is out
	ws.announce(stateGone)
	ws.nc.Flush()
	return errors.Join(errs...)
}

// winstance is one worker instance.
type winstance struct {
	ws      *workerSet
	id      string
	subject string
	sub     *nats.Subscription

	mu       sync.Mutex
	sessions map[sessKey]*wsession
	byOrig   map[origKey]*wsession // the calls in flight
	inflight int
	idle     chan struct{}  // closed when inflight drops to 0, if not nil
	ending   sync.WaitGroup // sessions closing on their own goroutines
	errs     []error        // their Close errors; mu
}

type sessKey struct {
	client string // the backend's reply prefix
	worker int
}

type origKey struct {
	client string
	id     uint64
}

// onMsg relays a request or a cancel into its session, or ends one.
func (in *winstance) onMsg(m *nats.Msg) {
	client, _, ok := replyID(m.Reply)
	if !ok {
		return
	}
	if m.Header.Get(hdrOp) == opEnd {
		w, err := strconv.Atoi(m.Header.Get(hdrWorker))
		if err == nil {
			in.endSession(sessKey{client, w})
		}
		return
	}
	var f remote.Frame
	if f.UnmarshalBinary(m.Data) != nil {
		return
	}
	switch f.Kind {
	case remote.KindRequest:
		in.request(sessKey{client, f.Worker}, f)
	case remote.KindCancel:
		in.mu.Lock()
		s := in.byOrig[origKey{client, f.ID}]
		in.mu.Unlock()
		if s != nil {
			s.rs.Handle(f)
		}
	}
}

// request hands a request to its session, starting one if need be. A
// session that is closing drops it: its pool worker has ended.
func (in *winstance) request(k sessKey, f remote.Frame) {
	in.mu.Lock()
	s := in.sessions[k]
	if s == nil {
		s = in.newSession(k)
		in.sessions[k] = s
	}
	in.byOrig[origKey{k.client, f.ID}] = s
	in.inflight++
	in.mu.Unlock()
	in.ws.rep.inflight.Add(1)
	if s.rs.Handle(f) != nil {
		in.answered(s, f.ID)
		in.sent()
	}
}

// answered forgets a call once its answer is on its way, reporting
// whether it was in flight.
func (in *winstance) answered(s *wsession, id uint64) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	k := origKey{s.key.client, id}
	if in.byOrig[k] != s {
		return false
	}
	delete(in.byOrig, k)
	return true
}

// sent counts a call out once its answer is published, so that a drain
// announces the instance gone only after every answer.
func (in *winstance) sent() {
	in.ws.rep.inflight.Add(-1)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.inflight--
	if in.inflight == 0 && in.idle != nil {
		close(in.idle)
		in.idle = nil
	}
}

func (in *winstance) awaitIdle(deadline time.Time) {
	in.mu.Lock()
	if in.inflight == 0 {
		in.mu.Unlock()
		return
	}
	if in.idle == nil {
		in.idle = make(chan struct{})
	}
	idle := in.idle
	in.mu.Unlock()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	tick := time.NewTicker(50 * time.Millisecond) // to notice a closed connection
	defer tick.Stop()
	for {
		select {
		case <-idle:
			return
		case <-t.C:
			return
		case <-tick.C:
			if in.ws.nc.IsClosed() {
				return
			}
		}
	}
}

func (in *winstance) endSession(k sessKey) {
	in.mu.Lock()
	s := in.sessions[k]
	delete(in.sessions, k)
	in.mu.Unlock()
	if s != nil {
		in.end(s)
	}
}

func (in *winstance) endClient(client string) {
	in.mu.Lock()
	var ended []*wsession
	for k, s := range in.sessions {
		if len(k.client) > len(client) && k.client[:len(client)] == client && k.client[len(client)] == '.' {
			delete(in.sessions, k)
			ended = append(ended, s)
		}
	}
	in.mu.Unlock()
	for _, s := range ended {
		in.end(s)
	}
}

// end closes a session on a goroutine of its own: Close waits for the
// session's calls, which must not hold up the instance's messages.
func (in *winstance) end(s *wsession) {
	in.ending.Go(func() {
		if err := s.rs.Close(); err != nil {
			in.mu.Lock()
			in.errs = append(in.errs, err)
			in.mu.Unlock()
		}
	})
}

// close ends every session and waits for them, returning their errors.
func (in *winstance) close() []error {
	in.mu.Lock()
	for k, s := range in.sessions {
		delete(in.sessions, k)
		in.end(s)
	}
	in.mu.Unlock()
	in.ending.Wait()
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.errs
}
