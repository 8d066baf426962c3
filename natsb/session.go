package natsb

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"sync"

	"github.com/sluice-go/sluice/remote"
)

// wsession is one remote session on an instance: remote.Serve over
// in-memory pipes, fed with the requests of one (backend, pool worker),
// so that the serving side, stateful workers included, is package
// remote's own, and errors cross in its wire form byte for byte.
type wsession struct {
	in      *winstance
	key     sessKey
	reqW    *io.PipeWriter
	next    uint64                 // local ids; in.mu
	pending map[uint64]pendingCall // by local id; in.mu

	endOnce sync.Once
	done    chan struct{} // Serve and the reader ended
	err     error         // Serve's, set before done closes
}

type pendingCall struct {
	reply string
	orig  uint64
}

// newSession starts a session. in.mu is held.
func (in *winstance) newSession(k sessKey) *wsession {
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	s := &wsession{in: in, key: k, reqW: reqW, pending: make(map[uint64]pendingCall), done: make(chan struct{})}
	served := make(chan error, 1)
	go func() {
		err := remote.Serve(context.Background(), reqR, respW)
		respW.Close()
		served <- err
	}()
	go func() {
		s.read(respR)
		s.err = <-served
		close(s.done)
	}()
	// Serve reads the hello first; a pipe write waits for that read, so
	// the hello goes out on a goroutine of its own and writes after it
	// queue behind it (io.Pipe gates writes sequentially).
	hello := remote.Frame{Kind: remote.KindHello, Version: remote.Version, MaxFrame: int(in.ws.nc.MaxPayload())}
	b, _ := hello.AppendBinary(make([]byte, 4))
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	s.write(b)
	return s
}

// write hands a frame to Serve; after the session ended it is dropped.
func (s *wsession) write(frame []byte) {
	s.reqW.Write(frame)
}

// read relays Serve's answers to their reply subjects.
func (s *wsession) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	first := true
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		if first { // Serve's hello
			first = false
			continue
		}
		kind, local, at, err := frameID(body)
		if err != nil || kind != remote.KindResponse {
			continue
		}
		p, ok := s.in.answered(s, local)
		if !ok {
			continue
		}
		s.in.ws.nc.Publish(p.reply, withID(remote.KindResponse, p.orig, body[at:])[4:])
		s.in.sent()
	}
}

// end closes the session's requests: Serve cancels what is still in
// flight, closes its stateful workers and ends.
func (s *wsession) end() {
	s.endOnce.Do(func() { s.reqW.Close() })
}
