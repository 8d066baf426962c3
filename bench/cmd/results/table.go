package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// A column of a table: which unit (as benchstat names it: it turns the
// "ns" of a unit into "sec", so p50-ns is p50-sec), its heading, a scale to
// apply, and whether higher figures are the better ones (speedup) rather
// than lower (time, makespan, allocations).
type column struct {
	unit, heading string
	scale         float64
	digits        int
	higher        bool
}

// Tasks per op of the benchmarks whose op is a whole run, to show their
// allocations per task.
const (
	runTasks   = 2000 // HeavyTail, CPUBound
	mixedItems = 200  // MixedOrder
)

var (
	perItem = []column{
		{"sec/op", "ns/item", 1e9, 1, false},
		{"allocs/op", "allocs/item", 1, 2, false},
		{"B/op", "B/item", 1, 0, false},
	}
	// Columns, first the one ratios are taken of, per comparison.
	columns = map[string][]column{
		"Balance": {
			{"makespan/ideal", "makespan/ideal", 1, 3, false},
			{"sec/task", "ns/task (simulation)", 1e9, 0, false},
			{"allocs/task", "allocs/task", 1, 2, false},
		},
		"Burst": {
			{"sec/op", "ns/item", 1e9, 1, false},
			{"allocs/op", "allocs/item", 1, 2, false},
			{"goroutines/gap", "goroutines/gap", 1, 1, false},
		},
		"HeavyTail": {
			{"makespan/ideal", "makespan/ideal", 1, 3, false},
			{"sec/op", "ms/run", 1e3, 0, false},
			{"allocs/op", "allocs/task", 1.0 / runTasks, 2, false},
		},
		"CPUBound": {
			{"speedup", "speedup", 1, 2, true},
			{"sec/op", "ms/run", 1e3, 1, false},
			{"seq-sec/task", "µs/task (sequential)", 1e6, 1, false},
			{"allocs/op", "allocs/task", 1.0 / runTasks, 2, false},
		},
		"IdleLatency": {
			{"p50-sec", "p50 ns", 1e9, 0, false},
			{"p99-sec", "p99 ns", 1e9, 0, false},
			{"sec/op", "mean ns", 1e9, 0, false},
			{"allocs/op", "allocs/task", 1, 2, false},
			{"B/op", "B/task", 1, 0, false},
		},
		"Process": {
			{"p50-µs", "p50 µs", 1, 1, false},
			{"p99-µs", "p99 µs", 1, 0, false},
			{"calls/s", "calls/s", 1, 0, true},
			{"allocs/op", "allocs/call", 1, 0, false},
		},
		"ProcessCPU": {
			{"tasks/s", "tasks/s", 1, 0, true},
			{"sec/op", "ms/run", 1e3, 1, false},
		},
		"NATSLatency": {
			{"p50-sec", "p50 µs", 1e6, 1, false},
			{"p99-sec", "p99 µs", 1e6, 1, false},
			{"sec/op", "mean µs", 1e6, 1, false},
		},
		"NATSThroughput": {
			{"calls/s", "calls/s", 1, 0, true},
		},
		"MixedOrder": {
			{"makespan/ideal", "makespan/ideal", 1, 3, false},
			{"sec/op", "ms/run", 1e3, 1, false},
			{"allocs/op", "allocs/item", 1.0 / mixedItems, 2, false},
		},
	}
	// The subject each comparison's ratios are taken against.
	baselines = map[string]string{
		"Limiter":        "sluice-gcra",
		"Balance":        "sluice-leastactive",
		"Burst":          "sluice-ondemand",
		"HeavyTail":      "sluice-roundrobin",
		"MixedOrder":     "sluice-flow-unordered",
		"Process":        "sluice-proc",
		"ProcessCPU":     "sluice-proc",
		"NATSLatency":    "sluice-natsb",
		"NATSThroughput": "sluice-natsb",
	}
	// What each comparison measures, for the reader.
	about = map[string]string{
		"Submit":        "Submit a noop task and get its result back; 8 workers, one producer, batches of 1024 submitted then collected.",
		"Stream":        "A stream of items through 8 workers applying a noop function, results in any order. sluice is flow.From(slice).Pool(...).Unordered(); sluice-stage is the internal channel stage (internal/stages.Map), the layer under flow; chan-chunked is hand-rolled channels carrying chunks of 64 items.",
		"OrderedStream": "The same stream, results in input order.",
		"Limiter":       "One acquisition of one shared rate limit that never makes anyone wait; 1 goroutine, or 16 contending.",
		"Balance":       "2000 tasks, 95% of 1 time unit and 5% of 100, through 8 workers in virtual time; makespan over the ideal lower bound. Lower is better.",
		"Burst":         "Bursts of 4096 noop tasks separated by 3ms idle gaps; goroutines still alive at the end of each gap.",
		"HeavyTail": "2000 tasks sleeping in real time, 95% for 1ms and 5% for 50ms (a fixed seeded order), through 8 workers, all submitted at once; " +
			"makespan over the ideal max(total work / 8, longest task). Lower is better. One op is one whole run: ms/run is about the makespan. " +
			"sluice-STRATEGY is a pool with that balance strategy (round robin is the default); sluice-flow-* are flow.From(...).Pool(..., pool.WithMaxWorkers(8)).",
		"CPUBound": "2000 tasks of about 50µs of SHA-256 each on GOMAXPROCS workers; speedup is a plain sequential loop's time over the subject's, both timed in each op. " +
			"Higher is better (GOMAXPROCS is the ceiling): here \"× base\" above 1 beats sluice. goroutines is GOMAXPROCS goroutines splitting the tasks. One op is one whole run.",
		"IdleLatency": "One noop task submitted to an idle pool of 8 workers and its result awaited, back to back; each submit→result latency timed, " +
			"p50/p99 over them, mean = ns/op. ants, chan and goroutine make a result channel per task.",
		"MixedOrder": "200 items sleeping 1ms, or 50ms one in ten (a fixed seeded order), through 16 workers, results in input order or in any order; " +
			"makespan over the ideal max(total work / 16, longest item). Lower is better; ordered over unordered is what keeping order costs. One op is one whole run.",
		"Process": "A tiny task (square an int, gob-encoded) through one worker process: raw-pipe is the floor, one loop each side writing and reading the same frames with the same codec; " +
			"sluice-proc is a pool on proc.NewBackend. inflight=1 is one call at a time (p50/p99 per call); inflight=16 keeps 16 in flight (calls/s; p50/p99 per batch for raw-pipe). " +
			"With one call at a time, proc-direct is a proc.Process called without a pool, and pool-raw-pipe and chan-raw-pipe hand the raw round trip to a worker goroutine (a sluice goroutine pool, a bare channel): the cost of the hand-off alone.",
		"ProcessCPU": "SHA-256 tasks through a pool on proc.NewBackend with 1 or 2 worker processes (GOMAXPROCS 1 each) on 2 cores; tasks/s, higher is better.",
		"NATSLatency": "One tiny task at a time to one worker over an embedded NATS server on loopback: nats-request is raw nats.go request-reply to a responder doing the same work; " +
			"sluice-natsb is a pool on the NATS backend; p50/p99 per call.",
		"NATSThroughput": "The same, 64 calls in flight; calls/s, higher is better.",
	}
	order = []string{"Submit", "Stream", "OrderedStream", "Limiter", "Balance", "Burst", "HeavyTail", "CPUBound", "IdleLatency", "MixedOrder",
		"Process", "ProcessCPU", "NATSLatency", "NATSThroughput"}
)

func baseline(cmp string) string {
	if b, ok := baselines[cmp]; ok {
		return b
	}
	return "sluice"
}

func columnsOf(cmp string) []column {
	if c, ok := columns[cmp]; ok {
		return c
	}
	return perItem
}

func format(v float64, c column) string {
	return strconv.FormatFloat(v*c.scale, 'f', c.digits, 64)
}

func writeComparison(w io.Writer, cmp string, rows []*row) {
	var dimsSeen []string
	for _, r := range rows {
		if r.comparison == cmp && !slices.Contains(dimsSeen, r.dims) {
			dimsSeen = append(dimsSeen, r.dims)
		}
	}
	if len(dimsSeen) == 0 {
		return
	}
	cols := columnsOf(cmp)
	base := baseline(cmp)
	fmt.Fprintf(w, "## %s\n\n%s Base: `%s`.\n\n", cmp, about[cmp], base)
	for _, dims := range dimsSeen {
		if dims != "" {
			fmt.Fprintf(w, "`%s`\n\n", dims)
		}
		fmt.Fprintf(w, "| subject |")
		for _, c := range cols {
			fmt.Fprintf(w, " %s |", c.heading)
		}
		fmt.Fprintf(w, " × base |\n|---|")
		for range cols {
			fmt.Fprintf(w, "---:|")
		}
		fmt.Fprintf(w, "---:|\n")
		b := find(rows, cmp, base, dims)
		var beaten []string
		for _, r := range rows {
			if r.comparison != cmp || r.dims != dims {
				continue
			}
			name := r.subject
			if strings.HasPrefix(name, "sluice") {
				name = "**" + name + "**"
			}
			fmt.Fprintf(w, "| %s |", name)
			for _, c := range cols {
				if v, ok := r.median[c.unit]; ok {
					fmt.Fprintf(w, " %s |", format(v, c))
				} else {
					fmt.Fprintf(w, " – |")
				}
			}
			ratio := "–"
			if b != nil && b.median[cols[0].unit] > 0 {
				x := r.median[cols[0].unit] / b.median[cols[0].unit]
				ratio = strconv.FormatFloat(x, 'f', 2, 64)
				if better(x, cols[0]) && !strings.HasPrefix(r.subject, "sluice") {
					beaten = append(beaten, fmt.Sprintf("%s (%s×)", r.subject, ratio))
				}
			}
			fmt.Fprintf(w, " %s |\n", ratio)
		}
		fmt.Fprintln(w)
		if len(beaten) > 0 {
			fmt.Fprintf(w, "Better than %s by more than 5%% on %s: %s.\n\n", base, cols[0].heading, strings.Join(beaten, ", "))
		}
		writeOrderRatios(w, cmp, dims, rows, cols[0])
	}
}

// better reports whether a ratio x to the base, on column c, is better
// than the base by more than 5%.
func better(x float64, c column) bool {
	if c.higher {
		return x > 1.05
	}
	return x < 0.95
}

// writeOrderRatios writes, for every pair of subjects NAME-ordered and
// NAME-unordered under the same dims, the ordered one's figure over the
// unordered one's on column c: what keeping order costs each library.
func writeOrderRatios(w io.Writer, cmp, dims string, rows []*row, c column) {
	var parts []string
	for _, r := range rows {
		name, ok := strings.CutSuffix(r.subject, "-ordered")
		if r.comparison != cmp || r.dims != dims || !ok {
			continue
		}
		u := find(rows, cmp, name+"-unordered", dims)
		if u == nil || u.median[c.unit] == 0 {
			continue
		}
		if _, ok := r.median[c.unit]; !ok {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.2f×", name, r.median[c.unit]/u.median[c.unit]))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "Ordered over unordered, on %s: %s.\n\n", c.heading, strings.Join(parts, ", "))
	}
}
