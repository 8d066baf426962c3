package remote

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Version is the protocol version a [Conn] and [Serve] exchange in their
// hello frames. Peers of different versions refuse each other.
const Version = 1

// DefaultMaxFrame is the largest frame, in bytes after the length prefix,
// that a [Conn] accepts and proposes to its server unless told otherwise
// with [WithMaxFrame].
const DefaultMaxFrame = 16 << 20

// maxFrameLimit is the largest length the 4-byte prefix can carry.
const maxFrameLimit = 1<<32 - 1

// helloMax bounds the first frame a server reads, before the client has
// told it the frame limit.
const helloMax = 1 << 20

// ErrFrameTooLarge is the error for a frame over the agreed limit: a
// request or result too large to send (that call fails, the connection
// goes on) or a length prefix over the limit on the way in (the
// connection ends, since the stream cannot be trusted after it).
var ErrFrameTooLarge = errors.New("remote: frame too large")

// ErrBadFrame is the error for bytes that are not a well-formed frame.
var ErrBadFrame = errors.New("remote: malformed frame")

// Kind says what a [Frame] is.
type Kind uint8

// The kinds of frame. A client sends KindHello once, then KindRequest and
// KindCancel; a server answers with KindHello once, then KindResponse.
const (
	KindHello    Kind = 1 // Version, MaxFrame; from the server also Names
	KindRequest  Kind = 2 // ID, Worker, Name, Payload
	KindCancel   Kind = 3 // ID
	KindResponse Kind = 4 // ID, and Payload or Err
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindHello:
		return "hello"
	case KindRequest:
		return "request"
	case KindCancel:
		return "cancel"
	case KindResponse:
		return "response"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Frame is one message of the protocol. Which fields travel depends on
// Kind (see the constants); the others are ignored when encoding and zero
// after decoding. A Frame is a plain value: the zero value is not a valid
// frame, and copies share Payload and Names.
type Frame struct {
	Kind     Kind
	ID       uint64   // request, cancel, response: the caller's id for the call
	Worker   int      // request: the worker id, which picks a stateful worker's instance
	Name     string   // request: the registered name to call
	Payload  []byte   // request: the argument; response: the result
	Err      error    // response: the call's error, in the wire form of [Error]
	Version  int      // hello: the protocol version
	MaxFrame int      // hello: the largest frame the sender accepts
	Names    []string // hello from a server: the names it serves
}

// MarshalBinary encodes the frame's body, without the length prefix.
func (f Frame) MarshalBinary() ([]byte, error) {
	return f.AppendBinary(nil)
}

// AppendBinary appends the frame's body, without the length prefix, to b.
func (f Frame) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, byte(f.Kind))
	switch f.Kind {
	case KindHello:
		b = binary.AppendUvarint(b, uint64(f.Version))
		b = binary.AppendUvarint(b, uint64(f.MaxFrame))
		b = binary.AppendUvarint(b, uint64(len(f.Names)))
		for _, n := range f.Names {
			b = appendString(b, n)
		}
	case KindRequest:
		b = binary.AppendUvarint(b, f.ID)
		b = binary.AppendVarint(b, int64(f.Worker))
		b = appendString(b, f.Name)
		b = append(b, f.Payload...)
	case KindCancel:
		b = binary.AppendUvarint(b, f.ID)
	case KindResponse:
		b = binary.AppendUvarint(b, f.ID)
		if f.Err == nil {
			b = append(b, 0)
			b = append(b, f.Payload...)
		} else {
			b = append(b, 1)
			b = appendError(b, f.Err, 0)
		}
	default:
		return b, fmt.Errorf("remote: cannot encode a frame of %v", f.Kind)
	}
	return b, nil
}

// UnmarshalBinary decodes a frame's body, without the length prefix. The
// decoded Payload shares data's memory.
func (f *Frame) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	*f = Frame{Kind: Kind(d.byte())}
	switch f.Kind {
	case KindHello:
		f.Version = d.int()
		f.MaxFrame = d.int()
		n := d.count()
		for range n {
			f.Names = append(f.Names, d.string())
		}
	case KindRequest:
		f.ID = d.uvarint()
		f.Worker = int(d.varint())
		f.Name = d.string()
		f.Payload = d.rest()
	case KindCancel:
		f.ID = d.uvarint()
	case KindResponse:
		f.ID = d.uvarint()
		switch d.byte() {
		case 0:
			f.Payload = d.rest()
		case 1:
			f.Err = d.error(0)
		default:
			d.fail()
		}
	default:
		d.fail()
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail()
	}
	if d.err != nil {
		*f = Frame{}
		return fmt.Errorf("%w (%d bytes)", ErrBadFrame, len(data))
	}
	return nil
}

// WriteFrame writes f to w as one length-prefixed frame in a single
// Write. A body over limit bytes is not written: the error wraps
// [ErrFrameTooLarge].
func WriteFrame(w io.Writer, f Frame, limit int) error {
	b, err := appendFrame(nil, f, limit)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// appendFrame appends f with its length prefix, or fails if its body is
// over limit bytes.
func appendFrame(b []byte, f Frame, limit int) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	b, err := f.AppendBinary(b)
	if err != nil {
		return b[:start], err
	}
	n := len(b) - start - 4
	if n > limit || n > maxFrameLimit {
		return b[:start], fmt.Errorf("%w: %v of %d bytes, over the limit of %d", ErrFrameTooLarge, f.Kind, n, limit)
	}
	binary.BigEndian.PutUint32(b[start:], uint32(n))
	return b, nil
}

// ReadFrame reads one length-prefixed frame from r. It returns io.EOF if r
// ends cleanly before a frame, io.ErrUnexpectedEOF if it ends inside one,
// and an error wrapping [ErrFrameTooLarge] for a length over limit, without
// reading the body. Give it a buffered reader: it reads the prefix and the
// body separately.
func ReadFrame(r io.Reader, limit int) (Frame, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Frame{}, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(limit) {
		return Frame{}, fmt.Errorf("%w: incoming frame of %d bytes, over the limit of %d", ErrFrameTooLarge, n, limit)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, err
	}
	var f Frame
	err := f.UnmarshalBinary(body)
	return f, err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
