// Package memory is a deskplane.Store that keeps everything in memory: the
// store behind -in-memory and behind fast tests. Nothing survives Close.
//
// Concurrency: one writer at a time (writeMu) and any number of readers.
// An Update runs fn against the committed state plus its own write set and
// takes the exclusive lock only to apply the write set, so Views run
// alongside a writer's fn and only wait for the apply. A View holds the
// read lock for the whole of its fn, which is what makes it a snapshot.
// Rollback is discarding the write set. fn is called exactly once.
//
// Indexes: records live in one map per (scope, kind) plus a slice of the
// same entries in Seq order. Seq is global and grows, so a new record is
// always appended; deleted entries are marked dead and the slice is
// compacted once they are half of it, so List is a binary search followed by
// a walk. Timers live in a binary min-heap ordered by (Due, key, name) with a
// per-key index; Due walks the heap in order with a small auxiliary heap, in
// O(limit·log limit) regardless of how many timers there are.
package memory

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/deskplane/deskplane"
)

// ErrClosed is returned by Update and View after Close.
var ErrClosed = errors.New("memory: store closed")

var (
	errReadOnly = errors.New("memory: write in a read-only transaction")
	errTxDone   = errors.New("memory: transaction used after its function returned")
)

// Store is the in-memory deskplane.Store. The zero value is not usable; call
// New.
type Store struct {
	writeMu sync.Mutex   // one writer at a time; held for the whole of Update
	mu      sync.RWMutex // readers vs. the apply of a write set
	closed  bool         // written under writeMu and mu
	seq     int64        // last Seq handed out; only the writer touches it

	kinds  map[scopeKind]*kindIndex
	timers *timerIndex
}

var _ deskplane.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{kinds: make(map[scopeKind]*kindIndex), timers: newTimerIndex()}
}

// Update runs fn in a read-write transaction; see deskplane.Store.
func (s *Store) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Only this goroutine changes the committed state while it holds
	// writeMu, so fn reads it without s.mu.
	tx := newTx(s, true)
	err := fn(tx)
	tx.done = true
	if err != nil {
		return err
	}
	s.mu.Lock()
	tx.apply()
	s.mu.Unlock()
	return nil
}

// View runs fn in a read-only transaction; see deskplane.Store.
func (s *Store) View(ctx context.Context, fn func(deskplane.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	tx := newTx(s, false)
	defer func() { tx.done = true }()
	return fn(tx)
}

// Close waits for running transactions and drops the data.
func (s *Store) Close() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.kinds = nil
	s.timers = nil
	return nil
}

type scopeKind struct {
	deskplane.Scope
	Kind deskplane.Kind
}

func skOf(k deskplane.Key) scopeKind { return scopeKind{k.Scope, k.Kind} }

// entry is a committed record. The writer changes Version and Data in place
// while holding the exclusive lock.
type entry struct {
	rec  deskplane.Record
	dead bool
}

// kindIndex holds the records of one (scope, kind).
type kindIndex struct {
	byID  map[string]*entry
	order []*entry // ascending Seq; dead entries are skipped and compacted
	dead  int
}

func (ki *kindIndex) get(id string) *entry {
	if ki == nil {
		return nil
	}
	return ki.byID[id]
}

func (ki *kindIndex) count() int {
	if ki == nil {
		return 0
	}
	return len(ki.byID)
}

// ascend calls fn for each live entry with Seq > after, in Seq order,
// until fn returns false. It reports whether it ran to the end.
func (ki *kindIndex) ascend(after int64, fn func(*entry) bool) bool {
	if ki == nil {
		return true
	}
	i := sort.Search(len(ki.order), func(i int) bool { return ki.order[i].rec.Seq > after })
	for _, e := range ki.order[i:] {
		if e.dead {
			continue
		}
		if !fn(e) {
			return false
		}
	}
	return true
}

func (ki *kindIndex) remove(id string) {
	e := ki.byID[id]
	if e == nil {
		return
	}
	e.dead = true
	delete(ki.byID, id)
	ki.dead++
	if ki.dead > 32 && ki.dead*2 > len(ki.order) {
		live := ki.order[:0]
		for _, e := range ki.order {
			if !e.dead {
				live = append(live, e)
			}
		}
		clear(ki.order[len(live):])
		ki.order = live
		ki.dead = 0
	}
}

func (s *Store) kind(sk scopeKind, create bool) *kindIndex {
	ki := s.kinds[sk]
	if ki == nil && create {
		ki = &kindIndex{byID: make(map[string]*entry)}
		s.kinds[sk] = ki
	}
	return ki
}

func cloneRecord(r deskplane.Record) deskplane.Record {
	r.Data = slices.Clone(r.Data)
	if r.Data == nil {
		r.Data = []byte{}
	}
	return r
}

func cloneTimer(t deskplane.Timer) deskplane.Timer {
	t.Payload = slices.Clone(t.Payload)
	return t
}

// compareTimers orders timers by (Due, Account, Region, Kind, ID, Name),
// the order every store uses.
func compareTimers(a, b *deskplane.Timer) int {
	if c := a.Due.Compare(b.Due); c != 0 {
		return c
	}
	return compareKeyName(a.Key, a.Name, b.Key, b.Name)
}

func compareKeyName(a deskplane.Key, an string, b deskplane.Key, bn string) int {
	if c := cmp.Compare(a.Account, b.Account); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Region, b.Region); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	return cmp.Compare(an, bn)
}

// farFuture is later than any Due a caller could mean.
func farFuture() time.Time { return time.Unix(1<<62, 0) }

// tx is a transaction: the committed state seen through a write set.
type tx struct {
	s        *Store
	writable bool
	done     bool
	seq      int64

	resetAll bool            // Reset("") happened: no committed state shows
	reset    map[string]bool // accounts whose committed state no longer shows

	recs  map[deskplane.Key]*pending
	added map[scopeKind][]added // records created here, in Seq order
	delta map[scopeKind]int     // change of Count

	timers map[deskplane.Key]map[string]*deskplane.Timer // nil = cancelled
}

// pending is a record written (or deleted) in the transaction.
type pending struct {
	rec     deskplane.Record
	deleted bool
}

type added struct {
	id  string
	seq int64
}

func newTx(s *Store, writable bool) *tx {
	return &tx{s: s, writable: writable, seq: s.seq}
}

func (t *tx) check(write bool) error {
	if t.done {
		return errTxDone
	}
	if write && !t.writable {
		return errReadOnly
	}
	return nil
}

// baseVisible reports whether committed state of the account shows.
func (t *tx) baseVisible(account string) bool {
	return !t.resetAll && !t.reset[account]
}

// lookup returns the record as the transaction sees it.
func (t *tx) lookup(k deskplane.Key) (deskplane.Record, bool) {
	if p, ok := t.recs[k]; ok {
		return p.rec, !p.deleted
	}
	if !t.baseVisible(k.Account) {
		return deskplane.Record{}, false
	}
	if e := t.s.kinds[skOf(k)].get(k.ID); e != nil {
		return e.rec, true
	}
	return deskplane.Record{}, false
}

// Prefetch has nothing to do: reads are local.
func (t *tx) Prefetch([]deskplane.Key) error { return t.check(false) }

func (t *tx) Get(k deskplane.Key) (deskplane.Record, error) {
	if err := t.check(false); err != nil {
		return deskplane.Record{}, err
	}
	r, ok := t.lookup(k)
	if !ok {
		return deskplane.Record{}, deskplane.ErrNotFound
	}
	return cloneRecord(r), nil
}

func (t *tx) Put(k deskplane.Key, data []byte) (deskplane.Record, error) {
	if err := t.check(true); err != nil {
		return deskplane.Record{}, err
	}
	old, exists := t.lookup(k)
	r := deskplane.Record{Key: k, Version: 1, Data: slices.Clone(data)}
	if r.Data == nil {
		r.Data = []byte{}
	}
	if exists {
		r.Seq, r.Version = old.Seq, old.Version+1
	} else {
		t.seq++
		r.Seq = t.seq
		sk := skOf(k)
		if t.added == nil {
			t.added = make(map[scopeKind][]added)
			t.delta = make(map[scopeKind]int)
		}
		t.added[sk] = append(t.added[sk], added{k.ID, r.Seq})
		t.delta[sk]++
	}
	if t.recs == nil {
		t.recs = make(map[deskplane.Key]*pending)
	}
	t.recs[k] = &pending{rec: r}
	return cloneRecord(r), nil
}

func (t *tx) Delete(k deskplane.Key) (bool, error) {
	if err := t.check(true); err != nil {
		return false, err
	}
	_, exists := t.lookup(k)
	if exists {
		if t.recs == nil {
			t.recs = make(map[deskplane.Key]*pending)
		}
		t.recs[k] = &pending{deleted: true}
		if t.delta == nil {
			t.added = make(map[scopeKind][]added)
			t.delta = make(map[scopeKind]int)
		}
		t.delta[skOf(k)]--
	}
	// Every timer of the key, committed or scheduled here, is cancelled.
	names := t.timerOverlay(k)
	if t.baseVisible(k.Account) {
		for name := range t.s.timers.byKey[k] {
			names[name] = nil
		}
	}
	for name := range names {
		names[name] = nil
	}
	return exists, nil
}

func (t *tx) List(sc deskplane.Scope, kind deskplane.Kind, afterSeq int64, fn func(deskplane.Record) bool) error {
	if err := t.check(false); err != nil {
		return err
	}
	sk := scopeKind{sc, kind}
	if t.baseVisible(sc.Account) {
		more := t.s.kinds[sk].ascend(afterSeq, func(e *entry) bool {
			r := e.rec
			if p, ok := t.recs[r.Key]; ok {
				if p.deleted || p.rec.Seq != r.Seq {
					return true // deleted, or deleted and created anew
				}
				r = p.rec
			}
			return fn(cloneRecord(r))
		})
		if !more {
			return nil
		}
	}
	// Records created in this transaction have Seqs above every committed
	// one, so they come last.
	for _, a := range t.added[sk] {
		if a.seq <= afterSeq {
			continue
		}
		p := t.recs[deskplane.Key{Scope: sc, Kind: kind, ID: a.id}]
		if p == nil || p.deleted || p.rec.Seq != a.seq {
			continue
		}
		if !fn(cloneRecord(p.rec)) {
			return nil
		}
	}
	return nil
}

func (t *tx) Count(sc deskplane.Scope, kind deskplane.Kind) (int, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	sk := scopeKind{sc, kind}
	n := t.delta[sk]
	if t.baseVisible(sc.Account) {
		n += t.s.kinds[sk].count()
	}
	return n, nil
}

// timerOverlay returns the write set's timers of k, creating the map.
func (t *tx) timerOverlay(k deskplane.Key) map[string]*deskplane.Timer {
	if t.timers == nil {
		t.timers = make(map[deskplane.Key]map[string]*deskplane.Timer)
	}
	m := t.timers[k]
	if m == nil {
		m = make(map[string]*deskplane.Timer)
		t.timers[k] = m
	}
	return m
}

func (t *tx) Schedule(tm deskplane.Timer) error {
	if err := t.check(true); err != nil {
		return err
	}
	c := cloneTimer(tm)
	t.timerOverlay(tm.Key)[tm.Name] = &c
	return nil
}

func (t *tx) Cancel(k deskplane.Key, name string) error {
	if err := t.check(true); err != nil {
		return err
	}
	t.timerOverlay(k)[name] = nil
	return nil
}

func (t *tx) Timers(k deskplane.Key) ([]deskplane.Timer, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	var out []deskplane.Timer
	over := t.timers[k]
	if t.baseVisible(k.Account) {
		for name, it := range t.s.timers.byKey[k] {
			if _, ok := over[name]; !ok {
				out = append(out, cloneTimer(it.t))
			}
		}
	}
	for _, tm := range over {
		if tm != nil {
			out = append(out, cloneTimer(*tm))
		}
	}
	slices.SortFunc(out, func(a, b deskplane.Timer) int { return compareTimers(&a, &b) })
	return out, nil
}

func (t *tx) Due(now time.Time, limit int) ([]deskplane.Timer, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	return t.due(now, limit), nil
}

func (t *tx) NextDue() (time.Time, bool, error) {
	if err := t.check(false); err != nil {
		return time.Time{}, false, err
	}
	ts := t.due(farFuture(), 1)
	if len(ts) == 0 {
		return time.Time{}, false, nil
	}
	return ts[0].Due, true, nil
}

// due merges the committed timers, less those the write set overrides, with
// the write set's own.
func (t *tx) due(now time.Time, limit int) []deskplane.Timer {
	if limit <= 0 {
		return nil
	}
	var mine []*deskplane.Timer
	for _, m := range t.timers {
		for _, tm := range m {
			if tm != nil && !tm.Due.After(now) {
				mine = append(mine, tm)
			}
		}
	}
	slices.SortFunc(mine, compareTimers)
	if len(mine) > limit {
		mine = mine[:limit]
	}
	var base []*deskplane.Timer
	t.s.timers.ascend(func(it *timerItem) bool {
		if it.t.Due.After(now) {
			return false
		}
		if !t.baseVisible(it.t.Key.Account) {
			return true
		}
		if _, ok := t.timers[it.t.Key][it.t.Name]; ok {
			return true
		}
		base = append(base, &it.t)
		return len(base) < limit
	})
	out := make([]deskplane.Timer, 0, min(limit, len(base)+len(mine)))
	for len(out) < limit && (len(base) > 0 || len(mine) > 0) {
		var next *deskplane.Timer
		if len(mine) == 0 || (len(base) > 0 && compareTimers(base[0], mine[0]) < 0) {
			next, base = base[0], base[1:]
		} else {
			next, mine = mine[0], mine[1:]
		}
		out = append(out, cloneTimer(*next))
	}
	return out
}

func (t *tx) Reset(account string) error {
	if err := t.check(true); err != nil {
		return err
	}
	if account == "" {
		t.resetAll = true
		t.reset = nil
		t.recs, t.added, t.delta, t.timers = nil, nil, nil, nil
		return nil
	}
	if t.reset == nil {
		t.reset = make(map[string]bool)
	}
	t.reset[account] = true
	for k := range t.recs {
		if k.Account == account {
			delete(t.recs, k)
		}
	}
	for sk := range t.added {
		if sk.Account == account {
			delete(t.added, sk)
			delete(t.delta, sk)
		}
	}
	for sk := range t.delta {
		if sk.Account == account {
			delete(t.delta, sk)
		}
	}
	for k := range t.timers {
		if k.Account == account {
			delete(t.timers, k)
		}
	}
	return nil
}

// apply commits the write set. The caller holds writeMu and s.mu.
func (t *tx) apply() {
	s := t.s
	if t.resetAll {
		s.kinds = make(map[scopeKind]*kindIndex)
		s.timers = newTimerIndex()
	}
	for account := range t.reset {
		for sk := range s.kinds {
			if sk.Account == account {
				delete(s.kinds, sk)
			}
		}
		s.timers.removeAccount(account)
	}

	var created []*entry
	for k, p := range t.recs {
		ki := s.kind(skOf(k), !p.deleted)
		e := ki.get(k.ID)
		switch {
		case p.deleted:
			if e != nil {
				ki.remove(k.ID)
			}
		case e != nil && e.rec.Seq == p.rec.Seq:
			e.rec.Version, e.rec.Data = p.rec.Version, p.rec.Data
		default:
			if e != nil {
				ki.remove(k.ID)
			}
			ne := &entry{rec: p.rec}
			ki.byID[k.ID] = ne
			created = append(created, ne)
		}
	}
	// New Seqs are above every committed one: appending keeps the order.
	slices.SortFunc(created, func(a, b *entry) int { return cmp.Compare(a.rec.Seq, b.rec.Seq) })
	for _, e := range created {
		ki := s.kinds[skOf(e.rec.Key)]
		ki.order = append(ki.order, e)
	}

	for k, m := range t.timers {
		for name, tm := range m {
			if tm == nil {
				s.timers.remove(k, name)
			} else {
				s.timers.set(*tm)
			}
		}
	}
	s.seq = t.seq
}
