// Package poolopt resolves the options that a pool and a flow's pool
// stage share: package pool's With* functions fill an [Options], and
// [Resolve] applies them over the defaults and checks them, so a pool and
// a stage given the same options behave alike. It is internal: users
// pass pool.Option values.
package poolopt

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/internal/policy"
	"github.com/sluice-go/sluice/internal/typednil"
	"github.com/sluice-go/sluice/limiter"
)

// The largest sizes the options take; see pool.Option for why.
const (
	MaxWorkers = 1 << 16
	MaxQueued  = 1 << 20
	MaxPending = 1 << 30
)

// Options is the resolved configuration of a pool. Obs is the pool's
// observer type (pool.Observer), which this package does not import.
type Options[Obs any] struct {
	MaxWorkers int
	Strategy   balance.Strategy
	MaxQueued  int
	Stealing   bool
	OnDemand   bool
	Linger     time.Duration
	Timeout    time.Duration
	Retry      policy.Retry
	MaxPending int
	FailFull   bool // Submit on a full pool fails (pool.Fail) instead of blocking
	Limit      limiter.Acquirer
	Observer   Obs // the zero value (a nil interface) is none
	Name       string

	errs []error
}

// Fail records a bad option: Resolve returns the first one recorded,
// prefixed with "pool: ".
func (o *Options[Obs]) Fail(format string, args ...any) {
	o.errs = append(o.errs, fmt.Errorf("pool: "+format, args...))
}

// Resolve applies opts over the defaults and reports the first bad value,
// naming the option.
func Resolve[Obs any, Opt ~func(*Options[Obs])](opts []Opt) (Options[Obs], error) {
	o := Options[Obs]{
		MaxWorkers: runtime.GOMAXPROCS(0),
		MaxQueued:  16,
		Stealing:   true,
	}
	for _, opt := range opts {
		if opt == nil {
			return o, errors.New("pool: nil Option")
		}
		opt(&o)
	}
	if len(o.errs) > 0 {
		return o, o.errs[0]
	}
	if any(o.Observer) != nil && typednil.Is(o.Observer) { // WithObserver catches a plain nil
		return o, fmt.Errorf("pool: WithObserver(%s): want an observer", typednil.Name(o.Observer))
	}
	if o.Strategy == nil {
		if o.OnDemand {
			o.Strategy = balance.Random()
		} else {
			o.Strategy = balance.RoundRobin()
		}
	}
	return o, nil
}

// Policy returns the per-task policy the options describe.
func (o *Options[Obs]) Policy() policy.Policy {
	return policy.Policy{Timeout: o.Timeout, Retry: o.Retry, Limit: o.Limit}
}
