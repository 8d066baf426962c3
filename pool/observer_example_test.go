package pool_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/sluice-go/sluice/pool"
)

// taskLog is an Observer that gives every task a logger of its own, which
// the task finds in its context, and logs each task's end with its
// outcome and error.
type taskLog struct{ log *slog.Logger }

type loggerKey struct{}

func (o taskLog) TaskStarted(ctx context.Context, t pool.TaskStart) context.Context {
	l := o.log.With("pool", t.Pool, "worker", t.Worker)
	return context.WithValue(ctx, loggerKey{}, l)
}

func (o taskLog) TaskFinished(ctx context.Context, t pool.TaskEnd) {
	level := slog.LevelInfo
	if t.Err != nil {
		level = slog.LevelError
	}
	// Durations (t.Waited, t.Ran) left out: the output must not vary.
	logger(ctx).LogAttrs(ctx, level, "task done", slog.String("outcome", t.Outcome.String()), slog.Any("err", t.Err))
}

// logger is the task's logger, or the default one outside a task.
func logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// An Observer that makes a log record per task and gives each task a
// logger that knows its pool and worker.
func ExampleWithObserver() {
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	obs := taskLog{slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}))}
	p, err := pool.New(func(ctx context.Context, name string) (int, error) {
		if name == "" {
			return 0, errors.New("no name")
		}
		logger(ctx).Info("resizing", "image", name)
		return len(name), nil
	}, pool.WithName("resize"), pool.WithMaxWorkers(1), pool.WithObserver(obs))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	_, _ = p.Call(ctx, "cat.png")
	_, _ = p.Call(ctx, "")
	if err := p.Stop(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// level=INFO msg=resizing pool=resize worker=0 image=cat.png
	// level=INFO msg="task done" pool=resize worker=0 outcome=succeeded err=<nil>
	// level=ERROR msg="task done" pool=resize worker=0 outcome=failed err="no name"
}
