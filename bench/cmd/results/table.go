package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// A column of a table: which unit, its heading, and a scale to apply.
type column struct {
	unit, heading string
	scale         float64
	digits        int
}

var (
	perItem = []column{
		{"sec/op", "ns/item", 1e9, 1},
		{"allocs/op", "allocs/item", 1, 2},
		{"B/op", "B/item", 1, 0},
	}
	// Columns, first the one ratios are taken of, per comparison.
	columns = map[string][]column{
		"Balance": {
			{"makespan/ideal", "makespan/ideal", 1, 3},
			{"sec/task", "ns/task (simulation)", 1e9, 0},
			{"allocs/task", "allocs/task", 1, 2},
		},
		"Burst": {
			{"sec/op", "ns/item", 1e9, 1},
			{"allocs/op", "allocs/item", 1, 2},
			{"goroutines/gap", "goroutines/gap", 1, 1},
		},
	}
	// The subject each comparison's ratios are taken against.
	baselines = map[string]string{
		"Limiter": "sluice-gcra",
		"Balance": "sluice-leastactive",
		"Burst":   "sluice-ondemand",
	}
	// What each comparison measures, for the reader.
	about = map[string]string{
		"Submit":        "Submit a noop task and get its result back; 8 workers, one producer, batches of 1024 submitted then collected.",
		"Stream":        "A stream of items through 8 workers applying a noop function, results in any order. sluice is flow.From(slice).Pool(...).Unordered(); sluice-stage is stage.Map, the layer under flow; chan-chunked is hand-rolled channels carrying chunks of 64 items.",
		"OrderedStream": "The same stream, results in input order.",
		"Limiter":       "One acquisition of one shared rate limit that never makes anyone wait; 1 goroutine, or 16 contending.",
		"Balance":       "2000 tasks, 95% of 1 time unit and 5% of 100, through 8 workers in virtual time; makespan over the ideal lower bound. Lower is better.",
		"Burst":         "Bursts of 4096 noop tasks separated by 3ms idle gaps; goroutines still alive at the end of each gap.",
	}
	order = []string{"Submit", "Stream", "OrderedStream", "Limiter", "Balance", "Burst"}
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
				if x < 0.95 && !strings.HasPrefix(r.subject, "sluice") {
					beaten = append(beaten, fmt.Sprintf("%s (%s×)", r.subject, ratio))
				}
			}
			fmt.Fprintf(w, " %s |\n", ratio)
		}
		fmt.Fprintln(w)
		if len(beaten) > 0 {
			fmt.Fprintf(w, "Better than %s by more than 5%% on %s: %s.\n\n", base, cols[0].heading, strings.Join(beaten, ", "))
		}
	}
}
