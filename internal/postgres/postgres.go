// Package postgres is the deskplane.Store for several nodes serving one
// fleet: PostgreSQL through pgx (pgxpool).
//
// # Isolation
//
// Update runs fn at READ COMMITTED under strict two-phase locking at the
// granularity of a scope (account and Region): the first statement of an
// Update on a scope is preceded, in the same pipeline, by
// pg_advisory_xact_lock on a 64-bit hash of (schema, account, Region),
// held until the transaction ends. At READ COMMITTED every statement takes
// a fresh snapshot, so each statement after the lock sees everything
// committed before the lock was granted, and no other writer of the scope
// commits until this one ends. Get, absent Get, List, Count, Put, Delete,
// Timers, Schedule and Cancel on a scope are therefore serializable against
// every other Update on it, with no predicate locks: concurrent writers of
// a scope wait for each other instead of aborting, which is what the
// services' check-then-write patterns (quota by Count, unique names by a
// Get of an index record, read-modify-write) need, without naming the rows
// to lock. Hash collisions only make two scopes wait for each other.
//
// Two Updates that lock two scopes in opposite orders (cross-account
// sharing) can deadlock; PostgreSQL breaks the deadlock (40P01) and Update
// runs fn again. The other retried failures are the ones where the attempt
// surely did not commit: a lost or cut connection before COMMIT, and
// "out of shared memory" (53200). Up to Options.MaxAttempts attempts with
// a jittered exponential pause, then deskplane.ErrConflict, which is also a
// retryable CodeThrottled domain error
// (docs/decisions/0141-store-contention-is-throttling.md). A retry is
// detected from any statement of the attempt, even when fn swallows or
// wraps the error; a permanent failure that fn ignores makes COMMIT answer
// ROLLBACK, and Update reports it.
//
// Not under a scope lock: Regions, NextDue and Due read across scopes at
// READ COMMITTED. Reset locks every scope of the account (of all accounts)
// in order, again until no new one shows, then deletes. Count reads a
// per-(scope, kind) row of deskplane_counts that Put of a new key and
// Delete keep in the same statement, so it costs one row however large the
// scope (docs/decisions/0340-postgres-scope-locks.md).
//
// View runs at REPEATABLE READ, READ ONLY: one snapshot, no locks, never a
// serialization failure. Both Update and View begin their transaction with
// fn's first statement, in one round trip, and an fn that runs no
// statement costs none. A finished View parks its connection with the
// COMMIT owed (up to 8 connections, settled by a sweeper within parkFor);
// the next View that takes it sends that COMMIT in the pipeline of its
// own first statement, so a View of one statement costs one round trip.
//
// Within an Update, writes of keys the transaction already knows are
// queued and sent with the next statement that reads, or with COMMIT; Gets
// of known keys, and Lists read whole before, are answered without a
// round trip until the transaction writes what they show (see
// docs/decisions/0340-postgres-scope-locks.md). Prefetch reads many keys in
// one statement, queued with the next read, and learns them the same way;
// the Get is written so that only the primary key serves it, statistics or
// none (docs/decisions/0341-postgres-prefetch-and-get-plan.md).
//
// Timers: Due in an Update selects with FOR UPDATE SKIP LOCKED, so two
// nodes asking at once get disjoint timers; a timer stays claimed until the
// claiming transaction ends (normally having cancelled or rescheduled it).
//
// # Schema
//
// Tables deskplane_records, deskplane_timers, deskplane_counts, the
// sequence deskplane_seq (Seq) and deskplane_migrations (the versions applied) live in one schema:
// Options.Schema, else the first of the connection's search_path. Open
// takes a transaction-scoped advisory lock on the schema's name and applies
// the missing migrations in that transaction, so nodes starting together
// migrate once. Text columns use the "C" collation so that timers order
// like in the other stores; keys must be valid UTF-8 without NUL, as
// PostgreSQL's text requires. Due is kept as (seconds, nanoseconds) so that
// every time.Time round-trips exactly.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/deskplane/deskplane"
)

// Options configure Open. The zero value is fine.
type Options struct {
	// Schema holds the tables; it is created if missing. Empty means the
	// first schema of the connection's search_path.
	Schema string
	// MaxAttempts bounds how many times Update runs fn when PostgreSQL
	// reports a deadlock or the connection is lost. Zero means 30.
	MaxAttempts int
	// MaxConns sizes the connection pool. Zero means defaultMaxConns
	// unless the DSN says pool_max_conns.
	MaxConns int32

	// migrations replaces the built-in list (tests register extra ones).
	migrations []migration
}

// defaultMaxConns sizes the pool when nothing else does: enough for
// dozens of concurrent requests (a transaction waiting for a scope lock
// holds its connection), few enough that four nodes fit PostgreSQL's
// default max_connections of 100.
const defaultMaxConns = 24

// Store is the PostgreSQL deskplane.Store.
type Store struct {
	pool        *pgxpool.Pool
	maxAttempts int
	schema      string       // resolved: scope locks are per schema
	seqHint     atomic.Int64 // Seq values the last Update that made records used
	roundTrips  atomic.Int64 // pipelines sent, for the benchmarks

	// Connections of finished Views whose COMMIT is owed (see View).
	parked    chan *pgxpool.Conn
	stop      chan struct{}
	swept     chan struct{}
	closeOnce sync.Once
}

var _ deskplane.Store = (*Store)(nil)

// Open connects to the database at dsn, migrates the schema and returns
// the store.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !strings.Contains(dsn, "pool_max_conns"):
		cfg.MaxConns = defaultMaxConns
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 30
	}
	if opts.migrations == nil {
		opts.migrations = migrations()
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	schema, err := migrate(ctx, pool, opts.Schema, opts.migrations)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{
		pool: pool, maxAttempts: opts.MaxAttempts, schema: schema,
		parked: make(chan *pgxpool.Conn, 8),
		stop:   make(chan struct{}),
		swept:  make(chan struct{}),
	}
	go s.sweep()
	return s, nil
}

// Close closes the pool; it waits for connections in use to be released.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.swept
		s.pool.Close()
	})
	return nil
}

// Update runs fn in a READ COMMITTED transaction under scope locks, again
// after a deadlock or a lost connection; see the package documentation.
func (s *Store) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.attempt(ctx, fn)
		if !retryable(err) {
			return err
		}
		if attempt >= s.maxAttempts {
			return &exhausted{attempts: attempt, last: err}
		}
		// Jittered exponential pause: up to 1 ms, 2 ms, … 128 ms.
		pause := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt-1, 7)))
		timer := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

func (s *Store) attempt(ctx context.Context, fn func(deskplane.Tx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	t := &tx{ctx: ctx, s: s, conn: conn, writable: true}
	committed := false
	defer func() { // also when fn panics: give the connection back
		t.done = true
		if !committed {
			t.rollback()
		}
		conn.Release()
	}()
	ferr := fn(t)
	t.done = true
	if t.retry != nil {
		return t.retry // the attempt is void whatever fn made of the error
	}
	if ferr != nil {
		return ferr
	}
	committed = true
	if !t.began {
		return nil // fn ran no statement
	}
	if t.seqsUsed > 0 {
		s.seqHint.Store(t.seqsUsed)
	}
	t.queueCounts()
	t.b.Queue(`COMMIT`).Exec(func(ct pgconn.CommandTag) error {
		if ct.String() != "COMMIT" {
			// A failed statement that fn ignored aborted the
			// transaction: COMMIT answers ROLLBACK.
			return errRolledBack
		}
		return nil
	})
	if err := t.send(); err != nil {
		return &commitError{err: err}
	}
	return nil
}

var errRolledBack = errors.New("the transaction was aborted by an earlier failed statement and rolled back")

// rollback ends the transaction if it began. When that fails the
// connection is closed, and the pool drops it on release.
func (t *tx) rollback() {
	if !t.began {
		return
	}
	t.b = pgx.Batch{}
	if _, err := t.conn.Exec(context.WithoutCancel(t.ctx), `ROLLBACK`); err != nil {
		_ = t.conn.Conn().Close(context.WithoutCancel(t.ctx))
	}
}

// View runs fn in a REPEATABLE READ, READ ONLY transaction that begins
// with fn's first statement, in the same round trip. The transaction's
// COMMIT does not cost a round trip of its own either: the connection is
// parked with the COMMIT owed, and the next View that takes it sends the
// COMMIT ahead of its own first statement (or the sweeper does, within
// parkFor).
func (s *Store) View(ctx context.Context, fn func(deskplane.Tx) error) error {
	t := &tx{ctx: ctx, s: s}
	select {
	case t.conn = <-s.parked:
		t.owed = true
	default:
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("postgres: begin: %w", err)
		}
		t.conn = conn
	}
	defer func() {
		t.done = true
		if t.conn == nil {
			return // lost with the server, and no other to be had
		}
		if t.failed || len(t.b.QueuedQueries) > 0 {
			t.owed = t.owed || t.began
			t.began = false
			t.settle()
			return
		}
		if t.began || t.owed {
			select {
			case s.parked <- t.conn:
				select {
				case <-s.stop: // Close may have swept already
					s.settleParked()
				default:
				}
				return
			default:
			}
			t.owed = true
		}
		t.settle()
	}()
	return fn(t)
}

// settle ends a read-only connection's owed transaction, if any, and
// gives the connection back to the pool (closed when that failed).
func (t *tx) settle() {
	if t.owed {
		if _, err := t.conn.Exec(context.WithoutCancel(t.ctx), `COMMIT`); err != nil {
			_ = t.conn.Conn().Close(context.WithoutCancel(t.ctx))
		}
	}
	t.conn.Release()
}

// parkFor bounds how long a parked connection keeps its finished
// read-only transaction (and its snapshot) open.
const parkFor = 20 * time.Millisecond

// sweep settles the parked connections every parkFor until stop closes.
func (s *Store) sweep() {
	defer close(s.swept)
	tick := time.NewTicker(parkFor)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			s.settleParked()
			return
		case <-tick.C:
			s.settleParked()
		}
	}
}

func (s *Store) settleParked() {
	for {
		select {
		case conn := <-s.parked:
			(&tx{ctx: context.Background(), conn: conn, owed: true}).settle()
		default:
			return
		}
	}
}

// scopeLock is the advisory lock key of a scope of this schema.
func (s *Store) scopeLock(sc deskplane.Scope) int64 {
	h := fnv.New64a()
	for _, p := range []string{s.schema, sc.Account, sc.Region} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// retryable reports whether an attempt that failed with err, before its
// commit, is worth running again: a serialization failure, a deadlock, a
// full lock table, or a connection the server cut or lost (the attempt
// never committed, so running it again on another connection is safe).
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if ce := (*commitError)(nil); errors.As(err, &ce) {
		return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
	}
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", // serialization_failure
			"40P01", // deadlock_detected
			"53200", // out_of_memory: "out of shared memory", the predicate-lock table is full
			"57P01", // admin_shutdown: pg_terminate_backend, a server shutting down
			"57P02", // crash_shutdown
			"57P03": // cannot_connect_now
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection_exception
	}
	return pgconn.SafeToRetry(err)
}

// commitError is a failed COMMIT. Only a serialization failure or deadlock
// there is retried: after a lost connection the commit may have happened.
type commitError struct{ err error }

func (c *commitError) Error() string { return "postgres: commit: " + c.err.Error() }
func (c *commitError) Unwrap() error { return c.err }

// exhausted is Update's answer when the attempts ran out: it is
// deskplane.ErrConflict and a CodeThrottled domain error, which the wire
// answers as a retryable ThrottlingException.
type exhausted struct {
	attempts int
	last     error
}

func (e *exhausted) Error() string {
	return fmt.Sprintf("%v after %d attempts: %v", deskplane.ErrConflict, e.attempts, e.last)
}

func (e *exhausted) Is(target error) bool { return target == deskplane.ErrConflict }

func (e *exhausted) As(target any) bool {
	if de, ok := target.(**deskplane.Error); ok {
		*de = &deskplane.Error{Code: deskplane.CodeThrottled, Message: "Rate exceeded"}
		return true
	}
	return false
}
