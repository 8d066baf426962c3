package remote

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// Codec turns the arguments and results of registered functions into
// bytes and back. Marshal is given a pointer to the value; Unmarshal a
// pointer to fill. Both sides of a call must use the same codec for a
// name, which they do when both run the same [Register] call. A Codec
// must be safe for concurrent use.
//
// Whatever the codec, a []byte or string argument or result travels as it
// is (the raw fast path), and a zero-size one (struct{}) as no bytes.
type Codec interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// ErrCodec is wrapped by every error from encoding or decoding an
// argument or a result, on either side.
var ErrCodec = errors.New("remote: codec")

// Gob is the default [Codec]: each value is encoded on its own with
// encoding/gob, type description included, so values of interface type
// need gob.Register on both sides. It costs a few microseconds per value.
var Gob Codec = gobCodec{}

// JSON is a [Codec] using encoding/json, for peers that are not Go.
var JSON Codec = jsonCodec{}

type gobCodec struct{}

func (gobCodec) Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

func (gobCodec) Unmarshal(data []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(data)).Decode(v)
}

type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// valueCodec encodes values of one type: the raw fast paths or a Codec.
type valueCodec[T any] struct {
	c Codec
}

var (
	bytesType  = reflect.TypeFor[[]byte]()
	stringType = reflect.TypeFor[string]()
)

// encode returns v's bytes; name and what say what v is, for the error.
func (vc valueCodec[T]) encode(v T, name, what string) ([]byte, error) {
	switch t := reflect.TypeFor[T](); {
	case t == bytesType:
		return any(v).([]byte), nil
	case t == stringType:
		return []byte(any(v).(string)), nil
	case t.Size() == 0:
		return nil, nil
	}
	b, err := vc.c.Marshal(&v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: encoding the %s (%T): %w", ErrCodec, name, what, v, err)
	}
	return b, nil
}

// decode is the inverse of encode. It may keep a reference to data.
func (vc valueCodec[T]) decode(data []byte, name, what string) (T, error) {
	var v T
	switch t := reflect.TypeFor[T](); {
	case t == bytesType:
		return any(data).(T), nil
	case t == stringType:
		return any(string(data)).(T), nil
	case t.Size() == 0:
		return v, nil
	}
	if err := vc.c.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("%w: %s: decoding the %s (%T): %w", ErrCodec, name, what, v, err)
	}
	return v, nil
}
