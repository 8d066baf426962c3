package progress_test

import (
	"io"
	"testing"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/progress"
)

// BenchmarkAdd is the cost of an update that is not drawn, the common
// case: a lock and a clock read.
func BenchmarkAdd(b *testing.B) {
	b.ReportAllocs()
	bar := progress.New(io.Discard)
	for b.Loop() {
		bar.Add(1)
	}
	bar.Finish()
}

// BenchmarkAddParallel is the same under contention from every core, as
// from futures settling on many workers.
func BenchmarkAddParallel(b *testing.B) {
	b.ReportAllocs()
	bar := progress.New(io.Discard)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bar.Add(1)
		}
	})
	bar.Finish()
}

// BenchmarkDraw is the cost of an update that draws, by mode.
func BenchmarkDraw(b *testing.B) {
	for _, mode := range []struct {
		name string
		term bool
	}{{"mode=plain", false}, {"mode=terminal", true}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			bar := progress.New(io.Discard, progress.WithDescription("bench"),
				progress.WithTotal(1<<62), progress.WithInterval(0), progress.WithTerminal(mode.term))
			for b.Loop() {
				bar.Add(1)
			}
			bar.Finish()
		})
	}
}

// BenchmarkFutures is the cost per future of following it: one callback
// registered and run.
func BenchmarkFutures(b *testing.B) {
	b.ReportAllocs()
	const n = 1000
	for b.Loop() {
		b.StopTimer()
		fs := make([]*future.Future[int], n)
		ps := make([]future.Promise[int], n)
		for i := range fs {
			fs[i], ps[i] = future.New[int](b.Context())
		}
		bar := progress.New(io.Discard)
		b.StartTimer()
		progress.Futures(bar, fs...)
		for _, p := range ps {
			p.Resolve(1)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/future")
}
