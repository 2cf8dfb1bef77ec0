// Package bolt is the embedded, durable deskplane.Store, the default: one
// file, opened by one process, on go.etcd.io/bbolt.
//
// # Layout
//
// Strings in keys are escaped to be prefix-free and order-preserving (0x00
// → 00 FF, then a 00 01 terminator; written esc(s) below), so a key made of
// several strings sorts like their tuple and a tuple prefix is a byte
// prefix. Integers are big-endian. Top-level buckets:
//
//	meta       "schema" → uint64 schema version
//	           bucket sequence = the last Seq handed out (never reset)
//	           bucket "migrations": uint64 version → name, 0x00, RFC 3339 time applied
//	rows       esc(account) esc(region) esc(kind) seq u64 → uvarint version, uvarint len(id), id, data
//	ids        esc(account) esc(region) esc(kind) esc(id) → seq u64  (Get, Put, Delete)
//	counts     esc(account) esc(region) esc(kind) → u64               (Count, O(log n))
//	timers     due esc(account) esc(region) esc(kind) esc(id) esc(name) → payload
//	timerkeys  esc(account) esc(region) esc(kind) esc(id) esc(name) → due
//
// A record lives under its Seq, so a page of List is one cursor scan over
// rows, records in Seq order, with no lookup per record; Get finds the Seq
// in ids first (two lookups where schema 1 had one). rows and timers are
// filled to 90 % (appends, room for a record that grows when rewritten).
//
// due is 12 bytes: Unix seconds with the sign bit flipped, then
// nanoseconds; so timers is ordered by (Due, key, name), Due and NextDue
// read it from the front, and timerkeys finds the timers of a key (Timers,
// Delete, Schedule's replace) and of an account (Reset). Opening reads only
// the meta bucket: no scan, whatever the size.
//
// # Commits
//
// Every Update is fsynced before it returns. A single committer goroutine
// takes all the Updates waiting when it is free and runs them in one bbolt
// transaction, so concurrent writers share one fsync (group commit) without
// the fixed delay of bbolt's DB.Batch. If a fn fails after it wrote, the
// whole transaction is rolled back, that fn runs again alone (its result is
// what its Update returns) and the others run again: fn may run more than
// once, as deskplane.Store allows. A fn that fails without writing costs
// nothing to the others. fn runs on the committer goroutine: it must not
// call Update itself (that would wait for its own commit); a fn that calls
// runtime.Goexit (t.FailNow) fails its Update and the committer carries on.
// Views are bbolt read transactions and run alongside the writer.
//
// # Schema
//
// The schema is versioned; Open applies the migrations the file lacks, in
// order, in one transaction, and refuses a file newer than the binary.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"github.com/deskplane/deskplane"
)

// ErrClosed is returned by Update and View after Close.
var ErrClosed = errors.New("bolt: store closed")

// Options configure Open. The zero value is fine.
type Options struct {
	// Timeout is how long Open waits for the file lock another process
	// holds. Zero means 5 seconds.
	Timeout time.Duration
	// MaxBatch caps how many Updates share one commit. Zero means 256.
	MaxBatch int
	// InitialMmapSize is passed to bbolt: a size at least that of the file
	// avoids remapping, which blocks writers while readers are open.
	InitialMmapSize int
	// TrimEvery is how many transactions pass between two releases of
	// the file's mapped pages from resident memory (trim.go). Zero means
	// 4096; a negative value never releases them.
	TrimEvery int

	// migrations replaces the built-in list (tests register extra ones).
	migrations []migration
}

// Store is the bbolt deskplane.Store.
type Store struct {
	db        *bbolt.DB
	maxBatch  int
	trimEvery int
	txs       atomic.Int64 // transactions so far, for trimEvery

	mu     sync.Mutex
	queue  []*call
	closed bool
	wake   chan struct{} // capacity 1: "the queue or closed changed"
	exited chan struct{} // closed when the committer returns
}

var _ deskplane.Store = (*Store)(nil)

// Open opens or creates the database file at path, migrates it to the
// current schema and starts the committer.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.migrations == nil {
		opts.migrations = migrations()
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:         opts.Timeout,
		FreelistType:    bbolt.FreelistMapType,
		InitialMmapSize: opts.InitialMmapSize,
		// NoFreelistSync stays false: the freelist is kept in the file so
		// that opening does not scan every page to rebuild it.
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	if err := migrate(db, opts.migrations, time.Now); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt: %s: %w", path, err)
	}
	s := &Store{
		db:        db,
		maxBatch:  opts.MaxBatch,
		trimEvery: opts.TrimEvery,
		wake:      make(chan struct{}, 1),
		exited:    make(chan struct{}),
	}
	if s.trimEvery == 0 {
		s.trimEvery = defaultTrimEvery
	}
	go s.commitLoop()
	return s, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.db.Path() }

// Close waits for the Updates already queued, stops the committer and
// closes the file. Views in progress finish first.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.signal()
	<-s.exited
	return s.db.Close()
}

// View runs fn in a bbolt read transaction.
func (s *Store) View(ctx context.Context, fn func(deskplane.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	defer s.countTx()
	return s.db.View(func(btx *bbolt.Tx) error {
		t := newTx(btx)
		defer func() { t.done = true }()
		return fn(t)
	})
}

// call is one Update waiting for, or in, a commit.
type call struct {
	fn    func(deskplane.Tx) error
	state atomic.Int32 // callWaiting → callTaken by the committer, or → callAbandoned by a cancelled caller
	done  chan outcome // capacity 1

	delivered bool // the outcome was sent; only the committer touches it
}

const (
	callWaiting int32 = iota
	callTaken
	callAbandoned
)

// outcome is how an Update ended: the error to return, or a panic of fn
// to raise again in the caller's goroutine.
type outcome struct {
	err      error
	panicked bool
	panicVal any
}

func (o outcome) failed() bool { return o.err != nil || o.panicked }

// Update queues fn for the committer and waits for its commit.
func (s *Store) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &call{fn: fn, done: make(chan outcome, 1)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.queue = append(s.queue, c)
	s.mu.Unlock()
	s.signal()

	// Counted in the caller's goroutine: a trim delays this caller, not
	// the committer.
	defer s.countTx()
	var o outcome
	select {
	case o = <-c.done:
	case <-ctx.Done():
		if c.state.CompareAndSwap(callWaiting, callAbandoned) {
			return ctx.Err()
		}
		o = <-c.done // already running: its outcome is the truth
	}
	if o.panicked {
		panic(o.panicVal)
	}
	return o.err
}

func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// commitLoop is the committer: it runs whatever is queued as one batch,
// then looks again, until Close and an empty queue.
func (s *Store) commitLoop() {
	var b batch
	stopped := false
	defer func() {
		if stopped {
			close(s.exited)
			return
		}
		// A fn called runtime.Goexit (t.FailNow in a test), which ends
		// this goroutine; bbolt has rolled the transaction back on the way
		// out. Fail that call, queue the rest of the batch again and go on
		// committing on a new goroutine.
		s.mu.Lock()
		var again []*call
		for _, c := range b.calls {
			switch {
			case c.delivered:
			case c == b.running:
				c.finish(outcome{err: errGoexit})
			default:
				c.state.Store(callWaiting)
				again = append(again, c)
			}
		}
		s.queue = append(again, s.queue...)
		s.mu.Unlock()
		go s.commitLoop()
	}()
	for {
		if len(b.calls) > 1 {
			// The writers just answered tend to come straight back: let
			// them queue so that they share the next commit.
			runtime.Gosched()
		}
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.mu.Unlock()
			<-s.wake
			s.mu.Lock()
		}
		if len(s.queue) == 0 {
			s.mu.Unlock()
			stopped = true
			return
		}
		n := min(len(s.queue), s.maxBatch)
		calls := slices.Clone(s.queue[:n])
		s.queue = slices.Delete(s.queue, 0, n)
		s.mu.Unlock()

		live := calls[:0]
		for _, c := range calls {
			if c.state.CompareAndSwap(callWaiting, callTaken) {
				live = append(live, c)
			}
		}
		b = batch{calls: slices.Clone(live)}
		s.commit(&b, live)
	}
}

// errGoexit is what an Update returns when its fn called runtime.Goexit.
var errGoexit = errors.New("bolt: fn called runtime.Goexit")

// batch is what the committer is doing, for recovering from a Goexit.
type batch struct {
	calls   []*call
	running *call
}

func (c *call) finish(o outcome) {
	c.delivered = true
	c.done <- o
}

// errRollback makes bbolt roll a transaction back.
var errRollback = errors.New("bolt: roll back")

// commit runs the calls in one bbolt transaction and delivers their
// outcomes once it is durable (or has failed).
func (s *Store) commit(b *batch, calls []*call) {
	for len(calls) > 0 {
		outcomes := make([]outcome, len(calls))
		redo := -1 // a call that failed after writing
		err := s.db.Update(func(btx *bbolt.Tx) error {
			for i, c := range calls {
				t := newTx(btx)
				t.writable = true
				b.running = c
				outcomes[i] = run(t, c.fn)
				if outcomes[i].failed() && (t.wrote || outcomes[i].panicked) {
					// Its writes are mixed with the others': undo them all.
					redo = i
					return errRollback
				}
			}
			return nil
		})
		if redo < 0 {
			// Committed (or the commit failed, which fails every call
			// that did not fail by itself).
			for i, c := range calls {
				if err != nil && !outcomes[i].failed() {
					outcomes[i].err = fmt.Errorf("bolt: commit: %w", err)
				}
				c.finish(outcomes[i])
			}
			return
		}
		c := calls[redo]
		if redo == 0 {
			// It ran first, on committed state: its outcome stands.
			c.finish(outcomes[0])
		} else {
			// It saw the writes of calls that were rolled back: run it
			// again alone.
			b.running = c
			c.finish(s.solo(c.fn))
		}
		calls = slices.Delete(calls, redo, redo+1)
	}
}

// solo runs fn alone in its own transaction.
func (s *Store) solo(fn func(deskplane.Tx) error) outcome {
	var o outcome
	err := s.db.Update(func(btx *bbolt.Tx) error {
		t := newTx(btx)
		t.writable = true
		o = run(t, fn)
		if o.failed() {
			return errRollback
		}
		return nil
	})
	if err != nil && !o.failed() {
		o.err = fmt.Errorf("bolt: commit: %w", err)
	}
	return o
}

// run calls fn, turning a panic into an outcome.
func run(t *tx, fn func(deskplane.Tx) error) (o outcome) {
	defer func() {
		t.done = true
		if v := recover(); v != nil {
			o = outcome{panicked: true, panicVal: v}
		}
	}()
	return outcome{err: fn(t)}
}
