package main

import (
	"fmt"
	"io"
	"strings"
)

// A goal the library is held to, checked against the medians.
type goal struct {
	name  string
	check func(rows []*row) (met bool, detail string, ok bool)
}

var goals = []goal{
	{"Submit: at most 250 ns and 2 allocations per task", func(rows []*row) (bool, string, bool) {
		r := find(rows, "Submit", "sluice", "")
		if r == nil {
			return false, "", false
		}
		ns, allocs := r.median["sec/op"]*1e9, r.median["allocs/op"]
		return ns <= 250 && allocs <= 2, fmt.Sprintf("%.1f ns, %.2f allocs", ns, allocs), true
	}},
	{"Unordered stream: at most 100 ns and 0 allocations per item", func(rows []*row) (bool, string, bool) {
		r := find(rows, "Stream", "sluice", "")
		if r == nil {
			return false, "", false
		}
		ns, allocs := r.median["sec/op"]*1e9, r.median["allocs/op"]
		return ns <= 100 && allocs < 0.5, fmt.Sprintf("%.1f ns, %.2f allocs", ns, allocs), true
	}},
	{"Ordered stream: at most 150 ns per item", func(rows []*row) (bool, string, bool) {
		r := find(rows, "OrderedStream", "sluice", "")
		if r == nil {
			return false, "", false
		}
		ns := r.median["sec/op"] * 1e9
		return ns <= 150, fmt.Sprintf("%.1f ns, %.2f allocs", ns, r.median["allocs/op"]), true
	}},
	{"Limiter: contended (16 goroutines) no worse than 2× uncontended, every algorithm", func(rows []*row) (bool, string, bool) {
		met, found := true, false
		var parts []string
		for _, r := range rows {
			if r.comparison != "Limiter" || !strings.HasPrefix(r.subject, "sluice") || r.dims != "goroutines=1" {
				continue
			}
			c := find(rows, "Limiter", r.subject, "goroutines=16")
			if c == nil || r.median["sec/op"] == 0 {
				continue
			}
			found = true
			x := c.median["sec/op"] / r.median["sec/op"]
			met = met && x <= 2
			parts = append(parts, fmt.Sprintf("%s %.2f×", strings.TrimPrefix(r.subject, "sluice-"), x))
		}
		return met, strings.Join(parts, ", "), found
	}},
	{"Balance: least active and power of two within 15% of the ideal makespan where round robin is not", func(rows []*row) (bool, string, bool) {
		met, found := true, false
		var parts []string
		for _, r := range rows {
			if r.comparison != "Balance" || r.subject != "sluice-roundrobin" {
				continue
			}
			rr := r.median["makespan/ideal"]
			if rr <= 1.15 {
				parts = append(parts, fmt.Sprintf("%s: round robin %.3f (within 15%%, no test)", r.dims, rr))
				continue
			}
			la := find(rows, "Balance", "sluice-leastactive", r.dims)
			p2 := find(rows, "Balance", "sluice-poweroftwo", r.dims)
			if la == nil || p2 == nil {
				continue
			}
			found = true
			l, p := la.median["makespan/ideal"], p2.median["makespan/ideal"]
			m := l <= 1.15 && p <= 1.15
			met = met && m
			parts = append(parts, fmt.Sprintf("%s: round robin %.3f, least active %.3f, power of two %.3f (%s)", r.dims, rr, l, p, verdict(m)))
		}
		return met, strings.Join(parts, "; "), found
	}},
	{"Heavy tail, all at once: every sluice pool and flow at most 1.10× ideal and 1.05× the best peer", func(rows []*row) (bool, string, bool) {
		best := 0.0
		for _, r := range rows {
			if r.comparison == "HeavyTail" && !strings.HasPrefix(r.subject, "sluice") {
				if m := r.median["makespan/ideal"]; best == 0 || m < best {
					best = m
				}
			}
		}
		met, worst, name := true, 0.0, ""
		for _, r := range rows {
			if r.comparison != "HeavyTail" || !strings.HasPrefix(r.subject, "sluice") {
				continue
			}
			m := r.median["makespan/ideal"]
			met = met && m <= 1.10 && m <= 1.05*best
			if m > worst {
				worst, name = m, r.subject
			}
		}
		if best == 0 || name == "" {
			return false, "", false
		}
		return met, fmt.Sprintf("worst %s %.3f; best peer %.3f (%.2f×)", name, worst, best, worst/best), true
	}},
	{"Mixed durations: ordered flow at most 1.15× the unordered one", func(rows []*row) (bool, string, bool) {
		o, u := find(rows, "MixedOrder", "sluice-flow-ordered", ""), find(rows, "MixedOrder", "sluice-flow-unordered", "")
		if o == nil || u == nil {
			return false, "", false
		}
		x := o.median["makespan/ideal"] / u.median["makespan/ideal"]
		return x <= 1.15, fmt.Sprintf("%.2f×", x), true
	}},
	{"CPU-bound: flow speedup at least 0.95× the pool's", func(rows []*row) (bool, string, bool) {
		p := find(rows, "CPUBound", "sluice", "")
		if p == nil {
			return false, "", false
		}
		met := true
		var parts []string
		for _, name := range []string{"sluice-flow-ordered", "sluice-flow-unordered"} {
			if f := find(rows, "CPUBound", name, ""); f != nil {
				x := f.median["speedup"] / p.median["speedup"]
				met = met && x >= 0.95
				parts = append(parts, fmt.Sprintf("%s %.2f×", strings.TrimPrefix(name, "sluice-flow-"), x))
			}
		}
		return met, strings.Join(parts, ", "), len(parts) > 0
	}},
	{"Idle pool latency: p50 at most 1.5× and p99 at most 2× ants'", func(rows []*row) (bool, string, bool) {
		s, a := find(rows, "IdleLatency", "sluice", ""), find(rows, "IdleLatency", "ants", "")
		if s == nil || a == nil {
			return false, "", false
		}
		p50, p99 := s.median["p50-sec"]/a.median["p50-sec"], s.median["p99-sec"]/a.median["p99-sec"]
		return p50 <= 1.5 && p99 <= 2, fmt.Sprintf("p50 %.2f×, p99 %.2f×", p50, p99), true
	}},
	{"Process pool: p50 at most 1.2× the raw pipe round trip; 16 in flight at least 0.8× its calls/s", func(rows []*row) (bool, string, bool) {
		p1, r1 := find(rows, "Process", "sluice-proc", "inflight=1"), find(rows, "Process", "raw-pipe", "inflight=1")
		p16, r16 := find(rows, "Process", "sluice-proc", "inflight=16"), find(rows, "Process", "raw-pipe", "inflight=16")
		if p1 == nil || r1 == nil || p16 == nil || r16 == nil || r1.median["p50-µs"] == 0 || r16.median["calls/s"] == 0 {
			return false, "", false
		}
		lat := p1.median["p50-µs"] / r1.median["p50-µs"]
		tput := p16.median["calls/s"] / r16.median["calls/s"]
		detail := fmt.Sprintf("p50 %.1f µs against %.1f µs (%.2f×); 16 in flight %.0f against %.0f calls/s (%.2f×)",
			p1.median["p50-µs"], r1.median["p50-µs"], lat, p16.median["calls/s"], r16.median["calls/s"], tput)
		if h := find(rows, "Process", "pool-raw-pipe", "inflight=1"); h != nil && h.median["p50-µs"] > 0 {
			detail += fmt.Sprintf("; the raw round trip handed to a goroutine pool's worker: p50 %.1f µs (%.2f× raw)",
				h.median["p50-µs"], h.median["p50-µs"]/r1.median["p50-µs"])
		}
		return lat <= 1.2 && tput >= 0.8, detail, true
	}},
	{"Process pool, CPU-bound: 2 processes at least 1.7× one", func(rows []*row) (bool, string, bool) {
		one, two := find(rows, "ProcessCPU", "sluice-proc", "processes=1"), find(rows, "ProcessCPU", "sluice-proc", "processes=2")
		if one == nil || two == nil || one.median["tasks/s"] == 0 {
			return false, "", false
		}
		x := two.median["tasks/s"] / one.median["tasks/s"]
		return x >= 1.7, fmt.Sprintf("%.0f against %.0f tasks/s (%.2f×)", two.median["tasks/s"], one.median["tasks/s"], x), true
	}},
	{"NATS pool: p50 at most 1.2× raw request-reply; 64 in flight at least 0.7× its calls/s", func(rows []*row) (bool, string, bool) {
		pl, rl := find(rows, "NATSLatency", "sluice-natsb", ""), find(rows, "NATSLatency", "nats-request", "")
		pt, rt := find(rows, "NATSThroughput", "sluice-natsb", ""), find(rows, "NATSThroughput", "nats-request", "")
		if pl == nil || rl == nil || pt == nil || rt == nil || rl.median["p50-sec"] == 0 || rt.median["calls/s"] == 0 {
			return false, "", false
		}
		lat := pl.median["p50-sec"] / rl.median["p50-sec"]
		tput := pt.median["calls/s"] / rt.median["calls/s"]
		return lat <= 1.2 && tput >= 0.7, fmt.Sprintf("p50 %.1f µs against %.1f µs (%.2f×); %.0f against %.0f calls/s (%.2f×)",
			pl.median["p50-sec"]*1e6, rl.median["p50-sec"]*1e6, lat, pt.median["calls/s"], rt.median["calls/s"], tput), true
	}},
	{"Submit then await: at most 1.3× a hand-rolled channel pool with a result channel per task", func(rows []*row) (bool, string, bool) {
		s, c := find(rows, "Submit", "sluice", ""), find(rows, "Submit", "chan-future", "")
		if s == nil || c == nil {
			return false, "", false
		}
		x := s.median["sec/op"] / c.median["sec/op"]
		return x <= 1.3, fmt.Sprintf("%.2f×", x), true
	}},
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}

func writeGoals(w io.Writer, rows []*row) {
	fmt.Fprintf(w, "## Goals\n\n| goal | sluice, median | verdict |\n|---|---|---|\n")
	for _, g := range goals {
		met, detail, ok := g.check(rows)
		v := verdict(met)
		if !ok {
			detail, v = "not measured", "–"
		}
		fmt.Fprintf(w, "| %s | %s | **%s** |\n", g.name, detail, v)
	}
	fmt.Fprintln(w)
}
