package progress

import "github.com/sluice-go/sluice/flow"

// Flow returns a flow option that feeds the bar from a run of a flow
// (flow.WithProgress): the run's done and failed counts replace the bar's,
// and its total, when the flow knows it (a slice source through stages
// that give one result per item), replaces the bar's; otherwise the bar
// keeps the total it has ([WithTotal], [Bar.SetTotal]) or shows a count.
//
// The bar finishes by itself when the count reaches a known total; call
// [Bar.Finish] after the sink returns for the other cases (an unknown
// total, a run stopped by an error or its context). Use one bar per run.
func (b *Bar) Flow() flow.Option {
	return flow.WithProgress(func(p flow.Progress) {
		b.update(func() {
			if p.Total >= 0 {
				b.total = p.Total
			}
			b.done, b.failed = p.Done, p.Failed
		})
	})
}
