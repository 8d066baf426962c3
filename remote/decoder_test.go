package remote_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-go/sluice/remote"
)

func TestDecoder_MalformedBodies(t *testing.T) {
	for name, body := range map[string][]byte{
		"empty":               {},
		"unknown kind":        {9},
		"bad varint":          {byte(remote.KindCancel), 0x80},
		"trailing bytes":      {byte(remote.KindCancel), 1, 0},
		"names beyond input":  {byte(remote.KindHello), 1, 1, 200},
		"string beyond input": {byte(remote.KindRequest), 1, 0, 50, 'a'},
		"version too large":   {byte(remote.KindHello), 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0},
		"bad response status": {byte(remote.KindResponse), 1, 7},
		"bad panic flag":      {byte(remote.KindResponse), 1, 1, 0, 0, 0, 0, 5},
	} {
		var f remote.Frame
		err := f.UnmarshalBinary(body)
		assert.ErrorIs(t, err, remote.ErrBadFrame, name)
	}
}
