package bolt

import (
	"go.etcd.io/bbolt"
)

// Resident memory
//
// bbolt reads the file through a shared, read-only memory map, so every
// page a transaction has looked at stays counted in the process's resident
// set (RssFile) until the map is replaced, which bbolt does only when the
// file outgrows it: a store that has touched most of a 2 GB file shows
// 2 GB resident although the kernel may drop those pages at any time.
// Every trimEvery transactions (Updates and Views) the store tells the
// kernel that it does not need the mapped pages any more (madvise
// MADV_DONTNEED, Linux). The data stay in the page cache and in the file;
// the next access to a page maps it again (a minor fault), so only the
// pages in use come back. Nothing is lost: the map is read-only and
// shared, never written through. See docs/decisions/0346-bolt-resident-memory.md.

// defaultTrimEvery is Options.TrimEvery's default.
const defaultTrimEvery = 4096

// countTx counts a transaction and trims the map every trimEvery of them.
func (s *Store) countTx() {
	if s.trimEvery <= 0 {
		return
	}
	if s.txs.Add(1)%int64(s.trimEvery) == 0 {
		s.trim()
	}
}

// trim releases the mapped pages of the file from the resident set. It
// runs in a read transaction, which keeps bbolt from replacing the map
// meanwhile; the size is that of the transaction's snapshot, which the map
// covers.
func (s *Store) trim() {
	_ = s.db.View(func(btx *bbolt.Tx) error {
		dontNeed(s.db.Info().Data, btx.Size())
		return nil
	})
}
