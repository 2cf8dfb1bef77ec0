// Package postgres is the deskplane.Store for several nodes serving one
// fleet: PostgreSQL through pgx (pgxpool).
//
// # Isolation
//
// Update runs fn in a SERIALIZABLE transaction and, when PostgreSQL aborts
// it for a serialization failure, a deadlock or a full predicate-lock table
// (SQLSTATE 40001, 40P01, 53200 out of shared memory), or the connection is
// cut before the commit, runs fn again in a new transaction, up to
// Options.MaxAttempts times with a jittered exponential pause, then answers
// deskplane.ErrConflict, which is also a retryable CodeThrottled domain
// error (docs/decisions/0141-store-contention-is-throttling.md).
// SERIALIZABLE rather than REPEATABLE READ plus row locks because the Tx
// interface is generic: the service checks quotas with Count, uniqueness
// with List and preconditions with Get before it writes, and only
// serializable snapshot isolation protects such read-then-write patterns
// without the service naming the rows (or the absent rows) to lock.
// A retry is detected from any statement of the attempt, even when fn
// swallows or wraps the error.
//
// View runs at REPEATABLE READ, READ ONLY: one snapshot, no predicate
// locks, never a serialization failure.
//
// Timers: Due in an Update selects with FOR UPDATE SKIP LOCKED, so two
// nodes asking at once get disjoint timers; a timer stays claimed until the
// claiming transaction ends (normally having cancelled or rescheduled it).
//
// # Schema
//
// Tables deskplane_records, deskplane_timers, the sequence deskplane_seq
// (Seq) and deskplane_migrations (the versions applied) live in one schema:
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
	"math/rand/v2"
	"strings"
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
	// reports a serialization failure or deadlock. Zero means 30.
	MaxAttempts int
	// MaxConns sizes the connection pool. Zero means pgxpool's default
	// (the larger of 4 and the number of CPUs) unless the DSN says
	// pool_max_conns.
	MaxConns int32

	// migrations replaces the built-in list (tests register extra ones).
	migrations []migration
}

// Store is the PostgreSQL deskplane.Store.
type Store struct {
	pool        *pgxpool.Pool
	maxAttempts int
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
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
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
	if err := migrate(ctx, pool, opts.Schema, opts.migrations); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{pool: pool, maxAttempts: opts.MaxAttempts}, nil
}

// Close closes the pool; it waits for connections in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Update runs fn in a SERIALIZABLE transaction, again after serialization
// failures; see the package documentation.
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
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	t := &tx{ctx: ctx, ptx: ptx, writable: true}
	committed := false
	defer func() {
		if !committed { // also when fn panics: give the connection back
			_ = ptx.Rollback(context.WithoutCancel(ctx))
		}
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
	if err := ptx.Commit(ctx); err != nil {
		return &commitError{err: err}
	}
	return nil
}

// View runs fn in a REPEATABLE READ, READ ONLY transaction.
func (s *Store) View(ctx context.Context, fn func(deskplane.Tx) error) error {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer func() { _ = ptx.Rollback(context.WithoutCancel(ctx)) }()
	t := &tx{ctx: ctx, ptx: ptx}
	defer func() { t.done = true }()
	return fn(t)
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
