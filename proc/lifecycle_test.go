package proc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/proc"
)

func TestProcess_KillReports(t *testing.T) {
	p := start(t)
	errs := inFlight(t, context.Background(), p, 3)
	err := p.Kill(context.DeadlineExceeded)
	lost := requireLost(t, p, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the cause is in the chain")
	assert.Equal(t, "signal: killed", lost.State.String())
	assert.Equal(t, "proc: worker process "+itoa(p.Pid())+" lost (signal: killed): context deadline exceeded", err.Error())
	for range 3 {
		assert.Equal(t, err, <-errs)
	}
	assert.Equal(t, err, p.Kill(errors.New("again")), "a second kill reports the first")
	requireNoZombies(t)
}

func TestProcess_CloseKillsAfterTheGrace(t *testing.T) {
	p := start(t, proc.WithGrace(20*time.Millisecond))
	called := make(chan error, 1)
	go func() {
		_, err := deaf.Call(context.Background(), p, 0, 0)
		called <- err
	}()
	_, err := started.Call(context.Background(), p, 0, 1)
	require.NoError(t, err)
	err = p.Close()
	requireLost(t, p, err)
	assert.ErrorIs(t, err, proc.ErrClosed)
	assert.ErrorContains(t, err, "did not exit within the grace period of 20ms")
	assert.Equal(t, err, <-called)
	requireNoZombies(t)
}

func TestProcess_CloseCancelsTheCallsInFlight(t *testing.T) {
	p := start(t)
	errs := inFlight(t, context.Background(), p, 2)
	require.NoError(t, p.Close(), "a worker that honours its ctx exits cleanly")
	for range 2 {
		assert.True(t, <-errs == context.Canceled, "their answers still come back")
	}
}
