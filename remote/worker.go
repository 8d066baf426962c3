package remote

import (
	"context"
	"fmt"
)

// Worker is a stateful worker type registered by name with
// [RegisterWorker]: the serving side makes one instance of W per worker id
// the first time a call for that id arrives, keeps it for the life of the
// connection, and closes it at the end if it is an io.Closer. Calls go to
// its methods, registered with [RegisterMethod]. Calls on one instance run
// one at a time, in the order they arrive, as in an actor; calls on
// different instances, and plain functions, run concurrently. A Worker is
// a small value, safe to copy. The zero Worker cannot have methods.
type Worker[W any] struct {
	t *workerType
}

// Name returns the name the worker type was registered under.
func (w Worker[W]) Name() string {
	if w.t == nil {
		return ""
	}
	return w.t.name
}

type workerType struct {
	name string
	make func(ctx context.Context, id int) (any, error)
}

// RegisterWorker registers a stateful worker type under name. newWorker
// makes the instance for worker id; its ctx lasts as long as the
// connection that serves the instance. If it fails, the call that needed
// the instance fails with its error, and the next call for that id tries
// again. Call it at package scope, as with [Register]. It panics if name
// is empty or already registered as a worker type, or newWorker is nil.
func RegisterWorker[W any](name string, newWorker func(ctx context.Context, id int) (W, error)) Worker[W] {
	if name == "" {
		panic("remote: RegisterWorker with an empty name")
	}
	if newWorker == nil {
		panic(fmt.Sprintf("remote: RegisterWorker(%q) with a nil constructor", name))
	}
	t := &workerType{name: name, make: func(ctx context.Context, id int) (any, error) {
		return newWorker(ctx, id)
	}}
	registry.Lock()
	defer registry.Unlock()
	if registry.workers == nil {
		registry.workers = make(map[string]*workerType)
	}
	if _, dup := registry.workers[name]; dup {
		panic(fmt.Sprintf("remote: worker %q registered twice", name))
	}
	registry.workers[name] = t
	return Worker[W]{t}
}

// RegisterMethod registers fn as a method of the worker type w, under the
// name "WORKER.NAME", and returns the [Func] that calls it. A method
// expression fits fn as it is:
//
//	var counter = remote.RegisterWorker("counter", NewCounter)
//	var add = remote.RegisterMethod(counter, "add", (*Counter).Add)
//
// Call(ctx, t, id, in) then runs fn on worker id's instance. It panics if
// w is the zero Worker, the full name is already registered, or fn is nil.
func RegisterMethod[W, In, Out any](w Worker[W], name string, fn func(w W, ctx context.Context, in In) (Out, error), opts ...Option) Func[In, Out] {
	if w.t == nil {
		panic(fmt.Sprintf("remote: RegisterMethod(%q) on a zero Worker (use one that RegisterWorker returned)", name))
	}
	full := w.t.name + "." + name
	if name == "" {
		panic(fmt.Sprintf("remote: RegisterMethod on %q with an empty name", w.t.name))
	}
	if fn == nil {
		panic(fmt.Sprintf("remote: RegisterMethod(%q) with a nil function", full))
	}
	o := buildOptions(opts)
	f := Func[In, Out]{in: valueCodec[In]{o.codec}, out: valueCodec[Out]{o.codec}}
	f.e = &entry{name: full, worker: w.t, serve: func(ctx context.Context, inst any, payload []byte) ([]byte, error) {
		in, err := f.in.decode(payload, full, "argument")
		if err != nil {
			return nil, err
		}
		wv, _ := inst.(W) // a nil instance of an interface type stays nil
		out, err := fn(wv, ctx, in)
		if err != nil {
			return nil, err
		}
		return f.out.encode(out, full, "result")
	}}
	addEntry(f.e)
	return f
}
