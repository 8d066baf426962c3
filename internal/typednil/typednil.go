// Package typednil tells whether an interface value is nil or holds a nil
// pointer, func, channel, map or slice: a value that passes a plain nil
// check and then fails with a nil dereference deep inside. sluice checks
// the interfaces users pass in (strategies, limits, observers) with it once,
// where they are passed, never per task.
package typednil

import (
	"fmt"
	"reflect"
)

// Is reports whether v is nil or a typed nil.
func Is(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Chan, reflect.Map, reflect.Slice, reflect.UnsafePointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// Name is how a message shows a nil v: "nil", or "(*T)(nil)" for a typed
// nil.
func Name(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("(%T)(nil)", v)
}
