module github.com/sluice-go/sluice/bench

go 1.26.0

replace github.com/sluice-go/sluice => ../

require (
	github.com/alitto/pond/v2 v2.7.1
	github.com/destel/rill v0.7.0
	github.com/gammazero/workerpool v1.3.0
	github.com/panjf2000/ants/v2 v2.12.1
	github.com/sluice-go/sluice v0.0.0-00010101000000-000000000000
	github.com/sourcegraph/conc v0.3.0
	go.uber.org/ratelimit v0.3.1
	golang.org/x/sync v0.25.0
	golang.org/x/time v0.16.0
)

require (
	github.com/benbjohnson/clock v1.3.0 // indirect
	github.com/gammazero/deque v1.2.2 // indirect
	go.uber.org/atomic v1.7.0 // indirect
	go.uber.org/multierr v1.9.0 // indirect
)
