// Package recordcache keeps decoded store records by version, for the read
// paths that decode many records per request.
package recordcache

import (
	"encoding/json"
	"hash/maphash"
	"sync"

	"github.com/deskplane/deskplane"
)

// Cache keeps decoded records of one type, keyed by key, Seq and Version:
// a record's Version grows on every write and its Seq changes when it is
// deleted and written again, so a hit is always the record as stored, on
// this node or any other sharing the store. It exists for read paths that
// decode many records per request (DescribeWorkspaces decodes 25), where
// JSON decoding dominates. Entries are shared: callers must not modify them.
// The cache is bounded: a shard that fills up is emptied.
//
// Decode only records read from the store as committed: never a record
// the same transaction wrote. A write inside a transaction that is later
// rolled back (or retried: Store.Update may run its function twice) could
// leave an entry under a key, Seq and Version that a different committed
// write reuses (bolt reuses the Seq of a rolled-back insert).
type Cache[T any] struct {
	seed     maphash.Seed
	perShard int
	build    func(data []byte) (*T, error)
	shards   [16]cacheShard[T]
}

type cacheShard[T any] struct {
	mu sync.Mutex
	m  map[cacheKey]*T
}

type cacheKey struct {
	key      deskplane.Key
	seq, ver int64
}

// New returns a cache of capacity entries that makes an entry from a
// record's data with build.
func New[T any](capacity int, build func(data []byte) (*T, error)) *Cache[T] {
	c := &Cache[T]{seed: maphash.MakeSeed(), perShard: max(capacity/16, 1), build: build}
	for i := range c.shards {
		c.shards[i].m = make(map[cacheKey]*T)
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

// Decode returns the decoded record, from the cache when it holds this
// version.
func (c *Cache[T]) Decode(r deskplane.Record) (*T, error) {
	k := cacheKey{key: r.Key, seq: r.Seq, ver: r.Version}
	sh := &c.shards[maphash.String(c.seed, r.ID)%uint64(len(c.shards))]
	sh.mu.Lock()
	v, ok := sh.m[k]
	sh.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := c.build(r.Data)
	if err != nil {
		return nil, err
	}
	sh.mu.Lock()
	if len(sh.m) >= c.perShard {
		clear(sh.m)
	}
	sh.m[k] = v
	sh.mu.Unlock()
	return v, nil
}
