package bolt

import (
	"encoding/binary"
	"fmt"
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
			for _, name := range dataBuckets {
				if _, err := btx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			return nil
		}},
	}
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
