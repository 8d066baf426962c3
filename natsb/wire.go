package natsb

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-go/sluice/remote"
)

// DefaultPrefix is the first token of every subject the backend uses,
// unless [WithPrefix] (dispatcher) or [WithWorkerPrefix] sets another.
const DefaultPrefix = "sluice"

// Subjects, under the prefix P:
//
//	P.announce       an instance's state (JSON), at start, on every
//	                 heartbeat, when it leaves and when it is gone
//	P.discover       a dispatcher asks every instance to announce now
//	P.w.ID           an instance's tasks: remote request and cancel frames
//	P.client.gone    a dispatcher that closes (its inbox as the body)
func announceSubject(p string) string     { return p + ".announce" }
func discoverSubject(p string) string     { return p + ".discover" }
func clientGoneSubject(p string) string   { return p + ".client.gone" }
func instanceSubject(p, id string) string { return p + ".w." + id }

// The states an instance announces.
const (
	stateUp      = "up"
	stateLeaving = "leaving" // draining: no new tasks
	stateGone    = "gone"    // drained and unsubscribed
)

// announcement is what an instance publishes on P.announce.
type announcement struct {
	ID        string   `json:"id"`
	Subject   string   `json:"subject"`
	State     string   `json:"state"`
	Lanes     int      `json:"lanes"`
	Names     []string `json:"names"`
	Heartbeat int64    `json:"heartbeat_ns"`
	Server    string   `json:"server"` // the NATS server and client id of
	Client    uint64   `json:"client"` // its connection, for disconnect events
}

func (a announcement) heartbeat() time.Duration { return time.Duration(a.Heartbeat) }

func (a announcement) marshal() []byte {
	b, _ := json.Marshal(a) // cannot fail: plain fields
	return b
}

// disconnectEvent is the part of the server's $SYS disconnect event the
// dispatcher reads.
type disconnectEvent struct {
	Server struct {
		ID string `json:"id"`
	} `json:"server"`
	Client struct {
		ID     uint64 `json:"id"`
		Server string `json:"server"`
	} `json:"client"`
}

// Headers of control messages on an instance's subject.
const (
	hdrOp     = "Sluice-Op"
	hdrWorker = "Sluice-Worker"
	opEnd     = "end" // the dispatcher's worker ended: close its session
)

var errShortFrame = errors.New("natsb: short frame")

// frameID reads the kind and the id at the start of a request, cancel or
// response frame body, and returns where the rest begins.
func frameID(body []byte) (remote.Kind, uint64, int, error) {
	if len(body) < 2 {
		return 0, 0, 0, errShortFrame
	}
	id, n := binary.Uvarint(body[1:])
	if n <= 0 {
		return 0, 0, 0, errShortFrame
	}
	return remote.Kind(body[0]), id, 1 + n, nil
}

// withID returns the frame body with its id replaced, with the 4-byte
// length prefix of a stream frame in front: the relay between a NATS
// message and a remote session rewrites ids without decoding the rest,
// so payloads and errors cross byte for byte.
func withID(kind remote.Kind, id uint64, rest []byte) []byte {
	b := make([]byte, 4, 4+1+binary.MaxVarintLen64+len(rest))
	b = append(b, byte(kind))
	b = binary.AppendUvarint(b, id)
	b = append(b, rest...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// replyID splits a reply subject INBOX.BACKEND.ID into the client key
// (INBOX.BACKEND) and the call id.
func replyID(reply string) (string, uint64, bool) {
	i := strings.LastIndexByte(reply, '.')
	if i < 0 {
		return "", 0, false
	}
	id, err := strconv.ParseUint(reply[i+1:], 10, 64)
	return reply[:i], id, err == nil
}
