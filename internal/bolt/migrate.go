package bolt

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"
)

// migration moves the file from schema version-1 to version.
type migration struct {
	version int
	name    string
	up      func(*bbolt.Tx) error
}

// migrations is the schema's history. Append only: a released migration
// never changes.
func migrations() []migration {
	return []migration{
		{1, "create the data buckets", func(btx *bbolt.Tx) error {
			for _, name := range [][]byte{bucketRecordsV1, bucketSeqV1, bucketCounts, bucketTimers, bucketTimerKeys} {
				if _, err := btx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			return nil
		}},
		{2, "store records under their sequence key", recordsBySeq},
	}
}

// Schema 1 kept records by ID and a Seq index beside them:
//
//	records  esc(account) esc(region) esc(kind) esc(id) → seq u64, version u64, data
//	seq      esc(account) esc(region) esc(kind) seq u64 → id
//
// so a page of List was a cursor over seq plus one records lookup per
// record. Schema 2 stores the record under its Seq and makes the ID the
// index (see the package comment):
//
//	rows     esc(account) esc(region) esc(kind) seq u64 → uvarint version, uvarint len(id), id, data
//	ids      esc(account) esc(region) esc(kind) esc(id) → seq u64
//
// counts, timers, timerkeys and meta (with the Seq sequence) are the same.
var (
	bucketRecordsV1 = []byte("records")
	bucketSeqV1     = []byte("seq")
)

// recordsBySeq moves schema 1's records into rows and ids, then drops the
// old buckets. It runs in the one transaction of migrate: bbolt holds every
// page it rewrites in memory until the commit, about the size of the
// records, once.
func recordsBySeq(btx *bbolt.Tx) error {
	rows, err := btx.CreateBucketIfNotExists(bucketRows)
	if err != nil {
		return err
	}
	ids, err := btx.CreateBucketIfNotExists(bucketIDs)
	if err != nil {
		return err
	}
	old := btx.Bucket(bucketRecordsV1)
	if old != nil {
		// bbolt splits the nodes it built at the commit, whatever the
		// order of the inserts: pages come out as full as new ones.
		rows.FillPercent = rowsFillPercent
		c := old.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(v) < 16 {
				return fmt.Errorf("malformed schema-1 record %q", k)
			}
			seq := int64(binary.BigEndian.Uint64(v))
			version := int64(binary.BigEndian.Uint64(v[8:]))
			kp, id, err := splitRecordKeyV1(k)
			if err != nil {
				return err
			}
			rk := recordSeqKey(kp, seq)
			if err := rows.Put(rk, encodeRecord(version, id, v[16:])); err != nil {
				return err
			}
			if err := ids.Put(slices.Clone(k), rk[len(kp):]); err != nil {
				return err
			}
		}
		if err := btx.DeleteBucket(bucketRecordsV1); err != nil {
			return err
		}
	}
	if btx.Bucket(bucketSeqV1) != nil {
		if err := btx.DeleteBucket(bucketSeqV1); err != nil {
			return err
		}
	}
	return nil
}

// splitRecordKeyV1 splits a schema-1 records key into its kind prefix
// (esc(account) esc(region) esc(kind)) and the ID.
func splitRecordKeyV1(k []byte) (kp []byte, id string, err error) {
	rest := k
	for range 3 {
		if _, rest, err = cutEsc(rest); err != nil {
			return nil, "", err
		}
	}
	kp = k[: len(k)-len(rest) : len(k)-len(rest)]
	id, rest, err = cutEsc(rest)
	if err != nil {
		return nil, "", err
	}
	if len(rest) != 0 {
		return nil, "", errBadKey
	}
	return kp, id, nil
}

// migrate brings the file to the last version of ms in one transaction:
// either every pending migration applies or none does.
func migrate(db *bbolt.DB, ms []migration, now func() time.Time) error {
	for i, m := range ms {
		if m.version != i+1 {
			return fmt.Errorf("migration %q has version %d, want %d", m.name, m.version, i+1)
		}
	}
	latest := uint64(len(ms))
	// A read first, so that opening an up-to-date file writes nothing.
	var current uint64
	if err := db.View(func(btx *bbolt.Tx) error {
		current = schemaVersion(btx)
		return nil
	}); err != nil {
		return err
	}
	if current > latest {
		return fmt.Errorf("schema version %d is newer than this program's %d", current, latest)
	}
	if current == latest {
		return nil
	}
	return db.Update(func(btx *bbolt.Tx) error {
		meta, err := btx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		applied, err := meta.CreateBucketIfNotExists(bucketMigrations)
		if err != nil {
			return err
		}
		for _, m := range ms[schemaVersion(btx):] {
			if err := m.up(btx); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			v := binary.BigEndian.AppendUint64(nil, uint64(m.version))
			note := append([]byte(m.name+"\x00"), now().UTC().Format(time.RFC3339)...)
			if err := applied.Put(v, note); err != nil {
				return err
			}
			if err := meta.Put(keySchema, v); err != nil {
				return err
			}
		}
		return nil
	})
}

func schemaVersion(btx *bbolt.Tx) uint64 {
	meta := btx.Bucket(bucketMeta)
	if meta == nil {
		return 0
	}
	v := meta.Get(keySchema)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}
