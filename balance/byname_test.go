package balance_test

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/balance"
)

func TestByName_RoundTrips(t *testing.T) {
	for _, name := range balance.Names() {
		s, err := balance.ByName(name)
		if err != nil {
			t.Fatalf("ByName(%q): %v", name, err)
		}
		if got := fmt.Sprint(s); got != name {
			t.Errorf("ByName(%q).String() = %q", name, got)
		}
	}
}

func TestByName_Fresh(t *testing.T) {
	w := busyLoads(3)
	a, _ := balance.ByName("round-robin")
	a.Pick(w)
	b, _ := balance.ByName("round-robin")
	if got := b.Pick(w); got != 0 {
		t.Errorf("second value's first pick = %d, want 0: values share state", got)
	}
}

func TestByName_Unknown(t *testing.T) {
	for _, name := range []string{"", "Round-Robin", "round_robin", "key-affinity", " random"} {
		s, err := balance.ByName(name)
		if s != nil || !errors.Is(err, balance.ErrUnknownStrategy) {
			t.Errorf("ByName(%q) = %v, %v; want nil, ErrUnknownStrategy", name, s, err)
			continue
		}
		if want := fmt.Sprintf("balance: unknown strategy %q (want one of round-robin, least-active, least-total, random, power-of-two)", name); err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	}
}

func TestNames_CallerOwnsSlice(t *testing.T) {
	n := balance.Names()
	n[0] = "changed"
	if got := balance.Names()[0]; got != "round-robin" {
		t.Errorf("Names()[0] = %q after the caller changed its copy", got)
	}
}

// ExampleByName reads a strategy from a flag.
func ExampleByName() {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	name := fs.String("balance", "round-robin", "load balancing: "+strings.Join(balance.Names(), ", "))
	_ = fs.Parse([]string{"-balance", "least-active"})

	s, err := balance.ByName(*name)
	fmt.Println(s, err)
	_, err = balance.ByName("fastest")
	fmt.Println(err)
	// Output:
	// least-active <nil>
	// balance: unknown strategy "fastest" (want one of round-robin, least-active, least-total, random, power-of-two)
}
