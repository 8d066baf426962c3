package remote

import "encoding/binary"

// decoder reads the fields of a frame body. The first failure sticks:
// every later read returns a zero value, so callers check err once.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = ErrBadFrame
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// int reads a non-negative int.
func (d *decoder) int() int {
	v := d.uvarint()
	if v > 1<<31-1 {
		d.fail()
		return 0
	}
	return int(v)
}

// count reads a number of items that follow, each at least one byte
// long, so a corrupt count cannot make the caller allocate beyond the
// input.
func (d *decoder) count() int {
	n := d.int()
	if n > len(d.b) {
		d.fail()
		return 0
	}
	return n
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	return string(d.bytes())
}

// rest returns what is left, or nil if nothing is.
func (d *decoder) rest() []byte {
	if len(d.b) == 0 {
		return nil
	}
	v := d.b
	d.b = nil
	return v
}
