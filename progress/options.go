package progress

import "time"

// Option configures a [Bar] made by [New]. The defaults are listed under
// "Options" in the package documentation.
type Option func(*config)

type config struct {
	desc     string
	total    int64
	interval time.Duration // < 0: the mode's default
	terminal int           // 0: detect; 1: terminal; -1: plain lines
}

// Default intervals between two draws, by mode; see [WithInterval].
const (
	DefaultTerminalInterval = 100 * time.Millisecond
	DefaultPlainInterval    = time.Second
)

// WithDescription sets the text shown before the count, as in
// "resizing: 40/100 (40%)". The default is none.
func WithDescription(desc string) Option {
	return func(c *config) { c.desc = desc }
}

// WithTotal sets the number of items the work will take, if known before
// it starts. A negative n means unknown, the default: the bar then shows a
// count, a rate and no percentage or ETA. [Bar.Flow] and [Futures] set the
// total themselves when they know it.
func WithTotal(n int64) Option {
	return func(c *config) {
		if n < 0 {
			n = -1
		}
		c.total = n
	}
}

// WithInterval sets the least time between two draws. A change is never
// shown later than d after it happened: a change that comes sooner than d
// after the last draw is drawn when d has passed. The defaults are
// [DefaultTerminalInterval] on a terminal and [DefaultPlainInterval] for
// plain lines, which go to logs. d <= 0 draws on every change.
func WithInterval(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			d = 0
		}
		c.interval = d
	}
}

// WithTerminal overrides the detection of a terminal: true redraws the
// bar in place (with carriage returns and ANSI line clearing) whatever the
// writer is, false writes plain lines even to a terminal.
func WithTerminal(on bool) Option {
	return func(c *config) {
		c.terminal = -1
		if on {
			c.terminal = 1
		}
	}
}
