// Package remote is what crosses a process or machine boundary when a
// sluice worker runs elsewhere: functions registered by name, the
// [Codec] for their arguments and results, the wire form of errors, the
// frames of the protocol, the serving loop [Serve] and the calling side
// [Conn]. The process backend (package proc) and the NATS backend share
// it, so both have one registry, one codec interface and one error wire
// form. It uses the standard library only.
//
// # Registering
//
// Both sides run the same registrations, at package scope, so that a
// worker process has every name before it serves:
//
//	var square = remote.Register("square", Square)
//
// [Register] returns a [Func], a typed handle: square.Call(ctx, t, w, 7)
// encodes 7, sends it over the [Transport] t to worker w, and decodes the
// answer. A stateful worker is a constructor registered with
// [RegisterWorker] and methods registered on it with [RegisterMethod]
// (method expressions fit as they are); the serving side makes one
// instance per worker id when the first call for that id arrives, runs
// that instance's calls one at a time in the order they arrived, and
// closes it, if it is an io.Closer, when it stops serving. Registering a
// name twice panics; a call to a name the serving side does not know fails
// with [ErrUnknownFunction], naming it.
//
// # Codecs
//
// Arguments and results are encoded with the [Codec] given to Register
// with [WithCodec]: [Gob] by default, or [JSON]. A []byte or string
// travels as it is, and a zero-size value (struct{}) as nothing, whatever
// the codec. Failures wrap [ErrCodec].
//
// # Errors
//
// An error returned by a remote function comes back so that errors.Is and
// errors.As keep working across the boundary, as far as a value that
// crossed a boundary can:
//
//   - a sentinel registered with [RegisterError] on both sides comes back
//     as the sentinel itself; context.Canceled, context.DeadlineExceeded,
//     the io and os sentinels, future.ErrGoexit and this package's are
//     registered already;
//   - a panic in the remote function comes back as a [*future.PanicError]
//     with the remote stack; its Value is the panic value's text, or the
//     decoded error if the value was an error;
//   - any other error comes back as an [*Error] with the same message, the
//     remote type's name, and the registered sentinels it wrapped, which
//     errors.Is matches here too.
//
// # Frames
//
// The protocol is a stream of frames, each a 4-byte big-endian length and
// a body of at most the agreed limit ([DefaultMaxFrame] unless set with
// [WithMaxFrame]); a [Frame] encodes and decodes the body. The client
// sends a hello ([Version], its limit), the server answers with a hello
// (version, the limit, the names it serves), and then the client sends
// requests (id, name, worker id, argument) and cancels (id), and the
// server answers each request once, in the order calls finish, with a
// response (id, and result or error). Any number of requests may be in
// flight. A frame over the limit is an error wrapping [ErrFrameTooLarge]:
// on the way out it fails that call only, on the way in it ends the
// stream. Bytes that are not a frame give [ErrBadFrame]; decoding never
// panics.
//
// # Serving and calling
//
// [Serve] is the serving loop, which a worker process runs on its pipes:
// a short call runs on the goroutine that read it, any other on a
// goroutine apart (kept on to take the next), each with a ctx that the
// request's cancel frame cancels, and panics caught. [Conn] is the
// calling side over any stream, with requests pipelined and matched by
// id, and the answers read by the calls themselves where a read of the
// stream can be cut short (a pipe), by a goroutine of its own elsewhere;
// when the stream breaks, every call in flight fails with [ErrConnLost]. A backend wraps a Conn (or its own transport) in a
// [Transport] and maps ErrConnLost to its own "worker lost" error.
package remote
