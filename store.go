package deskplane

import (
	"context"
	"errors"
	"time"
)

// Scope partitions all state: every resource belongs to one account in one
// region. Cross-account views (shared images, shared connection aliases,
// account links) are kept as records in the viewer's scope that point at the
// owner's resource.
type Scope struct {
	Account string
	Region  string
}

// Kind names a type of record, such as "workspace" or "image".
type Kind string

// Key identifies one record. Its strings must be valid UTF-8 without NUL.
type Key struct {
	Scope
	Kind Kind
	ID   string
}

// Record is what the store keeps for a key.
type Record struct {
	Key
	// Seq is assigned by the store when the key is first written and never
	// changes afterwards; it orders List results (creation order). Seq values
	// are unique across the whole store and grow monotonically in allocation
	// order, which with several writers need not be commit order. A key
	// deleted and written again gets a new Seq and Version 1.
	Seq int64
	// Version starts at 1 and grows by one on every Put of the key.
	Version int64
	// Data is the record's body, opaque to the store (JSON by convention).
	Data []byte
}

// Timer is a persisted, clock-driven action on one resource: the lifecycle
// engine fires it once the clock reaches Due. A key has at most one timer of
// a given Name; scheduling the same (Key, Name) again replaces it.
type Timer struct {
	Key  Key
	Name string
	Due  time.Time
	// Payload is opaque to the store (a small JSON document by convention).
	Payload []byte
}

// ErrNotFound is returned by Tx.Get when no record has the key.
var ErrNotFound = errors.New("deskplane: record not found")

// ErrConflict is returned by Store.Update when a transaction could not be
// committed because of a concurrent writer and retries were exhausted.
var ErrConflict = errors.New("deskplane: transaction conflict")

// Store is durable state. Implementations: internal/memory (throwaway),
// internal/bolt (embedded, the default) and internal/postgres (several nodes
// serving one fleet). All pass the conformance suite in internal/storetest.
type Store interface {
	// Update runs fn in a read-write transaction and commits it if fn
	// returns nil. When Update returns nil the writes are durable.
	// fn may be called more than once (optimistic concurrency retries), so it
	// must have no effects outside the Tx until Update returns. fn must not
	// call Update or View on the same store (it would deadlock). Timers that
	// fn obtained from Due stay claimed until the transaction ends.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction with a consistent snapshot;
	// writes in it fail.
	View(ctx context.Context, fn func(Tx) error) error
	// Close releases the store. Pending transactions finish first.
	Close() error
}

// Tx is one transaction. It must not be used after the function it was
// handed to returns.
type Tx interface {
	// Get returns the record, or ErrNotFound.
	Get(k Key) (Record, error)
	// Prefetch says that fn is about to Get these keys (absent ones
	// included). It changes no result: a store whose reads are local
	// ignores it; a remote one may read them together, so that the Gets
	// that follow cost no round trip each. It may also begin the
	// transaction and lock the keys' scopes as a Get of them would.
	Prefetch(keys []Key) error
	// Put inserts or replaces the record and returns it as stored.
	Put(k Key, data []byte) (Record, error)
	// Delete removes the record and every timer of the key; it reports
	// whether the record existed.
	Delete(k Key) (bool, error)
	// List calls fn for each record of the kind in the scope with Seq greater
	// than afterSeq, in ascending Seq order, until fn returns false. The
	// record's Data is valid only until fn returns: copy it to keep it.
	List(s Scope, kind Kind, afterSeq int64, fn func(Record) bool) error
	// Count returns how many records of the kind the scope holds.
	Count(s Scope, kind Kind) (int, error)
	// Regions returns, in ascending order, the Regions in which the
	// account holds at least one record (the control API's per-account
	// reset uses it to find what other accounts keep of it).
	Regions(account string) ([]string, error)

	// Schedule creates or replaces the timer (t.Key, t.Name).
	Schedule(t Timer) error
	// Cancel removes the timer (k, name) if there is one.
	Cancel(k Key, name string) error
	// Timers returns the timers of a key in ascending Due order.
	Timers(k Key) ([]Timer, error)
	// Due returns up to limit timers with Due <= now, earliest first (ties
	// ordered by account, region, kind, id and name). In a
	// read-write transaction of a store shared by several nodes, the timers
	// returned are claimed: no concurrent transaction gets them as well.
	Due(now time.Time, limit int) ([]Timer, error)
	// NextDue returns the earliest Due of all timers, and false if there is
	// none.
	NextDue() (time.Time, bool, error)

	// Reset deletes every record and timer of an account, or of all accounts
	// when account is empty.
	Reset(account string) error
}

// PageReader is an optional Store method for read paths that keep what
// they make of each record version in a cache (DescribeWorkspaces keeps
// each WorkSpace's wire JSON by Seq and Version): a page of a kind and one
// other record read together, with the Data only of the records the caller
// lacks. A store where a read transaction costs round trips and every
// byte of Data is sent over a connection (PostgreSQL) implements it; the
// others need not. Find it with PageReaderOf.
type PageReader interface {
	// ReadPage returns the store's committed state at one moment between
	// the call and its return: the record q.With (if it exists) and up to
	// q.Limit records of q.Kind in q.Scope with Seq greater than
	// q.AfterSeq, in ascending Seq order, as List would give them, and
	// whether more follow.
	ReadPage(ctx context.Context, q PageQuery) (Page, error)
}

// PageQuery is what ReadPage reads.
type PageQuery struct {
	// With is a record read along with the page (the scope's settings);
	// its Data is always returned.
	With     Key
	Scope    Scope
	Kind     Kind
	AfterSeq int64
	Limit    int
	// Have is called with listed records that have no Data yet (Key, Seq
	// and Version set). It reports whether the caller already holds what
	// it needs of that version; such records may come back without Data.
	// It may be called again for a record when the store reads again.
	Have func(Record) bool
}

// Page is what ReadPage read.
type Page struct {
	With      Record
	WithFound bool
	// Records are in ascending Seq order. A record's Data is nil only if
	// Have returned true for its Seq and Version.
	Records []Record
	// More is true when a record of the kind follows the last one.
	More bool
}

// PageReaderOf returns the PageReader of s, looking through wrappers that
// have an Unwrap() Store method, and false when s has none.
func PageReaderOf(s Store) (PageReader, bool) {
	for {
		if pr, ok := s.(PageReader); ok {
			return pr, true
		}
		u, ok := s.(interface{ Unwrap() Store })
		if !ok {
			return nil, false
		}
		s = u.Unwrap()
	}
}
