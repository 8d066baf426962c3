package bench_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/sluice-go/sluice/pool"
)

// Burst workload: bursts of burstTasks noop tasks, each followed by an idle
// gap longer than the on-demand pool's linger.
const (
	burstTasks = 4 * batch
	burstGap   = 3 * time.Millisecond
	linger     = time.Millisecond
)

// BenchmarkBurst runs bursts of 4096 noop tasks (submitted and collected in
// batches of 1024, as in BenchmarkSubmit) separated by idle gaps of 3ms, and
// reports beside the time per task how many goroutines each subject keeps
// through a gap: goroutines/gap is runtime.NumGoroutine at the end of each
// gap, less the count before the subject was made, averaged over the gaps.
//
// sluice-ondemand is pool.WithOnDemand(1ms): its workers exit 1ms after
// their last task, so a burst starts its goroutines again. The others keep
// theirs (sluice, ants, workerpool, chan, chan-future) or start goroutines
// per task or batch and hold none between (pond, conc, errgroup). The gaps
// are not timed. One op is one task.
func BenchmarkBurst(b *testing.B) {
	subjects := append([]submitSubject{
		{"sluice-ondemand", sluiceSubmit(pool.WithOnDemand(linger))},
	}, submitSubjects...)
	for _, s := range subjects {
		b.Run("subject="+s.name, func(b *testing.B) {
			base := runtime.NumGoroutine()
			run, stop := s.start(b)
			defer stop()
			sum, gaps, alive := 0, 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += burstTasks {
				for j := i; j < min(i+burstTasks, b.N); j += batch {
					sum += run(min(batch, b.N-j))
				}
				b.StopTimer()
				time.Sleep(burstGap)
				alive += runtime.NumGoroutine() - base
				gaps++
				b.StartTimer()
			}
			b.StopTimer()
			checkSum(b, sum)
			b.ReportMetric(float64(alive)/float64(gaps), "goroutines/gap")
		})
	}
}
