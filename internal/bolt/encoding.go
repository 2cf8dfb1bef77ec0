package bolt

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/deskplane/deskplane"
)

// Strings in keys are escaped so that they are prefix-free and keep their
// byte order: 0x00 becomes 0x00 0xFF and the string ends with 0x00 0x01.
// A key made of several escaped strings therefore sorts like the tuple of
// the strings, and the escaped form of a prefix of the tuple is a byte
// prefix of the key (what Reset and List seek on).

func appendEsc(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			b = append(b, 0, 0xFF)
		} else {
			b = append(b, s[i])
		}
	}
	return append(b, 0, 1)
}

var errBadKey = errors.New("bolt: malformed key")

// cutEsc decodes one escaped string from the front of b.
func cutEsc(b []byte) (string, []byte, error) {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] != 0 {
			continue
		}
		if i+1 >= len(b) {
			return "", nil, errBadKey
		}
		switch b[i+1] {
		case 1:
			if out == nil {
				return string(b[:i]), b[i+2:], nil
			}
			out = append(out, b[:i]...)
			return string(out), b[i+2:], nil
		case 0xFF:
			out = append(out, b[:i+1]...)
			b = b[i+2:]
			i = -1
		default:
			return "", nil, errBadKey
		}
	}
	return "", nil, errBadKey
}

// accountPrefix is the prefix of every key of an account in the records,
// seq, counts and timerkeys buckets.
func accountPrefix(account string) []byte { return appendEsc(nil, account) }

// kindPrefix is the key in counts and the prefix in seq of a (scope, kind).
func kindPrefix(sc deskplane.Scope, kind deskplane.Kind) []byte {
	b := make([]byte, 0, len(sc.Account)+len(sc.Region)+len(kind)+6)
	b = appendEsc(b, sc.Account)
	b = appendEsc(b, sc.Region)
	return appendEsc(b, string(kind))
}

// recordKey is the key of a record in records and the prefix of its timers
// in timerkeys.
func recordKey(k deskplane.Key) []byte {
	return appendEsc(kindPrefix(k.Scope, k.Kind), k.ID)
}

// timerKeyName is a timer's key in timerkeys and, after its due time, in
// timers.
func timerKeyName(k deskplane.Key, name string) []byte {
	return appendEsc(recordKey(k), name)
}

func decodeTimerKeyName(b []byte) (deskplane.Key, string, error) {
	var k deskplane.Key
	var kind, name string
	var err error
	if k.Account, b, err = cutEsc(b); err != nil {
		return k, "", err
	}
	if k.Region, b, err = cutEsc(b); err != nil {
		return k, "", err
	}
	if kind, b, err = cutEsc(b); err != nil {
		return k, "", err
	}
	k.Kind = deskplane.Kind(kind)
	if k.ID, b, err = cutEsc(b); err != nil {
		return k, "", err
	}
	if name, b, err = cutEsc(b); err != nil {
		return k, "", err
	}
	if len(b) != 0 {
		return k, "", errBadKey
	}
	return k, name, nil
}

// dueLen is the length of an encoded due time: seconds since the epoch
// with the sign bit flipped (so that big-endian bytes sort like the
// numbers) and nanoseconds, which covers every time.Time.
const dueLen = 12

func appendDue(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

func decodeDue(b []byte) time.Time {
	sec := int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
	return time.Unix(sec, int64(binary.BigEndian.Uint32(b[8:]))).UTC()
}

func appendSeq(b []byte, seq int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(seq))
}

// recordSeqKey is a record's key in records: its kind prefix, then its Seq.
func recordSeqKey(kp []byte, seq int64) []byte {
	b := make([]byte, 0, len(kp)+8)
	return appendSeq(append(b, kp...), seq)
}

// A record's value in records: uvarint Version, uvarint length of the ID,
// the ID, then the data. The Seq is the key's last 8 bytes.
func encodeRecord(version int64, id string, data []byte) []byte {
	v := make([]byte, 0, 2*binary.MaxVarintLen64+len(id)+len(data))
	v = binary.AppendUvarint(v, uint64(version))
	v = binary.AppendUvarint(v, uint64(len(id)))
	v = append(v, id...)
	return append(v, data...)
}

var errBadRecord = errors.New("bolt: malformed record")

// cutRecord splits a records value into its Version, ID and data; id and
// data point into v.
func cutRecord(v []byte) (version int64, id, data []byte, err error) {
	ver, n := binary.Uvarint(v)
	if n <= 0 || ver > math.MaxInt64 {
		return 0, nil, nil, errBadRecord
	}
	v = v[n:]
	l, n := binary.Uvarint(v)
	if n <= 0 || l > uint64(len(v)-n) {
		return 0, nil, nil, errBadRecord
	}
	v = v[n:]
	return int64(ver), v[:l:l], v[l:len(v):len(v)], nil
}

// decodeSeq reads a Seq stored as 8 big-endian bytes (the ids bucket's
// values, the records bucket's key suffix).
func decodeSeq(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, errBadRecord
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

func encodeCount(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func decodeCount(v []byte) uint64 {
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// afterSeqKey is where List starts: the first records key after
// afterSeq, or false if there can be none.
func afterSeqKey(prefix []byte, afterSeq int64) ([]byte, bool) {
	if afterSeq == math.MaxInt64 {
		return nil, false
	}
	return appendSeq(append([]byte{}, prefix...), max(afterSeq, 0)+1), true
}
