package balance

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownStrategy is the error [ByName] wraps when it does not know a
// name; test for it with [errors.Is].
var ErrUnknownStrategy = errors.New("balance: unknown strategy")

// names lists the strategies ByName knows, in the order Names reports them.
var names = []struct {
	name string
	make func() Strategy
}{
	{"round-robin", RoundRobin},
	{"least-active", LeastActive},
	{"least-total", LeastTotal},
	{"random", Random},
	{"power-of-two", PowerOfTwo},
}

// ByName returns a fresh strategy by its name, for configuration files and
// flags: "round-robin" ([RoundRobin]), "least-active" ([LeastActive]),
// "least-total" ([LeastTotal]), "random" ([Random]) or "power-of-two"
// ([PowerOfTwo]). Names are matched exactly; the returned value's String
// gives the name back. An unknown name gets an error that wraps
// [ErrUnknownStrategy] and quotes the name, like
//
//	balance: unknown strategy "fastest" (want one of round-robin, ...)
//
// [KeyAffinity] has no name here, since it needs a fallback: build it as
// KeyAffinity(s) from the strategy ByName returns.
func ByName(name string) (Strategy, error) {
	for _, n := range names {
		if n.name == name {
			return n.make(), nil
		}
	}
	return nil, fmt.Errorf("%w %q (want one of %s)", ErrUnknownStrategy, name, strings.Join(Names(), ", "))
}

// Names returns the names [ByName] accepts, default first, in a new slice
// the caller may keep: handy for a flag's help text.
func Names() []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n.name
	}
	return out
}
