package progress

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal: an *os.File on a tty.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// termBar draws a [Bar] in place with a progressbar.ProgressBar. The Bar
// calls it under its lock, which also guards it, and throttles it, so the
// progressbar draws on every call and never starts a goroutine (its
// spinner ticker is off).
type termBar struct {
	pb     *progressbar.ProgressBar
	total  int64 // the total pb knows; -1: unknown (a spinner)
	failed int64 // the failed count pb's description shows
}

// begin makes the progressbar when b's clock starts, so that both clocks
// agree: the progressbar's rate and times run from its start.
func (t *termBar) begin(b *Bar) {
	if b.total != 0 {
		t.make(b)
	}
}

// draw shows b's count. A total of 0 has nothing to draw: finish writes
// its line.
func (t *termBar) draw(b *Bar) {
	if b.total == 0 {
		return
	}
	t.sync(b)
	_ = t.pb.Set64(b.count())
}

// finish draws the final bar and reports true if b's count has reached
// its total: the progressbar then draws itself full, with the elapsed
// time, and ends the line. Otherwise it clears the bar's line and reports
// false, for b to write a plain final line in its place.
func (t *termBar) finish(b *Bar) bool {
	if b.total > 0 && b.count() == b.total {
		t.sync(b)
		_ = t.pb.Set64(b.count())
		return true
	}
	if t.pb != nil {
		_ = t.pb.Clear()
	}
	return false
}

// sync makes pb match b's total and failed count. A progressbar without a
// total counts its position modulo its width, so a change between known
// and unknown starts a new one on the same line.
func (t *termBar) sync(b *Bar) {
	switch {
	case t.pb == nil:
		t.make(b)
	case (t.total < 0) != (b.total < 0):
		_ = t.pb.Clear()
		t.make(b)
	case t.total != b.total:
		t.pb.ChangeMax64(b.total)
		t.total = b.total
	}
	if t.failed != b.failed {
		t.failed = b.failed
		t.pb.Describe(label(b))
	}
}

func (t *termBar) make(b *Bar) {
	w := b.w
	t.total, t.failed = b.total, b.failed
	t.pb = progressbar.NewOptions64(b.total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label(b)),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionThrottle(0),
		progressbar.OptionUseANSICodes(os.Getenv("TERM") != "dumb"),
		progressbar.OptionOnCompletion(func() { _, _ = io.WriteString(w, "\n") }),
	)
	t.pb.StartWithoutRender()
}

// label is the progressbar's description: "resizing [2 failed]:".
func label(b *Bar) string {
	s := b.desc
	if b.failed > 0 {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("[%d failed]", b.failed)
	}
	if s != "" {
		s += ":"
	}
	return s
}
