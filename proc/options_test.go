package proc_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-go/sluice/proc"
)

func TestOptions_BadValuesAreNamed(t *testing.T) {
	for want, opt := range map[string]proc.Option{
		`proc: WithCommand(""): want a path`:                                                proc.WithCommand(""),
		`proc: WithEnv("X"): want KEY=value, and not SLUICE_PROC_WORKER`:                    proc.WithEnv("X"),
		`proc: WithEnv("SLUICE_PROC_WORKER=2"): want KEY=value, and not SLUICE_PROC_WORKER`: proc.WithEnv(proc.EnvWorker + "=2"),
		"proc: WithOutput(nil)":                               proc.WithOutput(nil),
		"proc: WithGrace(-1s): want a duration >= 0":          proc.WithGrace(-1e9),
		"proc: WithStartTimeout(0s): want a duration > 0":     proc.WithStartTimeout(0),
		"proc: WithHardTimeout(-1ns): want a duration > 0":    proc.WithHardTimeout(-1),
		"proc: WithMaxFrame(10): want 64 to 4294967295 bytes": proc.WithMaxFrame(10),
	} {
		_, err := proc.Start(context.Background(), opt)
		assert.EqualError(t, err, want)
	}
}

func TestOptions_MaxFrame(t *testing.T) {
	p := start(t, proc.WithMaxFrame(1024))
	_, err := echo.Call(context.Background(), p, 0, make([]byte, 2048))
	assert.ErrorContains(t, err, "frame too large")
	b, err := echo.Call(context.Background(), p, 0, []byte("ok"))
	assert.NoError(t, err)
	assert.Equal(t, "ok", string(b))
}
