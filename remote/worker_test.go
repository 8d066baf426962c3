package remote_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/remote"
)

// counter is a stateful worker: one per worker id, closed at the end.
type counter struct {
	id, n int
}

func newCounter(_ context.Context, id int) (*counter, error) {
	if id < 0 {
		return nil, fmt.Errorf("no counter for id %d", id)
	}
	return &counter{id: id}, nil
}

// Add adds d and returns the worker's id and its total.
func (c *counter) Add(_ context.Context, d int) ([2]int, error) {
	c.n += d
	return [2]int{c.id, c.n}, nil
}

func (c *counter) Close() error {
	closed.Lock()
	defer closed.Unlock()
	closed.ids = append(closed.ids, c.id)
	if c.id == 13 {
		return errors.New("unlucky")
	}
	return nil
}

var closed struct {
	sync.Mutex
	ids []int
}

func closedIDs() []int {
	closed.Lock()
	defer closed.Unlock()
	ids := slices.Clone(closed.ids)
	closed.ids = nil
	return ids
}

var (
	counterWorker = remote.RegisterWorker("counter", newCounter)
	add           = remote.RegisterMethod(counterWorker, "add", (*counter).Add)
)

func TestWorker_OneInstancePerIDClosedAtTheEnd(t *testing.T) {
	closedIDs()
	c := serve(t)
	ctx := context.Background()
	for i, want := range [][2]int{{0, 1}, {1, 10}, {0, 3}, {1, 30}, {5, 5}} {
		d := []int{1, 10, 2, 20, 5}[i]
		got, err := add.Call(ctx, c, want[0], d)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	assert.Empty(t, closedIDs(), "instances live as long as the connection")
	require.NoError(t, c.close(t))
	assert.Equal(t, []int{0, 1, 5}, closedIDs())
	assert.Equal(t, "counter", counterWorker.Name())
	assert.Equal(t, "counter.add", add.Name())
}

func TestWorker_CloseErrorsAreServesError(t *testing.T) {
	closedIDs()
	c := serve(t)
	_, err := add.Call(context.Background(), c, 13, 1)
	require.NoError(t, err)
	assert.EqualError(t, c.close(t), `remote: closing worker "counter" 13: unlucky`)
	assert.Equal(t, []int{13}, closedIDs())
}

func TestWorker_ConstructorErrorFailsTheCallAndIsRetried(t *testing.T) {
	c := serve(t)
	for range 2 {
		_, err := add.Call(context.Background(), c, -1, 1)
		assert.EqualError(t, err, "no counter for id -1")
	}
}

func TestRegisterWorker_BadInput(t *testing.T) {
	assert.PanicsWithValue(t, `remote: worker "counter" registered twice`, func() { remote.RegisterWorker("counter", newCounter) })
	assert.PanicsWithValue(t, "remote: RegisterWorker with an empty name", func() { remote.RegisterWorker("", newCounter) })
	assert.PanicsWithValue(t, `remote: RegisterWorker("x") with a nil constructor`, func() {
		remote.RegisterWorker[int]("x", nil)
	})
	assert.PanicsWithValue(t, `remote: function "counter.add" registered twice`, func() {
		remote.RegisterMethod(counterWorker, "add", (*counter).Add)
	})
	assert.PanicsWithValue(t, `remote: RegisterMethod on "counter" with an empty name`, func() {
		remote.RegisterMethod(counterWorker, "", (*counter).Add)
	})
	assert.PanicsWithValue(t, `remote: RegisterMethod("counter.nil") with a nil function`, func() {
		remote.RegisterMethod[*counter, int, int](counterWorker, "nil", nil)
	})
	assert.PanicsWithValue(t, `remote: RegisterMethod("m") on a zero Worker (use one that RegisterWorker returned)`, func() {
		remote.RegisterMethod(remote.Worker[*counter]{}, "m", (*counter).Add)
	})
	assert.Equal(t, "", remote.Worker[int]{}.Name())
}
