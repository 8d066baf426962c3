package remote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// ErrUnknownFunction is wrapped by the error of a call to a name the
// serving side has not registered; the message names it.
var ErrUnknownFunction = errors.New("remote: unknown function")

// Request is one call as a [Transport] carries it: the registered name,
// the worker id, and the encoded argument.
type Request struct {
	Name    string
	Worker  int
	Payload []byte
}

// Transport carries a [Request] to a serving side and returns the encoded
// result, or the call's error as it came back (see [Error]). [*Conn]
// implements it over a stream; proc.Process over a worker process. A
// Transport must be safe for concurrent use and must return when ctx is
// done.
type Transport interface {
	RoundTrip(ctx context.Context, req Request) ([]byte, error)
}

// Func is a function registered by name with [Register] or
// [RegisterMethod]: a typed handle the calling side uses to call it over a
// [Transport]. A Func is a small value, safe to copy and to use
// concurrently. The zero Func is not registered: its Call fails.
type Func[In, Out any] struct {
	e   *entry
	in  valueCodec[In]
	out valueCodec[Out]
}

// Name returns the name the function was registered under.
func (f Func[In, Out]) Name() string {
	if f.e == nil {
		return ""
	}
	return f.e.name
}

// Call calls the function on worker through t: it encodes in, sends it,
// and decodes the result. The function's error comes back as the wire
// form gives it (see [Error]); a transport's own error (a lost process, a
// done ctx) comes back as the transport returns it.
func (f Func[In, Out]) Call(ctx context.Context, t Transport, worker int, in In) (Out, error) {
	var zero Out
	if f.e == nil {
		return zero, errors.New("remote: Call on a zero Func (use one that Register returned)")
	}
	payload, err := f.in.encode(in, f.e.name, "argument")
	if err != nil {
		return zero, err
	}
	res, err := t.RoundTrip(ctx, Request{Name: f.e.name, Worker: worker, Payload: payload})
	if err != nil {
		return zero, err
	}
	return f.out.decode(res, f.e.name, "result")
}

// Option configures a function at registration.
type Option func(*options)

type options struct {
	codec Codec
}

// WithCodec sets the [Codec] for the function's argument and result; the
// default is [Gob].
func WithCodec(c Codec) Option {
	if c == nil {
		panic("remote: WithCodec(nil)")
	}
	return func(o *options) { o.codec = c }
}

func buildOptions(opts []Option) options {
	o := options{codec: Gob}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// entry is the serving side of a registered name.
type entry struct {
	name   string
	worker *workerType // nil for a plain function
	// serve decodes the argument, runs the function with the worker's
	// instance (nil for a plain function) and encodes the result.
	serve func(ctx context.Context, inst any, payload []byte) ([]byte, error)
}

var registry struct {
	sync.RWMutex
	funcs   map[string]*entry
	workers map[string]*workerType
}

// Register registers fn under name, for both sides: the serving side runs
// fn when a call to name arrives, and the calling side uses the returned
// [Func] to make such calls. Call it at package scope, so that a worker
// process has registered every name before it serves:
//
//	var square = remote.Register("square", Square)
//
// It panics if name is empty or already registered or fn is nil.
func Register[In, Out any](name string, fn func(ctx context.Context, in In) (Out, error), opts ...Option) Func[In, Out] {
	if fn == nil {
		panic(fmt.Sprintf("remote: Register(%q) with a nil function", name))
	}
	o := buildOptions(opts)
	f := Func[In, Out]{in: valueCodec[In]{o.codec}, out: valueCodec[Out]{o.codec}}
	f.e = &entry{name: name, serve: func(ctx context.Context, _ any, payload []byte) ([]byte, error) {
		in, err := f.in.decode(payload, name, "argument")
		if err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return f.out.encode(out, name, "result")
	}}
	addEntry(f.e)
	return f
}

func addEntry(e *entry) {
	if e.name == "" {
		panic("remote: registering a function with an empty name")
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.funcs == nil {
		registry.funcs = make(map[string]*entry)
	}
	if _, dup := registry.funcs[e.name]; dup {
		panic(fmt.Sprintf("remote: function %q registered twice", e.name))
	}
	registry.funcs[e.name] = e
}

func lookup(name string) *entry {
	registry.RLock()
	defer registry.RUnlock()
	return registry.funcs[name]
}

// Names returns the registered function names, sorted: what a server
// announces in its hello frame.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.funcs))
	for n := range registry.funcs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// unknown is the error for a name nobody registered.
func unknown(name string) error {
	return fmt.Errorf("%w %q: it is not registered on the serving side", ErrUnknownFunction, name)
}
