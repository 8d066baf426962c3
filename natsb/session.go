package natsb

import (
	"context"
	"strconv"

	"github.com/sluice-go/sluice/remote"
)

// wsession is one remote session on an instance, for one (backend, pool
// worker): a remote.Session, fed each request and cancel as its NATS
// message arrives and handing each answer to the instances' replier,
// so that the serving side, stateful workers included, is package
// remote's own, and errors cross in its wire form byte for byte. The
// dispatcher's call ids are unique per backend, so they serve as the
// session's ids as they are.
type wsession struct {
	in  *winstance
	key sessKey
	rs  *remote.Session
}

// newSession starts a session. in.mu is held.
func (in *winstance) newSession(k sessKey) *wsession {
	s := &wsession{in: in, key: k}
	s.rs = remote.NewSession(context.Background(), int(in.ws.nc.MaxPayload()), s.send)
	return s
}

// send publishes an answer to the call's reply subject, KEY.ID.
func (s *wsession) send(body []byte) {
	kind, id, _, err := frameID(body)
	if err != nil || kind != remote.KindResponse || !s.in.answered(s, id) {
		return
	}
	var buf [96]byte
	reply := strconv.AppendUint(append(append(buf[:0], s.key.client...), '.'), id, 10)
	s.in.ws.rep.send(s.in, string(reply), body)
}
