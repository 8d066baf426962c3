// Package progress draws a progress bar for sluice flows and futures: a
// count, a rate and an ETA, redrawn in place on a terminal, or written as
// plain periodic lines when the output is a file, a pipe or a log.
//
//	bar := progress.New(os.Stderr, progress.WithDescription("resizing"))
//	progress.Futures(bar, futs...)         // follows futures as they settle
//
//	bar := progress.New(os.Stderr)
//	results, err := flow.From(paths).Pool(resize).Collect(ctx, bar.Flow())
//	bar.Finish()                           // a no-op if it finished by itself
//
// The core packages know nothing of this package, which is built only on
// their hooks: flow.WithProgress and Future.OnSettled. The drawing on a
// terminal is github.com/schollz/progressbar/v3's.
//
// # Feeding a bar
//
// A [Bar] counts items done, items failed and, when known, the total.
// [Bar.Flow] is a flow option that feeds it from one run of a flow;
// [Futures] follows a set of futures through one callback each; [Bar.Add]
// and [Bar.SetTotal] feed it by hand. The bar's clock starts at its first
// update.
//
// # Finishing
//
// A bar finishes by itself when its count (done and failed) reaches a
// known total, and [Bar.Finish] finishes it in any other case: the work
// stopped early, or its total was never known. Finishing draws the final
// line ("done in 2.07s", or "stopped after" a count short of the total)
// and stops the bar's timer; updates after that are ignored. A bar that is
// never finished leaves nothing running but a pending timer.
//
// # Modes
//
// [New] looks at its writer once: an *os.File that is a terminal gets a
// bar redrawn in place (a carriage return and ANSI line clearing, or
// spaces when TERM is dumb), narrowed to the terminal's width:
//
//	resizing:  40% |████████████                  | (40/100, 12 it/s) [3s:4s]
//
// with a spinner instead of the bar and percentage while the total is
// unknown, and the elapsed time on the full bar at the end. Anything else
// gets plain lines, one per interval while the work moves and a final
// one, which read well in a log or CI output:
//
//	resizing: 40/100 (40%) 12.3 it/s ETA 4s
//	resizing: 100/100 (100%) 2 failed 48.3 it/s done in 2.07s
//
// [WithTerminal] overrides the detection. Drawing is throttled: a change
// is drawn at once if the last draw is an interval old, and otherwise
// when the interval is up, by a timer, so the display is never more than
// an interval behind. Write errors are ignored: a display must not fail
// the work it shows. Nor may it kill it: a panic while drawing (the
// writer's, or the terminal renderer's) is recovered and logged once, with
// its stack, through the standard library's log package, as "progress:
// panic while drawing: VALUE"; the bar then draws nothing more, while it
// goes on counting and its [Bar.State] stays true.
//
// # Options
//
// The defaults, each changed by its With option: no description
// ([WithDescription]); total unknown ([WithTotal]); an interval of
// [DefaultTerminalInterval] (100 ms) on a terminal and
// [DefaultPlainInterval] (1 s) for plain lines ([WithInterval]); the mode
// detected from the writer ([WithTerminal]).
//
// # Concurrency
//
// A Bar is safe for concurrent use: futures settle, and so call it, on
// the goroutines that settle them. Every update takes one lock, held
// while a line is written, so a slow writer slows the updates that draw.
// A writer that panics does not reach those goroutines (see "Modes").
package progress
