package proc

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sluice-go/sluice/remote"
)

// Option configures [Start].
type Option func(*options)

// The defaults, in one place.
const (
	// DefaultGrace is how long [Process.Close] waits for the worker to
	// exit before it kills it.
	DefaultGrace = 5 * time.Second
	// DefaultStartTimeout bounds the start of a worker: the exec and the
	// hello of its protocol.
	DefaultStartTimeout = 30 * time.Second
)

type options struct {
	path         string // "" for os.Executable
	args         []string
	env          []string
	output       io.Writer
	grace        time.Duration
	startTimeout time.Duration
	hardTimeout  time.Duration
	maxFrame     int
	err          error // the first bad option
}

func buildOptions(opts []Option) options {
	o := options{output: os.Stderr, grace: DefaultGrace, startTimeout: DefaultStartTimeout, maxFrame: remote.DefaultMaxFrame}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func (o *options) fail(format string, args ...any) {
	if o.err == nil {
		o.err = fmt.Errorf("proc: "+format, args...)
	}
}

// WithCommand starts the binary at path with args instead of the running
// program's own (os.Executable). The binary must call [Main] first.
func WithCommand(path string, args ...string) Option {
	return func(o *options) {
		if path == "" {
			o.fail("WithCommand(%q): want a path", path)
		}
		o.path, o.args = path, args
	}
}

// WithEnv adds "KEY=value" entries to the worker's environment, which is
// otherwise the parent's.
func WithEnv(env ...string) Option {
	return func(o *options) {
		for _, kv := range env {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" || k == EnvWorker {
				o.fail("WithEnv(%q): want KEY=value, and not %s", kv, EnvWorker)
			}
		}
		o.env = append(o.env, env...)
	}
}

// WithOutput sends the worker's stdout and stderr to w; the default is
// the parent's stderr. The frames never go there: they have pipes of
// their own. A w that is not an *os.File is written by a goroutine that
// os/exec starts, one write at a time.
func WithOutput(w io.Writer) Option {
	return func(o *options) {
		if w == nil {
			o.fail("WithOutput(nil)")
		}
		o.output = w
	}
}

// WithGrace sets how long [Process.Close] waits for the worker to exit
// before it kills it, and how long a worker whose pipes ended gets to
// exit; the default is [DefaultGrace].
func WithGrace(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			o.fail("WithGrace(%v): want a duration >= 0", d)
		}
		o.grace = d
	}
}

// WithStartTimeout bounds [Start] beside its ctx; the default is
// [DefaultStartTimeout].
func WithStartTimeout(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			o.fail("WithStartTimeout(%v): want a duration > 0", d)
		}
		o.startTimeout = d
	}
}

// WithHardTimeout makes cancellation hard: a call whose ctx ends is
// cancelled in the worker at once, and if the worker has not answered it
// d later, the process is killed, so every call in flight on it fails
// with a [*LostError] whose Cause wraps [ErrUnresponsive]. Without it, a
// call whose ctx ends returns at once and the worker may go on with it.
func WithHardTimeout(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			o.fail("WithHardTimeout(%v): want a duration > 0", d)
		}
		o.hardTimeout = d
	}
}

// WithMaxFrame sets the largest frame, in bytes, either side sends; the
// default is remote.DefaultMaxFrame. A call whose argument or result is
// larger fails with remote.ErrFrameTooLarge.
func WithMaxFrame(n int) Option {
	return func(o *options) {
		if n < 64 || n > 1<<32-1 {
			o.fail("WithMaxFrame(%d): want 64 to %d bytes", n, 1<<32-1)
		}
		o.maxFrame = n
	}
}
