package remote_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/remote"
)

func TestCodec_EveryPathRoundTrips(t *testing.T) {
	c := serve(t)
	ctx := context.Background()

	n, err := square.Call(ctx, c, 0, 12)
	require.NoError(t, err)
	assert.Equal(t, 144, n)

	b, err := echo.Call(ctx, c, 0, []byte{0, 1, 2, 255})
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 1, 2, 255}, b)

	s, err := upper.Call(ctx, c, 0, "héllo")
	require.NoError(t, err)
	assert.Equal(t, `"héllo"!`, s)

	p, err := scale.Call(ctx, c, 0, point{1, -2, "p"})
	require.NoError(t, err)
	assert.Equal(t, point{2, -4, "p"}, p)

	_, err = ping.Call(ctx, c, 0, struct{}{})
	require.NoError(t, err)

	p, err = asJSON.Call(ctx, c, 0, point{3, 4, "j"})
	require.NoError(t, err)
	assert.Equal(t, point{3, 4, "j"}, p)
}

// A value gob cannot encode fails the call on the calling side, with a
// message that names the function.
var chanArg = remote.Register("chanArg", func(context.Context, chan int) (int, error) { return 0, nil })

func TestCodec_EncodeErrorsNameTheFunction(t *testing.T) {
	c := serve(t)
	_, err := chanArg.Call(context.Background(), c, 0, make(chan int))
	require.ErrorIs(t, err, remote.ErrCodec)
	assert.ErrorContains(t, err, "remote: codec: chanArg: encoding the argument (chan int)")
}

// The serving side decodes with its own types: a mismatch is a codec
// error that crosses back.
var asPoint = remote.Register("mismatch.point", func(_ context.Context, p point) (point, error) { return p, nil })

func TestCodec_DecodeErrorsCrossBack(t *testing.T) {
	c := serve(t)
	_, err := c.RoundTrip(context.Background(), remote.Request{Name: asPoint.Name(), Payload: []byte("not gob")})
	require.ErrorIs(t, err, remote.ErrCodec)
	assert.ErrorContains(t, err, "remote: codec: mismatch.point: decoding the argument (remote_test.point)")
}

func TestWithCodec_Nil(t *testing.T) {
	assert.PanicsWithValue(t, "remote: WithCodec(nil)", func() { remote.WithCodec(nil) })
}
