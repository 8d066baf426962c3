package proc_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/proc"
)

func itoa(n int) string { return strconv.Itoa(n) }

// middle is the test binary as a parent that a test kills: it starts a
// worker, whose output is middle's stderr, says the worker's pid, and
// waits to be killed.
func middle() {
	p, err := proc.Start(context.Background(), fastExit)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(p.Pid())
	select {}
}

func TestMain_WorkerExitsWhenItsParentDies(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	// The worker's stderr is this pipe too: it reaches EOF once both the
	// middle process and the worker are gone.
	errR, errW, err := os.Pipe()
	require.NoError(t, err)
	defer errR.Close()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), role+"=middle")
	cmd.Stderr = errW
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	errW.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	worker, err := strconv.Atoi(line[:len(line)-1])
	require.NoError(t, err, line)

	t0 := time.Now()
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	require.NoError(t, errR.SetReadDeadline(time.Now().Add(time.Minute)))
	_, err = io.Copy(io.Discard, errR)
	require.NoError(t, err, "the worker must exit, closing its stderr")
	t.Logf("worker %d exited %v after its parent was killed", worker, time.Since(t0))
}

func TestStart_RefusesInAWorkerWithoutMain(t *testing.T) {
	t.Setenv(proc.EnvWorker, "1")
	_, err := proc.Start(context.Background())
	assert.ErrorContains(t, err, "proc: this process was started as a worker, but its main did not call proc.Main first")
}

func TestStart_ABinaryWithoutMainIsAClearError(t *testing.T) {
	_, err := proc.Start(context.Background(), fastExit, proc.WithEnv(role+"=nomain"))
	require.Error(t, err)
	assert.ErrorContains(t, err, "exit status 5; does its main call proc.Main first?")
	requireNoZombies(t)
}

func TestStart_Failures(t *testing.T) {
	_, err := proc.Start(context.Background(), proc.WithCommand("./no-such-binary"))
	assert.ErrorContains(t, err, "proc: starting ./no-such-binary:")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = proc.Start(ctx, fastExit)
	assert.ErrorContains(t, err, "waiting for the server's hello: context canceled")
	assert.ErrorContains(t, err, "signal: killed")
	requireNoZombies(t)
}
