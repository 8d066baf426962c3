package proc_test

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/proc"
)

// inFlight starts n block calls on p and returns once the worker runs
// them all; their errors arrive on the channel.
func inFlight(t *testing.T, ctx context.Context, p *proc.Process, n int) <-chan error {
	t.Helper()
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := block.Call(ctx, p, 0, 0)
			errs <- err
		}()
	}
	_, err := started.Call(context.Background(), p, 0, n)
	require.NoError(t, err)
	return errs
}

// requireLost checks that err is p's *LostError and returns it.
func requireLost(t *testing.T, p *proc.Process, err error) *proc.LostError {
	t.Helper()
	require.ErrorIs(t, err, proc.ErrProcessLost)
	var lost *proc.LostError
	require.ErrorAs(t, err, &lost)
	assert.Equal(t, p.Pid(), lost.Pid)
	return lost
}

func TestProcess_SIGKILLFailsOnlyTheCallsInFlightOnIt(t *testing.T) {
	victim, other := start(t), start(t)
	ctx := context.Background()
	n, err := square.Call(ctx, victim, 0, 4)
	require.NoError(t, err)
	assert.Equal(t, 16, n, "a call answered before the kill stays answered")
	otherCtx, cancelOther := context.WithCancel(ctx)
	otherErrs := inFlight(t, otherCtx, other, 4)
	victimErrs := inFlight(t, ctx, victim, 8)

	t0 := time.Now()
	require.NoError(t, syscall.Kill(victim.Pid(), syscall.SIGKILL))
	for range 8 {
		lost := requireLost(t, victim, <-victimErrs)
		assert.Equal(t, "signal: killed", lost.State.String())
		assert.NoError(t, lost.Cause, "it died on its own, as far as the parent knows")
	}
	t.Logf("SIGKILL to the last of 8 calls failing: %v", time.Since(t0))
	<-victim.Done()
	requireNoZombies(t)
	assert.False(t, isChild(victim.Pid()))

	_, err = square.Call(ctx, victim, 0, 2)
	requireLost(t, victim, err)
	assert.Equal(t, err, victim.Err(), "later calls get the same error at once")
	assert.Equal(t, err, victim.Close())

	n, err = square.Call(ctx, other, 0, 5)
	require.NoError(t, err)
	assert.Equal(t, 25, n, "the other worker goes on")
	cancelOther()
	for range 4 {
		assert.Equal(t, context.Canceled, <-otherErrs)
	}
}

func TestProcess_SIGKILLIsSeenPromptly(t *testing.T) {
	var took []time.Duration
	for range 5 {
		p := start(t)
		errs := inFlight(t, context.Background(), p, 1)
		t0 := time.Now()
		require.NoError(t, syscall.Kill(p.Pid(), syscall.SIGKILL))
		requireLost(t, p, <-errs)
		took = append(took, time.Since(t0))
		<-p.Done()
	}
	slices.Sort(took)
	t.Logf("SIGKILL to the call failing, 5 small workers: min %v, median %v, max %v", took[0], took[2], took[4])
}

func TestProcess_ExitFailsTheCallsInFlight(t *testing.T) {
	p := start(t)
	errs := inFlight(t, context.Background(), p, 2)
	_, err := exit.Call(context.Background(), p, 0, 3)
	lost := requireLost(t, p, err)
	assert.Equal(t, 3, lost.State.ExitCode())
	for range 2 {
		assert.Equal(t, err, <-errs)
	}
}

func TestProcess_PanicInAGoroutineKillsOnlyThatWorker(t *testing.T) {
	var out syncBuffer
	p := start(t, proc.WithOutput(&out))
	_, err := goPanic.Call(context.Background(), p, 0, 0)
	lost := requireLost(t, p, err)
	assert.Equal(t, 2, lost.State.ExitCode(), "Go exits with 2 on an unrecovered panic")
	<-p.Done()
	assert.Contains(t, out.String(), "panic: proc_test: panic in a goroutine")
}

func TestProcess_HardTimeoutKillsADeafWorker(t *testing.T) {
	p := start(t, proc.WithHardTimeout(10*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	called := make(chan error, 1)
	go func() {
		_, err := deaf.Call(ctx, p, 0, 0)
		called <- err
	}()
	_, err := started.Call(context.Background(), p, 0, 1)
	require.NoError(t, err)
	cancel()
	assert.Equal(t, context.Canceled, <-called, "the call returns at once")
	<-p.Done()
	err = p.Err()
	lost := requireLost(t, p, err)
	assert.ErrorIs(t, err, proc.ErrUnresponsive)
	assert.True(t, strings.HasPrefix(lost.Cause.Error(), "proc: worker did not answer a cancelled call in time: deaf, 10ms after its cancel"), lost.Cause.Error())
}

func TestLostError(t *testing.T) {
	err := error(&proc.LostError{Pid: 7, Cause: context.Canceled})
	assert.ErrorIs(t, err, proc.ErrProcessLost)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, proc.ErrClosed)
	assert.Equal(t, "proc: worker process 7 lost (<nil>): context canceled", err.Error())
}
