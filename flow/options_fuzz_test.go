package flow_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/pool"
)

// The documented maxima (see pool.Option, Flow.Buffer and Batch),
// restated so that the fuzz target checks the documentation.
const (
	docMaxWorkers = 1 << 16
	docMaxQueued  = 1 << 20
	docMaxWindow  = 1 << 18 // chunks a pool stage admits: MaxWorkers*(ceil(MaxQueued/64)+1)
	docMaxBuffer  = 1 << 20
	docMaxBatch   = 1 << 20
)

// flowCase is what the fuzzer picks: which stages and options to use and
// their sizes. A set bit in set uses the stage or option.
type flowCase struct {
	set             uint8
	items           uint8
	workers, queued int
	timeout, linger int64
	buffer          int
	batch           int
	wait            int64
}

const (
	useWorkers = 1 << iota
	useQueued
	useTimeout
	useOnDemand
	useBuffer
	useBatch
	useUnordered
)

// build returns the flow c describes and the error prefixes the
// documentation allows for it: none if every size is in range.
func (c flowCase) build() (f flow.Flow[int], bad []string) {
	f = flow.From(ints(int(c.items)))
	if c.set&useBuffer != 0 {
		f = f.Buffer(c.buffer)
		if c.buffer < 1 || c.buffer > docMaxBuffer {
			bad = append(bad, "flow: Buffer(")
		}
	}
	var opts []pool.Option
	workers, queued := runtime.GOMAXPROCS(0), 16
	var sizeBad bool
	if c.set&useWorkers != 0 {
		opts = append(opts, pool.WithMaxWorkers(c.workers))
		workers = c.workers
		if c.workers < 1 || c.workers > docMaxWorkers {
			bad, sizeBad = append(bad, "flow: Pool: pool: WithMaxWorkers("), true
		}
	}
	if c.set&useQueued != 0 {
		opts = append(opts, pool.WithMaxQueued(c.queued))
		queued = c.queued
		if c.queued < 1 || c.queued > docMaxQueued {
			bad, sizeBad = append(bad, "flow: Pool: pool: WithMaxQueued("), true
		}
	}
	if !sizeBad && workers*((queued+63)/64+1) > docMaxWindow {
		bad = append(bad, fmt.Sprintf("flow: Pool: %d workers with MaxQueued %d admit", workers, queued))
	}
	if c.set&useTimeout != 0 {
		opts = append(opts, pool.WithTimeout(time.Duration(c.timeout)))
		if c.timeout < 0 {
			bad = append(bad, "flow: Pool: pool: WithTimeout(")
		}
	}
	if c.set&useOnDemand != 0 {
		opts = append(opts, pool.WithOnDemand(time.Duration(c.linger)))
		if c.linger < 0 {
			bad = append(bad, "flow: Pool: pool: WithOnDemand(")
		}
	}
	f = f.Pool(double, opts...)
	if c.set&useUnordered != 0 {
		f = f.Unordered()
	}
	if c.set&useBatch != 0 {
		f = flow.Unbatch(flow.Batch(f, c.batch, time.Duration(c.wait)))
		if c.batch < 1 || c.batch > docMaxBatch || c.wait < 0 {
			bad = append(bad, "flow: Batch(")
		}
	}
	return f, bad
}

// cheap reports whether running c (valid) is cheap enough for every fuzz
// iteration; batches of any legal size are, as they grow with their items.
func (c flowCase) cheap() bool {
	workers, queued := runtime.GOMAXPROCS(0), 16
	if c.set&useWorkers != 0 {
		workers = c.workers
	}
	if c.set&useQueued != 0 {
		queued = c.queued
	}
	return workers <= 64 && workers*queued <= 1<<16 && (c.set&useBuffer == 0 || c.buffer <= 1<<16)
}

// FuzzOptions: whatever sizes and durations a flow's stages and its pool
// stage's options get, its sink either returns an error that starts
// "flow: " and names a stage or option out of its documented range, or
// runs the flow to the right results and returns with every goroutine
// gone. Never a panic, never an out-of-memory crash.
//
//	go test -run='^$' -fuzz=FuzzOptions -fuzztime=20s ./flow
func FuzzOptions(f *testing.F) {
	all := uint8(useWorkers | useQueued | useTimeout | useOnDemand | useBuffer | useBatch)
	f.Add(uint8(0), uint8(10), 0, 0, int64(0), int64(0), 0, 0, int64(0))
	f.Add(all, uint8(200), 4, 16, int64(time.Second), int64(time.Millisecond), 100, 7, int64(time.Millisecond))
	f.Add(all|useUnordered, uint8(255), 3, 1, int64(1), int64(0), 1, 1, int64(1))
	f.Add(uint8(useBuffer), uint8(1), 0, 0, int64(0), int64(0), 1<<40, 0, int64(0))
	f.Add(uint8(useBuffer), uint8(1), 0, 0, int64(0), int64(0), math.MaxInt, 0, int64(0))
	f.Add(uint8(useBatch), uint8(1), 0, 0, int64(0), int64(0), 0, 1<<40, int64(0))
	f.Add(uint8(useBatch), uint8(9), 0, 0, int64(0), int64(0), 0, 1<<20, int64(math.MaxInt64))
	f.Add(uint8(useBatch), uint8(1), 0, 0, int64(0), int64(0), 0, math.MaxInt, int64(math.MinInt64))
	f.Add(uint8(useWorkers), uint8(1), 1<<40, 0, int64(0), int64(0), 0, 0, int64(0))
	f.Add(uint8(useQueued), uint8(1), 0, math.MaxInt, int64(0), int64(0), 0, 0, int64(0))
	f.Add(uint8(useWorkers|useQueued), uint8(1), 1<<16, 1<<20, int64(0), int64(0), 0, 0, int64(0))
	f.Add(uint8(useTimeout|useOnDemand), uint8(50), 0, 0, int64(math.MaxInt64), int64(math.MaxInt64), 0, 0, int64(0))
	f.Add(uint8(useTimeout|useOnDemand), uint8(50), 0, 0, int64(-1), int64(math.MinInt64), 0, 0, int64(0))
	f.Fuzz(func(t *testing.T, set, items uint8, workers, queued int, timeout, linger int64, buffer, batch int, wait int64) {
		c := flowCase{set, items, workers, queued, timeout, linger, buffer, batch, wait}
		fl, bad := c.build()
		if len(bad) > 0 || c.cheap() {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		} else {
			return // valid but too big to run here; the unit tests run the maxima
		}
		got, err := fl.Collect(context.Background())
		if len(bad) > 0 {
			if err == nil {
				t.Fatalf("sizes out of range accepted: %v", bad)
			}
			msg := err.Error()
			for _, prefix := range bad {
				if strings.HasPrefix(msg, prefix) {
					return
				}
			}
			t.Fatalf("%q starts with none of %v", msg, bad)
		}
		if errors.Is(err, context.DeadlineExceeded) && c.set&useTimeout != 0 && c.timeout > 0 {
			return // a timeout short enough fails even a noop item
		}
		if err != nil {
			t.Fatalf("valid flow failed: %v", err)
		}
		if c.set&useUnordered != 0 {
			slices.Sort(got)
		}
		if want := doubled(ints(int(c.items))); !slices.Equal(want, got) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}
