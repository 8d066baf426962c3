package natsb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sluice-go/sluice/remote"
)

// Dispatcher is the calling side of the NATS backend: it follows the
// fleet of worker instances (their announcements, heartbeats and
// departures, and the server's disconnect events with
// [WithSystemEvents]), sends each call to the instance it is bound to on
// that instance's subject, and fails the calls in flight on an instance
// with a [*LostError] the moment the instance is seen lost. Pools and
// flows reach it through [NewBackend]; any number of backends may share
// one Dispatcher.
//
// A Dispatcher is safe for concurrent use and must not be copied. A call
// costs two NATS messages and, beyond them, a few microseconds (see the
// package doc for the figures).
type Dispatcher struct {
	nc      *nats.Conn
	o       options
	inbox   string
	maxSize int64
	subs    []*nats.Subscription
	stop    chan struct{}
	checked chan struct{} // the heartbeat checker ended

	mu       sync.Mutex
	insts    map[string]*instance
	calls    map[uint64]*call
	nextID   uint64
	backends int
	changed  chan struct{} // closed and replaced when the fleet changes
	closed   bool
	dur      *durable // the durable mode's, with WithDurable
}

// instance is one worker instance as the dispatcher sees it.
type instance struct {
	a       announcement
	seen    time.Time
	leaving bool
	lost    error // set once; the instance is out of insts then
	bound   int   // lanes of backends' workers bound to it
	calls   map[uint64]*call
}

type call struct {
	ch   chan result
	inst *instance
}

type result struct {
	payload []byte
	err     error
}

// Option configures a [Dispatcher].
type Option func(*options)

type options struct {
	prefix  string
	misses  int
	sys     *nats.Conn
	noWait  bool
	durable *Durable
	err     error
}

// WithPrefix sets the subjects' first token; the default is
// [DefaultPrefix]. Dispatchers and workers must agree on it.
func WithPrefix(p string) Option {
	return func(o *options) {
		if !validToken(p) && o.err == nil {
			o.err = fmt.Errorf("natsb: WithPrefix(%q): want a non-empty subject token without '.', '*', '>' or spaces", p)
		}
		o.prefix = p
	}
}

// WithMisses sets how many heartbeats in a row an instance may miss
// before it is lost; the default is 3. Each instance announces its own
// heartbeat interval (100 ms by default).
func WithMisses(n int) Option {
	return func(o *options) {
		if n < 1 && o.err == nil {
			o.err = fmt.Errorf("natsb: WithMisses(%d): want at least 1", n)
		}
		o.misses = n
	}
}

// WithSystemEvents has the dispatcher listen, on sys (a connection to
// the system account of the same server or cluster), to the server's
// disconnect events: a worker whose connection ends (its process killed)
// is lost a millisecond or two later, instead of after its missed
// heartbeats. A worker that announced it is draining is left to its
// heartbeats even so: its last answers may arrive after the event. The
// dispatcher does not close sys.
func WithSystemEvents(sys *nats.Conn) Option {
	return func(o *options) {
		if sys == nil && o.err == nil {
			o.err = errors.New("natsb: WithSystemEvents(nil)")
		}
		o.sys = sys
	}
}

// WithoutWaiting makes a call fail at once with [ErrNoWorker] when no
// instance serves its function; by default it waits, as long as its ctx
// allows, for one to join.
func WithoutWaiting() Option { return func(o *options) { o.noWait = true } }

// NewDispatcher starts a dispatcher on nc, which it uses but does not
// close: it subscribes to the fleet's announcements and its own inbox,
// asks the instances already running to announce themselves, and waits
// (under ctx) until the server has seen its subscriptions. A bad option
// is an error naming it.
func NewDispatcher(ctx context.Context, nc *nats.Conn, opts ...Option) (*Dispatcher, error) {
	o := options{prefix: DefaultPrefix, misses: 3}
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		return nil, o.err
	}
	if nc == nil {
		return nil, errors.New("natsb: NewDispatcher with a nil connection")
	}
	d := &Dispatcher{nc: nc, o: o, inbox: nc.NewInbox(), maxSize: nc.MaxPayload(),
		stop: make(chan struct{}), checked: make(chan struct{}),
		insts: make(map[string]*instance), calls: make(map[uint64]*call), changed: make(chan struct{})}
	subscribe := func(c *nats.Conn, subj string, h nats.MsgHandler) error {
		s, err := c.Subscribe(subj, h)
		if err != nil {
			return fmt.Errorf("natsb: subscribing to %s: %w", subj, err)
		}
		d.subs = append(d.subs, s)
		return nil
	}
	err := errors.Join(
		subscribe(nc, d.inbox+".*.*", d.onReply),
		subscribe(nc, announceSubject(o.prefix), d.onAnnounce))
	if err == nil && o.sys != nil {
		err = subscribe(o.sys, "$SYS.ACCOUNT.*.DISCONNECT", d.onDisconnect)
		if err == nil {
			err = flush(ctx, o.sys)
		}
	}
	if err == nil && o.durable != nil {
		err = d.startDurable(ctx)
	}
	if err == nil {
		err = nc.Publish(discoverSubject(o.prefix), nil)
	}
	if err == nil {
		err = flush(ctx, nc)
	}
	if err != nil {
		d.unsubscribe()
		if d.dur != nil {
			d.closeDurable()
		}
		return nil, fmt.Errorf("natsb: starting a dispatcher: %w", err)
	}
	go d.check()
	return d, nil
}

func (d *Dispatcher) unsubscribe() {
	for _, s := range d.subs {
		s.Unsubscribe()
	}
}

// Close fails the calls still in flight with [ErrClosed], stops following
// the fleet, and tells the instances to close the sessions (and so the
// stateful workers) of its backends. It does not close the connection.
// Later calls do nothing.
func (d *Dispatcher) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	calls := d.calls
	d.calls = nil
	for _, in := range d.insts {
		clear(in.calls)
	}
	d.signal()
	d.mu.Unlock()
	for _, c := range calls {
		c.ch <- result{err: ErrClosed}
	}
	close(d.stop)
	<-d.checked
	d.unsubscribe()
	if d.dur != nil {
		d.closeDurable()
	}
	err := d.nc.Publish(clientGoneSubject(d.o.prefix), []byte(d.inbox))
	if err == nil {
		err = d.nc.Flush()
	}
	if err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		return fmt.Errorf("natsb: closing the dispatcher: %w", err)
	}
	return nil
}

// Lanes returns the lanes of the instances that take tasks now (up, not
// leaving) and serve name; "" counts every instance.
func (d *Dispatcher) Lanes(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, in := range d.insts {
		if !in.leaving && (name == "" || in.serves(name)) {
			n += in.a.Lanes
		}
	}
	return n
}

// AwaitLanes waits until [Dispatcher.Lanes](name) is at least n, or ctx
// ends (its cause is returned), or the dispatcher closes.
func (d *Dispatcher) AwaitLanes(ctx context.Context, name string, n int) error {
	return d.onChange(ctx, func() (bool, error) { return d.Lanes(name) >= n, nil })
}

// onChange calls step now and again each time the fleet changes, until
// step reports done or an error (returned), ctx ends (its cause is
// returned) or the dispatcher closes ([ErrClosed]).
func (d *Dispatcher) onChange(ctx context.Context, step func() (done bool, err error)) error {
	for {
		d.mu.Lock()
		ch, closed := d.changed, d.closed
		d.mu.Unlock()
		if closed {
			return ErrClosed
		}
		if done, err := step(); done || err != nil {
			return err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// signal wakes whoever waits for the fleet to change. d.mu is held.
func (d *Dispatcher) signal() {
	close(d.changed)
	d.changed = make(chan struct{})
}

func (in *instance) serves(name string) bool {
	for _, n := range in.a.Names {
		if n == name {
			return true
		}
	}
	return false
}

// onAnnounce follows an instance's state.
func (d *Dispatcher) onAnnounce(m *nats.Msg) {
	var a announcement
	if json.Unmarshal(m.Data, &a) != nil || a.ID == "" || a.Subject == "" {
		return // not ours
	}
	a.Lanes = max(a.Lanes, 1)
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	in := d.insts[a.ID]
	switch {
	case a.State == stateGone:
		// Its answers went out before this, but on another subscription,
		// whose handler may run later: leave any call still in flight to
		// the heartbeat check, which loses the instance soon (its
		// heartbeats have stopped).
		if in != nil && !in.leaving {
			in.leaving = true
			d.signal()
		}
		d.mu.Unlock()
		return
	case in == nil:
		in = &instance{a: a, calls: make(map[uint64]*call)}
		d.insts[a.ID] = in
		d.signal()
	}
	in.seen = time.Now()
	if a.State == stateLeaving && !in.leaving {
		in.leaving = true
		d.signal()
	}
	d.mu.Unlock()
}

// onDisconnect loses the instances on a connection that ended.
func (d *Dispatcher) onDisconnect(m *nats.Msg) {
	var ev disconnectEvent
	if json.Unmarshal(m.Data, &ev) != nil {
		return
	}
	d.mu.Lock()
	var gone []*instance
	for _, in := range d.insts {
		// An instance that announced it is leaving drains before its
		// connection ends: its last answers went out before this event,
		// but on another subscription (and another connection), whose
		// handler may run later. As for a gone announcement, what is
		// still in flight on it is left to the heartbeat check.
		if in.a.Client == ev.Client.ID && in.a.Server == ev.Server.ID && !in.leaving {
			gone = append(gone, in)
		}
	}
	d.mu.Unlock()
	for _, in := range gone {
		d.lose(in, "disconnect event")
	}
}

// check loses the instances that missed their heartbeats.
func (d *Dispatcher) check() {
	defer close(d.checked)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case now := <-t.C:
			d.mu.Lock()
			var late []*instance
			for _, in := range d.insts {
				if now.Sub(in.seen) > time.Duration(d.o.misses)*in.a.heartbeat() {
					late = append(late, in)
				}
			}
			d.mu.Unlock()
			for _, in := range late {
				d.lose(in, "missed heartbeats")
			}
		}
	}
}

// lose marks in lost, once, and fails its calls in flight.
func (d *Dispatcher) lose(in *instance, how string) {
	d.mu.Lock()
	if in.lost != nil {
		d.mu.Unlock()
		return
	}
	in.lost = &LostError{Instance: in.a.ID, How: how}
	if d.insts[in.a.ID] == in {
		delete(d.insts, in.a.ID)
	}
	calls := in.calls
	in.calls = nil
	for id := range calls {
		delete(d.calls, id)
	}
	if !d.closed {
		d.signal()
	}
	d.mu.Unlock()
	for _, c := range calls {
		c.ch <- result{err: in.lost}
	}
}

// onReply delivers a response to its call.
func (d *Dispatcher) onReply(m *nats.Msg) {
	_, id, ok := replyID(m.Subject)
	if !ok {
		return
	}
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		// No responders: the instance's subscription is gone.
		d.mu.Lock()
		c := d.calls[id]
		d.mu.Unlock()
		if c != nil {
			d.lose(c.inst, "no responders")
		}
		return
	}
	var f remote.Frame
	err := f.UnmarshalBinary(m.Data)
	if err == nil && f.Kind != remote.KindResponse {
		err = fmt.Errorf("%w: a %v frame as a response", remote.ErrBadFrame, f.Kind)
	}
	if err != nil {
		err = fmt.Errorf("natsb: a bad response: %w", err)
	}
	d.mu.Lock()
	c := d.calls[id]
	if c != nil {
		delete(d.calls, id)
		delete(c.inst.calls, id)
	}
	d.mu.Unlock()
	if c == nil {
		return // given up on, or answered twice
	}
	if err != nil {
		c.ch <- result{err: err}
		return
	}
	c.ch <- result{f.Payload, f.Err}
}

var callPool = sync.Pool{New: func() any { return &call{ch: make(chan result, 1)} }}

// roundTrip sends one call to in and waits for its answer. key is the
// backend's reply prefix, which the instance keys sessions with.
func (d *Dispatcher) roundTrip(ctx context.Context, in *instance, key string, req remote.Request) ([]byte, error) {
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	d.mu.Lock()
	switch {
	case d.closed:
		d.mu.Unlock()
		return nil, ErrClosed
	case in.lost != nil:
		d.mu.Unlock()
		return nil, in.lost
	}
	d.nextID++
	id := d.nextID
	c := callPool.Get().(*call)
	c.inst = in
	d.calls[id] = c
	in.calls[id] = c
	d.mu.Unlock()

	body, _ := remote.Frame{Kind: remote.KindRequest, ID: id, Worker: req.Worker, Name: req.Name, Payload: req.Payload}.MarshalBinary()
	reply := key + "." + strconv.FormatUint(id, 10)
	var err error
	if int64(len(body)) > d.maxSize {
		err = tooLarge(req.Name, len(body), d.maxSize)
	} else if err = d.nc.PublishRequest(in.a.Subject, reply, body); err != nil {
		err = fmt.Errorf("natsb: sending %s: %w", req.Name, err)
	}
	if err != nil {
		if d.take(id) {
			return nil, err
		}
		r := <-c.ch
		return r.payload, r.err
	}
	select {
	case r := <-c.ch:
		callPool.Put(c)
		return r.payload, r.err
	case <-ctx.Done():
		if d.take(id) {
			callPool.Put(c)
			cancel, _ := remote.Frame{Kind: remote.KindCancel, ID: id}.MarshalBinary()
			d.nc.PublishRequest(in.a.Subject, reply, cancel)
			return nil, context.Cause(ctx)
		}
		r := <-c.ch // being delivered: it wins
		callPool.Put(c)
		return r.payload, r.err
	}
}

// take removes call id, reporting whether it was there (no result is on
// its way to it).
func (d *Dispatcher) take(id uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.calls[id]
	if ok {
		delete(d.calls, id)
		delete(c.inst.calls, id)
	}
	return ok
}

// flush waits until the server has processed what c sent, under ctx or,
// if ctx has no deadline, at most 10 s (nats.go wants a deadline).
func flush(ctx context.Context, c *nats.Conn) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	return c.FlushWithContext(ctx)
}
