package remote_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/remote"
)

func TestRegister_BadInput(t *testing.T) {
	fn := func(context.Context, int) (int, error) { return 0, nil }
	assert.PanicsWithValue(t, `remote: function "square" registered twice`, func() { remote.Register("square", fn) })
	assert.PanicsWithValue(t, "remote: registering a function with an empty name", func() { remote.Register("", fn) })
	assert.PanicsWithValue(t, `remote: Register("nil") with a nil function`, func() {
		remote.Register[int, int]("nil", nil)
	})
}

func TestFunc_Zero(t *testing.T) {
	var f remote.Func[int, int]
	assert.Equal(t, "", f.Name())
	_, err := f.Call(context.Background(), nil, 0, 1)
	assert.EqualError(t, err, "remote: Call on a zero Func (use one that Register returned)")
}

func TestNames(t *testing.T) {
	names := remote.Names()
	assert.Contains(t, names, "square")
	assert.Contains(t, names, "counter.add")
	assert.IsIncreasing(t, names)
	assert.Equal(t, "square", square.Name())
}

func TestCall_UnknownNameIsAClearError(t *testing.T) {
	c := serve(t)
	_, err := c.RoundTrip(context.Background(), remote.Request{Name: "cube"})
	require.ErrorIs(t, err, remote.ErrUnknownFunction)
	assert.EqualError(t, err, `remote: unknown function "cube": it is not registered on the serving side`)
}
