package natsb

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-go/sluice/remote"
)

// WithWorkerDurable has Serve also take tasks from the durable mode's
// stream (see [Durable]; give the dispatchers' values), as many at once
// as [WithWorkerLanes]; on its ctx it stops taking them and drains them
// as it drains the instances (a task not acked by the drain timeout is
// delivered again). The connection's server needs JetStream, and the
// connection should reconnect, to ride out a server restart.
func WithWorkerDurable(c Durable) WorkerOption {
	return func(o *workerOptions) {
		c, err := c.withDefaults()
		if err != nil {
			o.fail(err)
		}
		o.durable = &c
	}
}

// beforeAck, if set (by tests), runs after a durable task's result is
// published and before the task is acked.
var beforeAck func(delivered uint64)

// Test hooks: noProgress stops running tasks from marking progress (so
// that their ack wait passes), and redelivered, if set, runs when a task
// is delivered to this worker again.
var (
	noProgress  bool
	redelivered func()
)

// dworker is an instance's side of the durable mode.
type dworker struct {
	ws    *workerSet
	c     Durable
	js    jetstream.JetStream
	cc    jetstream.ConsumeContext
	rs    *remote.Session
	lanes chan struct{}
	ctx   context.Context // ends at the drain deadline: unacked tasks go back
	stop  context.CancelFunc
	wg    sync.WaitGroup

	mu    sync.Mutex
	tasks map[uint64]*dtask // by stream sequence, the session's call ids
}

type dtask struct {
	m        jetstream.Msg
	id       uint64 // the dispatcher's
	reply    string
	msgID    string
	progress context.CancelFunc
}

func (ws *workerSet) startDurable(ctx context.Context) (*dworker, error) {
	js, err := jetstream.New(ws.nc)
	if err != nil {
		return nil, err
	}
	c := *ws.o.durable
	if err := ensureStreams(ctx, js, ws.o.prefix, c); err != nil {
		return nil, err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, ws.o.prefix+"_tasks", jetstream.ConsumerConfig{
		Durable: "workers", AckPolicy: jetstream.AckExplicitPolicy, AckWait: c.AckWait, MaxDeliver: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("natsb: the tasks consumer: %w", err)
	}
	dw := &dworker{ws: ws, c: c, js: js, lanes: make(chan struct{}, ws.o.lanes), tasks: make(map[uint64]*dtask)}
	dw.ctx, dw.stop = context.WithCancel(context.Background())
	dw.rs = remote.NewSession(context.Background(), int(ws.nc.MaxPayload()), dw.send)
	dw.cc, err = cons.Consume(dw.onTask, consumeOpts(ws.o.lanes)...)
	if err != nil {
		dw.stop()
		dw.rs.Close()
		return nil, fmt.Errorf("natsb: consuming tasks: %w", err)
	}
	return dw, nil
}

// onTask runs a delivered task, or fails it after too many deliveries.
func (dw *dworker) onTask(m jetstream.Msg) {
	meta, err := m.Metadata()
	var f remote.Frame
	if err != nil || f.UnmarshalBinary(m.Data()) != nil || f.Kind != remote.KindRequest {
		m.Term()
		return
	}
	if redelivered != nil && meta.NumDelivered > 1 {
		redelivered()
	}
	seq := meta.Sequence.Stream
	dw.mu.Lock()
	_, running := dw.tasks[seq]
	dw.mu.Unlock()
	if running {
		// Delivered again while this worker still runs it (its ack wait
		// passed while an ack or the server was slow): handed to the
		// session again, it would be refused as a duplicate id, and that
		// refusal published as the task's result. It goes on running
		// here; this delivery waits for its ack.
		m.InProgress()
		return
	}
	t := &dtask{m: m, id: f.ID, reply: m.Headers().Get(hdrReply)}
	t.msgID = t.reply // unique per task: the dispatcher's token and the id
	select {
	case dw.lanes <- struct{}{}:
	case <-dw.ctx.Done():
		return // delivered again elsewhere
	}
	dw.wg.Add(1)
	if meta.NumDelivered > uint64(dw.c.MaxDeliveries) {
		body, _ := remote.Frame{Kind: remote.KindResponse, ID: f.ID,
			Err: fmt.Errorf("natsb: %s: %w (%d)", f.Name, ErrMaxDeliveries, dw.c.MaxDeliveries)}.MarshalBinary()
		go dw.finish(t, 0, body, meta.NumDelivered)
		return
	}
	var pctx context.Context
	pctx, t.progress = context.WithCancel(dw.ctx)
	go func() { // marks progress, so that a long task is not delivered again
		tick := time.NewTicker(dw.c.AckWait / 3)
		defer tick.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-tick.C:
				if !noProgress {
					m.InProgress()
				}
			}
		}
	}()
	dw.mu.Lock()
	dw.tasks[seq] = t
	dw.mu.Unlock()
	f.ID = seq
	if dw.rs.Handle(f) != nil {
		t.progress()
		dw.release()
	}
}

// send takes the session's answer to its task and finishes it on a
// goroutine of its own (publishing waits for the server's ack).
func (dw *dworker) send(body []byte) {
	_, seq, at, err := frameID(body)
	if err != nil {
		return
	}
	dw.mu.Lock()
	t := dw.tasks[seq] // kept until acked: a delivery meanwhile is absorbed
	dw.mu.Unlock()
	if t == nil {
		return
	}
	meta, _ := t.m.Metadata()
	go dw.finish(t, seq, withID(remote.KindResponse, t.id, body[at:])[4:], meta.NumDelivered)
}

// finish publishes a task's result, retrying until the server has it,
// and then acks the task; it marks progress until then, and a delivery
// of it meanwhile is absorbed. If the drain deadline passes first the
// task stays unacked: it is delivered again.
func (dw *dworker) finish(t *dtask, seq uint64, body []byte, delivered uint64) {
	defer func() {
		if t.progress != nil {
			t.progress()
		}
		dw.mu.Lock()
		if dw.tasks[seq] == t {
			delete(dw.tasks, seq)
		}
		dw.mu.Unlock()
		dw.release()
	}()
	m := &nats.Msg{Subject: t.reply, Data: body}
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		_, err := publishOnce(dw.ctx, dw.js, m, t.msgID)
		if err == nil {
			break
		}
		select {
		case <-dw.ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	if beforeAck != nil {
		beforeAck(delivered)
	}
	t.m.DoubleAck(dw.ctx)
}

func (dw *dworker) release() {
	<-dw.lanes
	dw.wg.Done()
}

// drain stops taking tasks, waits for the running ones until deadline,
// and closes the session.
func (dw *dworker) drain(deadline time.Time) error {
	dw.cc.Stop()
	<-dw.cc.Closed()
	done := make(chan struct{})
	go func() { dw.wg.Wait(); close(done) }()
	t := time.NewTimer(time.Until(deadline))
	select {
	case <-done:
	case <-t.C:
	}
	t.Stop()
	dw.stop()
	err := dw.rs.Close()
	<-done
	return err
}
