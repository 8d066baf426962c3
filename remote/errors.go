package remote

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sync"

	"github.com/sluice-go/sluice/future"
)

// Error is what an error that crossed the boundary becomes when it is not
// a registered sentinel itself nor a [*future.PanicError]: the same
// message, the remote Go type's name, and the names of the registered
// sentinels it matched on the other side. errors.Is matches those
// sentinels here too, when this side has registered them, and errors.As
// reaches a [*future.PanicError] it wrapped. Use errors.As to read Type
// and Matches. An Error is immutable once made and safe to share.
type Error struct {
	Message string   // the remote error's Error()
	Type    string   // its Go type on the remote side, as %T prints it
	Matches []string // the registered sentinels it matched there, by name

	wrapped []error // the sentinels and panic this side could rebuild
}

// Error returns the remote error's message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the sentinels in Matches that this side has registered
// and, if the remote error wrapped a panic, that [*future.PanicError].
func (e *Error) Unwrap() []error { return e.wrapped }

// sentinels is the registry behind [RegisterError].
var sentinels struct {
	sync.RWMutex
	byName map[string]error
	names  []string // in registration order
}

// RegisterError registers a sentinel error by name, so that an error that
// is the sentinel comes back from the other side as the sentinel itself,
// and one that wraps it comes back as an [*Error] that errors.Is matches
// with it. Both sides must register the same sentinels under the same
// names; call it at package scope, as with [Register]. It panics if name
// is empty or taken, or if err is nil or not comparable.
//
// context.Canceled, context.DeadlineExceeded, io.EOF,
// io.ErrUnexpectedEOF, os.ErrNotExist, os.ErrExist, os.ErrPermission,
// os.ErrDeadlineExceeded, future.ErrGoexit and this package's sentinels
// are registered already, under their Go names ("context.Canceled").
func RegisterError(name string, err error) {
	if name == "" {
		panic("remote: RegisterError with an empty name")
	}
	if err == nil {
		panic(fmt.Sprintf("remote: RegisterError(%q) with a nil error", name))
	}
	if !reflect.TypeOf(err).Comparable() {
		panic(fmt.Sprintf("remote: RegisterError(%q): %T is not comparable, so it cannot be a sentinel", name, err))
	}
	sentinels.Lock()
	defer sentinels.Unlock()
	if sentinels.byName == nil {
		sentinels.byName = make(map[string]error)
	}
	if _, dup := sentinels.byName[name]; dup {
		panic(fmt.Sprintf("remote: error %q registered twice", name))
	}
	sentinels.byName[name] = err
	sentinels.names = append(sentinels.names, name)
}

func init() {
	for _, s := range []struct {
		name string
		err  error
	}{
		{"context.Canceled", context.Canceled},
		{"context.DeadlineExceeded", context.DeadlineExceeded},
		{"io.EOF", io.EOF},
		{"io.ErrUnexpectedEOF", io.ErrUnexpectedEOF},
		{"os.ErrNotExist", os.ErrNotExist},
		{"os.ErrExist", os.ErrExist},
		{"os.ErrPermission", os.ErrPermission},
		{"os.ErrDeadlineExceeded", os.ErrDeadlineExceeded},
		{"future.ErrGoexit", future.ErrGoexit},
		{"remote.ErrUnknownFunction", ErrUnknownFunction},
		{"remote.ErrCodec", ErrCodec},
		{"remote.ErrFrameTooLarge", ErrFrameTooLarge},
		{"remote.ErrBadFrame", ErrBadFrame},
	} {
		RegisterError(s.name, s.err)
	}
}

// maxErrDepth bounds panics nested in panics, each way.
const maxErrDepth = 8

// appendError appends err's wire form: message, type, the sentinel it
// is (or ""), the sentinels it matches, and the panic it is or wraps.
func appendError(b []byte, err error, depth int) []byte {
	b = appendString(b, err.Error())
	b = appendString(b, fmt.Sprintf("%T", err))
	sentinels.RLock()
	exact := ""
	var matches []string
	for _, name := range sentinels.names {
		s := sentinels.byName[name]
		if exact == "" && err == s {
			exact = name
		}
		if errors.Is(err, s) {
			matches = append(matches, name)
		}
	}
	sentinels.RUnlock()
	b = appendString(b, exact)
	b = appendUvarint(b, len(matches))
	for _, m := range matches {
		b = appendString(b, m)
	}
	var pe *future.PanicError
	if depth >= maxErrDepth || !errors.As(err, &pe) || pe == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	if v, ok := pe.Value.(error); ok && v != nil && depth+1 < maxErrDepth {
		b = append(b, 1)
		b = appendError(b, v, depth+1)
	} else {
		b = append(b, 0)
		b = appendString(b, fmt.Sprint(pe.Value))
	}
	return appendString(b, string(pe.Stack))
}

// error decodes what appendError wrote. A registered sentinel comes back
// as itself, a panic as a *future.PanicError, anything else as an *Error.
func (d *decoder) error(depth int) error {
	if depth >= maxErrDepth {
		d.fail()
		return nil
	}
	e := &Error{Message: d.string(), Type: d.string()}
	exact := d.string()
	n := d.count()
	for range n {
		e.Matches = append(e.Matches, d.string())
	}
	var pe *future.PanicError
	switch d.byte() {
	case 0:
	case 1:
		pe = &future.PanicError{}
		switch d.byte() {
		case 0:
			pe.Value = d.string()
		case 1:
			pe.Value = d.error(depth + 1)
		default:
			d.fail()
		}
		pe.Stack = d.bytes()
	default:
		d.fail()
	}
	if d.err != nil {
		return nil
	}
	sentinels.RLock()
	defer sentinels.RUnlock()
	if s, ok := sentinels.byName[exact]; ok {
		return s
	}
	if pe != nil && e.Type == "*future.PanicError" {
		return pe
	}
	for _, m := range e.Matches {
		if s, ok := sentinels.byName[m]; ok {
			e.wrapped = append(e.wrapped, s)
		}
	}
	if pe != nil {
		e.wrapped = append(e.wrapped, pe)
	}
	return e
}

func appendUvarint(b []byte, n int) []byte {
	return binary.AppendUvarint(b, uint64(n))
}
