package natsb

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-go/sluice/remote"
)

// Durable configures the durable mode, in which a task travels through a
// JetStream work-queue stream instead of one message to one instance.
// Dispatchers ([WithDurable]) and workers ([WithWorkerDurable]) of one
// prefix must be given the same values; the zero value takes the
// defaults.
//
// The guarantees: a task is run at least once, and its future settles
// exactly once. A task published to the stream is stored (file store)
// until a worker has published its result to the results stream and
// acked it; a worker that dies before acking (killed, or its connection
// lost) has its task delivered again after AckWait, while a task that
// runs longer keeps it by marking progress every AckWait/3 until it is
// acked (delivered
// again to the worker still running it, its marks late, it runs on
// there, not beside itself). Results are
// published with the task's id as their message id and the dispatcher
// keeps only the first result of each task, so a task run twice still
// settles once. After MaxDeliveries deliveries that did not ack, the
// next one fails the task with [ErrMaxDeliveries] without running it.
// A stream holding MaxTasks tasks refuses more (discard new): the pool's
// worker waits, under its attempt's ctx, until there is room, so the
// pool's queue fills and its pending policy (pool.WithMaxPending: Block
// or Fail with pool.ErrFull) decides. A server restarted with its store
// loses nothing: publishes are retried (deduplicated by message id),
// each waiting at most 2 s for its ack (one sent as the server stopped
// is never answered), both streams' consumers are durable, and their
// pulls have a 1 s heartbeat, so that a pull the restarted server
// refused before its JetStream recovered is sent again within 2 s, and
// a result delivered but lost on the way is delivered again after 1 s.
// The embedded server enables JetStream from its configuration, before
// it accepts a client, so a reconnecting client finds its consumers; with
// that, 40 restarts under -race on two busy cores lost nothing, where
// about 1 in 100 had left a future unsettled before (natsb/embedded).
// A call whose ctx ends returns its
// cause at once and deletes its task from the stream if it is there; a
// task already running is not stopped, and its result is dropped.
// Stateful workers are not for this mode: a task may run on any
// instance.
type Durable struct {
	MaxTasks      int64         // tasks in the stream at once; default 1024
	AckWait       time.Duration // before an unacked task is delivered again; default 30 s
	MaxDeliveries int           // deliveries before the task fails; default 5
}

// ErrMaxDeliveries is wrapped by the error of a durable task delivered
// Durable.MaxDeliveries times without being acked (its workers died).
var ErrMaxDeliveries = errors.New("natsb: task delivered too many times")

func init() { remote.RegisterError("natsb.ErrMaxDeliveries", ErrMaxDeliveries) }

func (c Durable) withDefaults() (Durable, error) {
	switch {
	case c.MaxTasks < 0:
		return c, fmt.Errorf("natsb: Durable.MaxTasks %d: want 0 (the default) or more", c.MaxTasks)
	case c.AckWait < 0 || c.AckWait > 0 && c.AckWait < 10*time.Millisecond:
		return c, fmt.Errorf("natsb: Durable.AckWait %v: want 0 (the default) or at least 10ms", c.AckWait)
	case c.MaxDeliveries < 0:
		return c, fmt.Errorf("natsb: Durable.MaxDeliveries %d: want 0 (the default) or more", c.MaxDeliveries)
	}
	if c.MaxTasks == 0 {
		c.MaxTasks = 1024
	}
	if c.AckWait == 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxDeliveries == 0 {
		c.MaxDeliveries = 5
	}
	return c, nil
}

// WithDurable makes every backend of the dispatcher send its tasks
// through the durable mode's streams (see [Durable]), which NewDispatcher
// creates if need be. The connection's server needs JetStream.
func WithDurable(c Durable) Option {
	return func(o *options) {
		c, err := c.withDefaults()
		if err != nil && o.err == nil {
			o.err = err
		}
		o.durable = &c
	}
}

// Subjects and streams of the durable mode, under the prefix P:
//
//	P.tasks             the tasks stream P_tasks (work queue, discard new)
//	P.results.D.ID      the results stream P_results: task ID of dispatcher D
func tasksSubject(p string) string      { return p + ".tasks" }
func resultsSubject(p, d string) string { return p + ".results." + d }

const hdrReply = "Sluice-Reply" // a task's results subject

// Pull requests of the durable mode's consumers. A consumer's pull that
// finds no consumer (a server just restarted, whose JetStream has not
// recovered the streams yet, answers "no responders") is lost, and
// nats.go pulls again only when the heartbeats are missed: after
// 2*Heartbeat, 30 s with the defaults, during which no task or result
// moves. A heartbeat of a second bounds that pause to two.
const (
	pullExpiry    = 5 * time.Second
	pullHeartbeat = time.Second
)

// consumeOpts are the Consume options of the durable mode's consumers,
// with a batch of at most n messages.
func consumeOpts(n int) []jetstream.PullConsumeOpt {
	return []jetstream.PullConsumeOpt{
		jetstream.PullMaxMessages(n), jetstream.PullExpiry(pullExpiry), jetstream.PullHeartbeat(pullHeartbeat),
	}
}

// ensureStreams creates or updates the two streams.
func ensureStreams(ctx context.Context, js jetstream.JetStream, prefix string, c Durable) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: prefix + "_tasks", Subjects: []string{tasksSubject(prefix)},
		Retention: jetstream.WorkQueuePolicy, Discard: jetstream.DiscardNew,
		MaxMsgs: c.MaxTasks, Storage: jetstream.FileStorage,
	})
	if err == nil {
		_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name: prefix + "_results", Subjects: []string{prefix + ".results.>"},
			Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage, MaxAge: time.Hour,
		})
	}
	if err != nil {
		return fmt.Errorf("natsb: the durable mode's streams: %w", err)
	}
	return nil
}

// durable is a dispatcher's side of the durable mode.
type durable struct {
	c     Durable
	js    jetstream.JetStream
	id    string // the dispatcher's token in results subjects
	cc    jetstream.ConsumeContext
	cons  string
	tasks jetstream.Stream
	freed chan struct{} // closed and replaced when a result arrives; d.mu
	calls map[uint64]*call
}

func (d *Dispatcher) startDurable(ctx context.Context) error {
	js, err := jetstream.New(d.nc)
	if err != nil {
		return err
	}
	if err := ensureStreams(ctx, js, d.o.prefix, *d.o.durable); err != nil {
		return err
	}
	du := &durable{c: *d.o.durable, js: js, id: rand.Text(), freed: make(chan struct{}), calls: make(map[uint64]*call)}
	du.cons = "r_" + du.id
	if du.tasks, err = js.Stream(ctx, d.o.prefix+"_tasks"); err != nil {
		return fmt.Errorf("natsb: the tasks stream: %w", err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, d.o.prefix+"_results", jetstream.ConsumerConfig{
		Durable: du.cons, FilterSubject: resultsSubject(d.o.prefix, du.id) + ".*",
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: resultsAckWait, InactiveThreshold: time.Hour,
	})
	if err != nil {
		return fmt.Errorf("natsb: the results consumer: %w", err)
	}
	d.dur = du
	du.cc, err = cons.Consume(d.onResult, consumeOpts(500)...)
	if err != nil {
		return fmt.Errorf("natsb: consuming results: %w", err)
	}
	return nil
}

// resultsAckWait is the results consumer's ack wait: a result delivered
// to the dispatcher but not acked is delivered again after it. The
// handler acks at once, and a result delivered twice is dropped, so it
// is short: around a server restart a delivery can be lost in transit
// (seen once in TestDurable_ServerRestart: two results delivered, never
// handled), and JetStream's default of 30 s left their futures
// unsettled that long.
const resultsAckWait = time.Second

// dropResult, if set (by tests), makes onResult ignore a delivery, as if
// it were lost, when it returns true.
var dropResult func(id uint64, delivered uint64) bool

// onResult settles a durable call with the first result for its id.
func (d *Dispatcher) onResult(m jetstream.Msg) {
	if dropResult != nil {
		i := strings.LastIndexByte(m.Subject(), '.')
		id, _ := strconv.ParseUint(m.Subject()[i+1:], 10, 64)
		if meta, err := m.Metadata(); err == nil && dropResult(id, meta.NumDelivered) {
			return
		}
	}
	defer m.Ack()
	i := strings.LastIndexByte(m.Subject(), '.')
	id, err := strconv.ParseUint(m.Subject()[i+1:], 10, 64)
	if err != nil {
		return
	}
	var r result
	var f remote.Frame
	if err := f.UnmarshalBinary(m.Data()); err != nil || f.Kind != remote.KindResponse {
		r.err = fmt.Errorf("natsb: a bad result: %w", remote.ErrBadFrame)
	} else {
		r = result{f.Payload, f.Err}
	}
	d.mu.Lock()
	c := d.dur.calls[id]
	delete(d.dur.calls, id) // a later result for id is a duplicate: dropped
	close(d.dur.freed)
	d.dur.freed = make(chan struct{})
	d.mu.Unlock()
	if c != nil {
		c.ch <- r
	}
}

// closeDurable fails the durable calls in flight and deletes the results
// consumer. d.mu is not held.
func (d *Dispatcher) closeDurable() {
	du := d.dur
	du.cc.Drain()
	<-du.cc.Closed()
	d.mu.Lock()
	calls := du.calls
	du.calls = map[uint64]*call{}
	d.mu.Unlock()
	for _, c := range calls {
		c.ch <- result{err: ErrClosed}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	du.js.DeleteConsumer(ctx, d.o.prefix+"_results", du.cons)
}

// durableRoundTrip publishes one task to the stream, waiting for room,
// and waits for its result.
func (d *Dispatcher) durableRoundTrip(ctx context.Context, req remote.Request) ([]byte, error) {
	du := d.dur
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, ErrClosed
	}
	d.nextID++
	id := d.nextID
	c := &call{ch: make(chan result, 1)}
	du.calls[id] = c
	d.mu.Unlock()

	body, _ := remote.Frame{Kind: remote.KindRequest, ID: id, Worker: req.Worker, Name: req.Name, Payload: req.Payload}.MarshalBinary()
	if int64(len(body)) > d.maxSize {
		d.takeDurable(id)
		return nil, tooLarge(req.Name, len(body), d.maxSize)
	}
	idStr := strconv.FormatUint(id, 10)
	m := &nats.Msg{Subject: tasksSubject(d.o.prefix), Data: body, Header: nats.Header{}}
	m.Header.Set(hdrReply, resultsSubject(d.o.prefix, du.id)+"."+idStr)
	var seq uint64
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		d.mu.Lock()
		freed := du.freed
		d.mu.Unlock()
		ack, err := publishOnce(ctx, du.js, m, du.id+"."+idStr)
		if err == nil {
			seq = ack.Sequence
			break
		}
		if errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrConnectionClosed) {
			d.takeDurable(id)
			return nil, fmt.Errorf("natsb: sending %s: %w", req.Name, err)
		}
		// The stream is full, or the server is away: wait for a result
		// (room) or a while, and send again; the message id makes a send
		// whose ack was lost count once.
		t := time.NewTimer(wait)
		select {
		case <-freed:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		if ctx.Err() != nil {
			d.takeDurable(id)
			return nil, context.Cause(ctx)
		}
	}
	select {
	case r := <-c.ch:
		return r.payload, r.err
	case <-ctx.Done():
		if !d.takeDurable(id) {
			r := <-c.ch
			return r.payload, r.err
		}
		dctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		du.tasks.DeleteMsg(dctx, seq) // not taken yet, or running: it may still run
		return nil, context.Cause(ctx)
	}
}

func (d *Dispatcher) takeDurable(id uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.dur.calls[id]
	delete(d.dur.calls, id)
	return ok
}

// publishTimeout bounds one publish's wait for the stream's ack. An ack
// can be lost for good (the request went to a server that stopped before
// answering, and nats.go does not fail a request on a reconnect), and
// without a bound the publish would wait for the whole ctx of its call
// while the server, back, had long been able to take it again.
const publishTimeout = 2 * time.Second

// publishOnce publishes m with message id msgID, waiting for its ack at
// most publishTimeout within ctx.
func publishOnce(ctx context.Context, js jetstream.JetStream, m *nats.Msg, msgID string) (*jetstream.PubAck, error) {
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	return js.PublishMsg(ctx, m, jetstream.WithMsgID(msgID))
}

// durableTransport is a remote.Transport through the durable mode.
type durableTransport struct{ d *Dispatcher }

func (t durableTransport) RoundTrip(ctx context.Context, req remote.Request) ([]byte, error) {
	return t.d.durableRoundTrip(ctx, req)
}
