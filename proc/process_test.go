package proc_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/proc"
	"github.com/sluice-go/sluice/remote"
)

// fastExit spares a worker built with -race the second the race
// runtime waits at exit (its reports still come, and fail the test).
var fastExit = proc.WithEnv("GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))

// start starts a worker from the test binary; the test's cleanup closes
// it, and checks that it was reaped.
func start(t *testing.T, opts ...proc.Option) *proc.Process {
	t.Helper()
	p, err := proc.Start(context.Background(), append([]proc.Option{fastExit}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() {
		p.Close()
		assert.False(t, isChild(p.Pid()), "worker %d was not reaped", p.Pid())
	})
	return p
}

// syncBuffer is a bytes.Buffer safe for the goroutine os/exec copies with.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestProcess_RoundTrips(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	n, err := square.Call(ctx, p, 0, 12)
	require.NoError(t, err)
	assert.Equal(t, 144, n)

	b, err := echo.Call(ctx, p, 0, []byte("raw bytes"))
	require.NoError(t, err)
	assert.Equal(t, "raw bytes", string(b))

	child, err := pid.Call(ctx, p, 0, struct{}{})
	require.NoError(t, err)
	assert.Equal(t, p.Pid(), child, "the call ran in the worker")
	assert.Contains(t, p.Names(), "square")
}

func TestProcess_StatefulWorkersAreClosedWithTheProcess(t *testing.T) {
	var out syncBuffer
	p := start(t, proc.WithOutput(&out))
	ctx := context.Background()
	for _, step := range []struct{ id, d, want int }{{0, 1, 1}, {1, 10, 10}, {0, 2, 3}, {1, 5, 15}} {
		n, err := add.Call(ctx, p, step.id, step.d)
		require.NoError(t, err)
		assert.Equal(t, step.want, n)
	}
	require.NoError(t, p.Close())
	assert.Equal(t, "counter 0 closed at 3\ncounter 1 closed at 15\n", out.String())
	require.NoError(t, p.Err())
	_, err := square.Call(ctx, p, 0, 2)
	assert.Equal(t, proc.ErrClosed, err)
}

func TestProcess_ErrorsOfEveryKindSurvive(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	call := func(kind string) error {
		_, err := fail.Call(ctx, p, 0, kind)
		require.Error(t, err, kind)
		return err
	}
	assert.True(t, call("sentinel") == errSentinel)
	assert.True(t, call("canceled") == context.Canceled)
	err := call("wrapped")
	assert.ErrorIs(t, err, errSentinel)
	assert.EqualError(t, err, "doing it: proc_test: the sentinel")
	err = call("deadline")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var re *remote.Error
	require.ErrorAs(t, call("plain"), &re)
	assert.Equal(t, "*proc_test.myErr", re.Type)
	assert.Equal(t, "my error 7", re.Message)

	var pe *future.PanicError
	require.ErrorAs(t, call("panic"), &pe)
	assert.Equal(t, "boom", pe.Value)
	assert.Contains(t, string(pe.Stack), "proc_test.failWith", "the worker's stack")
	err = call("panicErr")
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, errSentinel)
	assert.True(t, call("goexit") == future.ErrGoexit)

	_, err = p.RoundTrip(ctx, remote.Request{Name: "cube"})
	assert.ErrorIs(t, err, remote.ErrUnknownFunction)
	assert.ErrorContains(t, err, `"cube"`)

	n, err := square.Call(ctx, p, 0, 3)
	require.NoError(t, err)
	assert.Equal(t, 9, n, "errors and panics leave the worker serving")
}

func TestProcess_CancellationReachesTheWorker(t *testing.T) {
	p := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	called := make(chan error, 1)
	go func() {
		_, err := block.Call(ctx, p, 0, 0)
		called <- err
	}()
	_, err := started.Call(context.Background(), p, 0, 1)
	require.NoError(t, err)
	cancel()
	assert.Equal(t, context.Canceled, <-called)
	why, err := ended.Call(context.Background(), p, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, "context canceled", why, "the worker's ctx was cancelled")
}

func TestProcess_Pipelined(t *testing.T) {
	p := start(t)
	// 16 calls block in the worker at once: they are all in flight.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() { block.Call(ctx, p, 0, 0) })
	}
	_, err := started.Call(context.Background(), p, 0, 16)
	require.NoError(t, err)
	cancel()
	wg.Wait()

	errs := make(chan error, 16*100)
	for g := range 16 {
		wg.Go(func() {
			for i := range 100 {
				n, err := square.Call(context.Background(), p, g, g*100+i)
				if err == nil && n != (g*100+i)*(g*100+i) {
					err = io.ErrUnexpectedEOF
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestProcess_OutputGoesToTheWriterNotThePipes(t *testing.T) {
	var out syncBuffer
	p := start(t, proc.WithOutput(&out), proc.WithEnv("PROC_TEST_X=42"))
	_, err := say.Call(context.Background(), p, 0, "hello")
	require.NoError(t, err)
	v, err := getenv.Call(context.Background(), p, 0, "PROC_TEST_X")
	require.NoError(t, err)
	assert.Equal(t, "42", v)
	v, err = getenv.Call(context.Background(), p, 0, proc.EnvWorker)
	require.NoError(t, err)
	assert.Empty(t, v, "Main removes the marker")
	require.NoError(t, p.Close())
	assert.Equal(t, "stdout: hello\nstderr: hello\n", out.String())
}
