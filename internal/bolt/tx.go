package bolt

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/deskplane/deskplane"
)

var (
	errReadOnly = errors.New("bolt: write in a read-only transaction")
	errTxDone   = errors.New("bolt: transaction used after its function returned")
)

var (
	bucketMeta       = []byte("meta")
	bucketMigrations = []byte("migrations") // inside meta
	bucketRows       = []byte("rows")
	bucketIDs        = []byte("ids")
	bucketCounts     = []byte("counts")
	bucketTimers     = []byte("timers")
	bucketTimerKeys  = []byte("timerkeys")
	keySchema        = []byte("schema")
)

// dataBuckets are the buckets Reset("") empties.
var dataBuckets = [][]byte{bucketRows, bucketIDs, bucketCounts, bucketTimers, bucketTimerKeys}

// tx adapts a bbolt transaction to deskplane.Tx. In a batch, each fn gets
// its own tx over the shared bbolt transaction.
type tx struct {
	btx      *bbolt.Tx
	writable bool
	done     bool
	wrote    bool // a write was attempted: rolling back is needed to undo fn

	// Buckets, opened on first use (a View that only Gets opens one), and
	// a cursor for each, for lookups (get).
	buckets [6]*bbolt.Bucket
	cursors [6]*bbolt.Cursor
}

// Indexes into tx.buckets.
const (
	bMeta = iota
	bRows
	bIDs
	bCounts
	bTimers
	bTimerKeys
)

var bucketNames = [...][]byte{bucketMeta, bucketRows, bucketIDs, bucketCounts, bucketTimers, bucketTimerKeys}

func newTx(btx *bbolt.Tx) *tx { return &tx{btx: btx} }

func (t *tx) bucket(i int) *bbolt.Bucket {
	if b := t.buckets[i]; b != nil {
		return b
	}
	b := t.btx.Bucket(bucketNames[i])
	if (i == bRows || i == bTimers) && b != nil {
		// Records of a kind are appended in Seq order, timers mostly in
		// Due order: full pages, not half-full ones, with room left for a
		// record that grows when it is rewritten (bbolt splits a page only
		// past this fill).
		b.FillPercent = rowsFillPercent
	}
	t.buckets[i] = b
	return b
}

// get is Bucket.Get through a cursor kept for the transaction: bbolt's
// Get makes a new cursor, and grows its stack, at every call. Seek starts
// from the bucket's root each time, so writes in between are seen.
func (t *tx) get(i int, key []byte) []byte {
	c := t.cursors[i]
	if c == nil {
		c = t.bucket(i).Cursor()
		t.cursors[i] = c
	}
	k, v := c.Seek(key)
	if !bytes.Equal(k, key) {
		return nil
	}
	return v
}

func (t *tx) meta() *bbolt.Bucket      { return t.bucket(bMeta) }
func (t *tx) rows() *bbolt.Bucket      { return t.bucket(bRows) }
func (t *tx) ids() *bbolt.Bucket       { return t.bucket(bIDs) }
func (t *tx) counts() *bbolt.Bucket    { return t.bucket(bCounts) }
func (t *tx) timers() *bbolt.Bucket    { return t.bucket(bTimers) }
func (t *tx) timerKeys() *bbolt.Bucket { return t.bucket(bTimerKeys) }

func (t *tx) check(write bool) error {
	if t.done {
		return errTxDone
	}
	if write {
		if !t.writable {
			return errReadOnly
		}
		t.wrote = true
	}
	return nil
}

// rowsFillPercent is the bbolt FillPercent of rows and timers.
const rowsFillPercent = 0.9

// locate finds a record: its kind prefix, its key in rows and its value,
// or a nil value if there is no such record.
func (t *tx) locate(k deskplane.Key) (kp, rk, v []byte, err error) {
	// One buffer for the kind prefix and the ids key (escaping may make
	// it longer than guessed; append then copies).
	buf := make([]byte, 0, len(k.Account)+len(k.Region)+len(k.Kind)+len(k.ID)+8)
	buf = appendEsc(appendEsc(appendEsc(buf, k.Account), k.Region), string(k.Kind))
	kp = buf[:len(buf):len(buf)]
	ik := appendEsc(buf, k.ID)
	sv := t.get(bIDs, ik)
	if sv == nil {
		return kp, nil, nil, nil
	}
	seq, err := decodeSeq(sv)
	if err != nil {
		return kp, nil, nil, err
	}
	rk = recordSeqKey(kp, seq)
	v = t.get(bRows, rk)
	if v == nil {
		return kp, nil, nil, errors.New("bolt: ids index points at a missing record")
	}
	return kp, rk, v, nil
}

// Prefetch has nothing to do: reads are local.
func (t *tx) Prefetch([]deskplane.Key) error { return t.check(false) }

func (t *tx) Get(k deskplane.Key) (deskplane.Record, error) {
	if err := t.check(false); err != nil {
		return deskplane.Record{}, err
	}
	_, rk, v, err := t.locate(k)
	if err != nil {
		return deskplane.Record{}, err
	}
	if v == nil {
		return deskplane.Record{}, deskplane.ErrNotFound
	}
	r, err := recordView(k, rk, v)
	// bolt's memory is valid only in the transaction.
	r.Data = slices.Clone(r.Data)
	return r, err
}

// recordView decodes a rows entry without copying: Data points into
// bolt's memory, valid only while the transaction lasts and the value is
// not rewritten (List hands it to a callback that must not keep it).
func recordView(k deskplane.Key, rk, v []byte) (deskplane.Record, error) {
	seq, err := decodeSeq(rk[len(rk)-8:])
	if err != nil {
		return deskplane.Record{}, err
	}
	version, _, data, err := cutRecord(v)
	if err != nil {
		return deskplane.Record{}, err
	}
	return deskplane.Record{Key: k, Seq: seq, Version: version, Data: data}, nil
}

func (t *tx) Put(k deskplane.Key, data []byte) (deskplane.Record, error) {
	if err := t.check(true); err != nil {
		return deskplane.Record{}, err
	}
	kp, rk, old, err := t.locate(k)
	if err != nil {
		return deskplane.Record{}, err
	}
	var seq, version int64 = 0, 1
	if old != nil {
		r, err := recordView(k, rk, old)
		if err != nil {
			return deskplane.Record{}, err
		}
		seq, version = r.Seq, r.Version+1
	} else {
		next, err := t.meta().NextSequence()
		if err != nil {
			return deskplane.Record{}, err
		}
		seq = int64(next)
		rk = recordSeqKey(kp, seq)
		if err := t.ids().Put(appendEsc(slices.Clip(kp), k.ID), rk[len(kp):]); err != nil {
			return deskplane.Record{}, err
		}
		if err := t.addCount(kp, 1); err != nil {
			return deskplane.Record{}, err
		}
	}
	if err := t.rows().Put(rk, encodeRecord(version, k.ID, data)); err != nil {
		return deskplane.Record{}, err
	}
	return deskplane.Record{Key: k, Seq: seq, Version: version, Data: slices.Clone(data)}, nil
}

func (t *tx) addCount(kp []byte, delta int) error {
	n := int64(decodeCount(t.get(bCounts, kp))) + int64(delta)
	if n <= 0 {
		return t.counts().Delete(kp)
	}
	return t.counts().Put(kp, encodeCount(uint64(n)))
}

func (t *tx) Delete(k deskplane.Key) (bool, error) {
	if err := t.check(true); err != nil {
		return false, err
	}
	kp, rk, old, err := t.locate(k)
	if err != nil {
		return false, err
	}
	ik := appendEsc(slices.Clip(kp), k.ID)
	if old != nil {
		if err := t.rows().Delete(rk); err != nil {
			return false, err
		}
		if err := t.ids().Delete(ik); err != nil {
			return false, err
		}
		if err := t.addCount(kp, -1); err != nil {
			return false, err
		}
	}
	// Every timer of the key. The prefix is the ids key, which ends in a
	// terminator, so only this key's timers match.
	if err := t.deleteTimers(ik); err != nil {
		return false, err
	}
	return old != nil, nil
}

// deleteTimers removes the timers whose timerkeys entry starts with prefix.
func (t *tx) deleteTimers(prefix []byte) error {
	for {
		// Collect first, then delete: deleting under a cursor skips keys.
		var tks, dues [][]byte
		c := t.timerKeys().Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(tks) < 1000; k, v = c.Next() {
			tks = append(tks, slices.Clone(k))
			dues = append(dues, slices.Clone(v))
		}
		if len(tks) == 0 {
			return nil
		}
		for i, tk := range tks {
			if err := t.timers().Delete(append(dues[i], tk...)); err != nil {
				return err
			}
			if err := t.timerKeys().Delete(tk); err != nil {
				return err
			}
		}
	}
}

func (t *tx) List(sc deskplane.Scope, kind deskplane.Kind, afterSeq int64, fn func(deskplane.Record) bool) error {
	if err := t.check(false); err != nil {
		return err
	}
	kp := kindPrefix(sc, kind)
	start, ok := afterSeqKey(kp, afterSeq)
	if !ok {
		return nil
	}
	// One cursor over the kind's records, in Seq order: no second lookup.
	c := t.rows().Cursor()
	for k, v := c.Seek(start); k != nil && len(k) == len(kp)+8 && bytes.HasPrefix(k, kp); k, v = c.Next() {
		seq, err := decodeSeq(k[len(kp):])
		if err != nil {
			return err
		}
		version, id, data, err := cutRecord(v)
		if err != nil {
			return err
		}
		key := deskplane.Key{Scope: sc, Kind: kind, ID: string(id)}
		if !fn(deskplane.Record{Key: key, Seq: seq, Version: version, Data: data}) {
			return nil
		}
	}
	return nil
}

func (t *tx) Count(sc deskplane.Scope, kind deskplane.Kind) (int, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	return int(decodeCount(t.get(bCounts, kindPrefix(sc, kind)))), nil
}

// Regions reads the counts bucket: esc(account) esc(region) esc(kind) →
// count, so an account's Regions are one prefix scan.
func (t *tx) Regions(account string) ([]string, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	var out []string
	prefix := accountPrefix(account)
	c := t.counts().Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		region, _, err := cutEsc(k[len(prefix):])
		if err != nil {
			return nil, err
		}
		if decodeCount(v) > 0 && (len(out) == 0 || out[len(out)-1] != region) {
			out = append(out, region)
		}
	}
	return out, nil
}

func (t *tx) Schedule(tm deskplane.Timer) error {
	if err := t.check(true); err != nil {
		return err
	}
	tk := timerKeyName(tm.Key, tm.Name)
	if old := t.get(bTimerKeys, tk); old != nil {
		if err := t.timers().Delete(append(slices.Clone(old), tk...)); err != nil {
			return err
		}
	}
	due := appendDue(nil, tm.Due)
	if err := t.timers().Put(append(due[:dueLen:dueLen], tk...), slices.Clone(tm.Payload)); err != nil {
		return err
	}
	return t.timerKeys().Put(tk, due)
}

func (t *tx) Cancel(k deskplane.Key, name string) error {
	if err := t.check(true); err != nil {
		return err
	}
	tk := timerKeyName(k, name)
	old := t.get(bTimerKeys, tk)
	if old == nil {
		return nil
	}
	if err := t.timers().Delete(append(slices.Clone(old), tk...)); err != nil {
		return err
	}
	return t.timerKeys().Delete(tk)
}

func (t *tx) Timers(k deskplane.Key) ([]deskplane.Timer, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	prefix := recordKey(k)
	var out []deskplane.Timer
	c := t.timerKeys().Cursor()
	for tk, due := c.Seek(prefix); tk != nil && bytes.HasPrefix(tk, prefix); tk, due = c.Next() {
		name, rest, err := cutEsc(tk[len(prefix):])
		if err != nil || len(rest) != 0 || len(due) != dueLen {
			return nil, errBadKey
		}
		payload := t.timers().Get(append(slices.Clone(due), tk...))
		out = append(out, deskplane.Timer{Key: k, Name: name, Due: decodeDue(due), Payload: clonePayload(payload)})
	}
	slices.SortStableFunc(out, func(a, b deskplane.Timer) int { return a.Due.Compare(b.Due) })
	return out, nil
}

// clonePayload copies bolt's memory; an empty payload reads as nil.
func clonePayload(p []byte) []byte {
	if len(p) == 0 {
		return nil
	}
	return slices.Clone(p)
}

func (t *tx) Due(now time.Time, limit int) ([]deskplane.Timer, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	end := appendDue(nil, now)
	var out []deskplane.Timer
	c := t.timers().Cursor()
	for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
		if len(k) < dueLen || bytes.Compare(k[:dueLen], end) > 0 {
			break
		}
		key, name, err := decodeTimerKeyName(k[dueLen:])
		if err != nil {
			return nil, err
		}
		out = append(out, deskplane.Timer{Key: key, Name: name, Due: decodeDue(k), Payload: clonePayload(v)})
	}
	return out, nil
}

func (t *tx) NextDue() (time.Time, bool, error) {
	if err := t.check(false); err != nil {
		return time.Time{}, false, err
	}
	k, _ := t.timers().Cursor().First()
	if k == nil {
		return time.Time{}, false, nil
	}
	if len(k) < dueLen {
		return time.Time{}, false, errBadKey
	}
	return decodeDue(k), true, nil
}

func (t *tx) Reset(account string) error {
	if err := t.check(true); err != nil {
		return err
	}
	if account == "" {
		for _, name := range dataBuckets {
			if err := t.btx.DeleteBucket(name); err != nil {
				return err
			}
			if _, err := t.btx.CreateBucket(name); err != nil {
				return err
			}
		}
		t.buckets = [6]*bbolt.Bucket{}
		t.cursors = [6]*bbolt.Cursor{}
		return nil
	}
	prefix := accountPrefix(account)
	if err := t.deleteTimers(prefix); err != nil {
		return err
	}
	for _, b := range []*bbolt.Bucket{t.rows(), t.ids(), t.counts()} {
		if err := deletePrefix(b, prefix); err != nil {
			return err
		}
	}
	return nil
}

// deletePrefix deletes every key of b that starts with prefix, in chunks.
func deletePrefix(b *bbolt.Bucket, prefix []byte) error {
	for {
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(keys) < 1000; k, _ = c.Next() {
			keys = append(keys, slices.Clone(k))
		}
		if len(keys) == 0 {
			return nil
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
}
