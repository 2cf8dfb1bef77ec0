// Package recordcache keeps what read paths make of store records (decoded
// records, their encoded wire form) by record version, within a bound on
// memory.
package recordcache

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/deskplane/deskplane"
)

// Cache keeps one entry per record version, made from the record's data.
// A record's Seq is unique across the whole store and is never reused for
// another key (a key deleted and written again gets a new one), and its
// Version grows on every write, so an entry found under (Seq, Version) is
// made from the record as stored now, whichever node of a shared store
// wrote it. Entries also carry the record's ID, which a hit must match:
// a store that broke the Seq contract would miss, never serve another
// record's entry.
//
// It exists for read paths that handle many records per request
// (DescribeWorkspaces makes the wire form of 25), where decoding and
// encoding dominate. Entries are shared: callers must not modify them.
//
// The cache is bounded by bytes, as the size function counts them: a shard
// that would grow past its share is emptied first.
//
// Use only records read from the store as committed: never a record the
// same transaction wrote. A write inside a transaction that is later
// rolled back (or retried: Store.Update may run its function twice) could
// leave an entry under a Seq and Version that a different committed write
// reuses (bolt reuses the Seq of a rolled-back insert).
type Cache[T any] struct {
	perShard int64
	build    func(data []byte) (*T, error)
	size     func(*T) int
	shards   [shards]cacheShard[T]
}

const shards = 16

type cacheShard[T any] struct {
	mu    sync.Mutex
	bytes int64
	m     map[version]entry[T]
	_     [40]byte // keeps shards' locks on separate cache lines
}

// version names one record version.
type version struct{ seq, ver int64 }

type entry[T any] struct {
	id string
	v  *T
}

// EntryOverhead is what an entry costs beyond what the size function
// counts: the map slot, the entry and the ID's string header, rounded up.
const EntryOverhead = 96

// New returns a cache holding at most maxBytes (as size counts them, plus
// EntryOverhead and the ID per entry) that makes an entry from a record's
// data with build. A nil size counts every entry as EntryOverhead and its
// ID alone.
func New[T any](maxBytes int64, build func(data []byte) (*T, error), size func(*T) int) *Cache[T] {
	c := &Cache[T]{perShard: max(maxBytes/shards, 1), build: build, size: size}
	for i := range c.shards {
		c.shards[i].m = make(map[version]entry[T])
	}
	return c
}

// JSON builds an entry by decoding the record's JSON.
func JSON[T any](data []byte) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	return v, nil
}

func (c *Cache[T]) shard(seq int64) *cacheShard[T] {
	// Seqs are dense and grow: the low bits spread consecutive records.
	return &c.shards[uint64(seq)%shards]
}

// Lookup returns the entry of the record's version when the cache holds
// it; r.Data is not looked at (it may be nil).
func (c *Cache[T]) Lookup(r deskplane.Record) (*T, bool) {
	sh := c.shard(r.Seq)
	sh.mu.Lock()
	e, ok := sh.m[version{r.Seq, r.Version}]
	sh.mu.Unlock()
	if !ok || e.id != r.ID {
		return nil, false
	}
	return e.v, true
}

// Get returns the entry of the record's version, made now (and kept) when
// the cache does not hold it.
func (c *Cache[T]) Get(r deskplane.Record) (*T, error) {
	k := version{r.Seq, r.Version}
	sh := c.shard(r.Seq)
	sh.mu.Lock()
	e, ok := sh.m[k]
	sh.mu.Unlock()
	if ok && e.id == r.ID {
		return e.v, nil
	}
	v, err := c.build(r.Data)
	if err != nil {
		return nil, err
	}
	n := int64(EntryOverhead + len(r.ID))
	if c.size != nil {
		n += int64(c.size(v))
	}
	if n > c.perShard {
		return v, nil // too large to keep
	}
	e = entry[T]{id: strings.Clone(r.ID), v: v}
	sh.mu.Lock()
	if old, ok := sh.m[k]; ok {
		// Another request made it meanwhile (or a store broke the Seq
		// contract): replace it, counting it out.
		sh.bytes -= c.cost(old)
	}
	if sh.bytes+n > c.perShard {
		clear(sh.m)
		sh.bytes = 0
	}
	sh.m[k] = e
	sh.bytes += n
	sh.mu.Unlock()
	return v, nil
}

// cost is what an entry was counted as when it was added.
func (c *Cache[T]) cost(e entry[T]) int64 {
	n := int64(EntryOverhead + len(e.id))
	if c.size != nil {
		n += int64(c.size(e.v))
	}
	return n
}

// Bytes returns the bytes the cache counts as held.
func (c *Cache[T]) Bytes() int64 {
	var n int64
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += sh.bytes
		sh.mu.Unlock()
	}
	return n
}

// Len returns the number of entries held.
func (c *Cache[T]) Len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
