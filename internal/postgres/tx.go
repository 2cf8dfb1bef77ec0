package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/deskplane/deskplane"
)

var (
	errReadOnly = errors.New("postgres: write in a read-only transaction")
	errTxDone   = errors.New("postgres: transaction used after its function returned")
)

// tx adapts one attempt to deskplane.Tx. It holds a pooled connection but
// begins the PostgreSQL transaction only with its first statement, in the
// same pipeline; in a read-write tx the first statement on a scope is
// preceded, in that pipeline too, by the scope's lock (see the package
// documentation).
type tx struct {
	ctx      context.Context
	s        *Store
	conn     *pgxpool.Conn
	writable bool
	done     bool
	began    bool
	owed     bool // a View's connection whose previous transaction still needs its COMMIT
	// the pipeline about to be sent starts with the owed COMMIT
	owedQueued bool
	failed     bool  // a pipeline failed: the connection's state is unknown
	retry      error // the first retryable failure of the attempt

	locked map[deskplane.Scope]bool // scopes whose lock is queued or held
	b      pgx.Batch                // statements queued, not yet sent

	// In a read-write tx, under the scope locks: what the tx knows of
	// keys (read or written by it), the count changes not yet sent, and
	// Seq values fetched ahead per scope. Puts, Deletes, Schedules and
	// Cancels of known keys only queue their statement; it goes out
	// before the next statement that reads, or with COMMIT.
	known  map[deskplane.Key]*knownKey
	counts map[countKey]int64
	lists  map[listKey][]deskplane.Record // complete Lists read, until a write of their kind
	seqs   map[deskplane.Scope][]int64
	// Seq runs and Prefetches queued, not yet answered
	seqsQueued  map[deskplane.Scope]bool
	pending     map[deskplane.Key]bool
	prefetching bool
	seqsUsed    int64
	refill      int64 // size of the last Seq refill
}

// knownKey is what a read-write tx knows of a key: nothing else can
// change it while the tx holds the scope's lock.
type knownKey struct {
	exists bool
	rec    deskplane.Record // Seq, Version and Data when exists
}

type listKey struct {
	sc       deskplane.Scope
	kind     deskplane.Kind
	afterSeq int64
}

// changed forgets the Lists of a kind that a write of k changes.
func (t *tx) changed(k deskplane.Key) {
	for lk := range t.lists {
		if lk.sc == k.Scope && lk.kind == k.Kind {
			delete(t.lists, lk)
		}
	}
}

type countKey struct {
	sc   deskplane.Scope
	kind deskplane.Kind
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

// fail notes a retryable error and wraps err.
func (t *tx) fail(op string, err error) error {
	if t.retry == nil && retryable(err) {
		t.retry = err
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// queue adds a statement that reads scope sc (nil: none, or several) to
// the pipeline, after the BEGIN and the scope's lock when they are still
// due, and after the writes the tx has queued (counts included), so that
// it sees them.
func (t *tx) queue(sc *deskplane.Scope, sql string, args ...any) *pgx.QueuedQuery {
	t.begin(sc)
	t.queueCounts()
	return t.b.Queue(sql, args...)
}

// queueWrite adds a statement whose only result is its error: it goes out
// with the next statement that reads, or with COMMIT.
func (t *tx) queueWrite(sc *deskplane.Scope, sql string, args ...any) *pgx.QueuedQuery {
	t.begin(sc)
	q := t.b.Queue(sql, args...)
	q.Exec(func(pgconn.CommandTag) error { return nil })
	return q
}

// queueCounts queues the count changes of the writes queued so far.
func (t *tx) queueCounts() {
	for ck, d := range t.counts {
		if d != 0 {
			t.b.Queue(`INSERT INTO deskplane_counts AS c (account, region, kind, n) VALUES ($1, $2, $3, $4)
				ON CONFLICT (account, region, kind) DO UPDATE SET n = c.n + EXCLUDED.n`,
				ck.sc.Account, ck.sc.Region, string(ck.kind), d).Exec(func(pgconn.CommandTag) error { return nil })
		}
		delete(t.counts, ck)
	}
}

// begin queues BEGIN and the lock of scope sc when they are due.
func (t *tx) begin(sc *deskplane.Scope) {
	if !t.began {
		t.began = true
		if t.owed {
			t.owed = false
			t.owedQueued = true
			t.b.Queue(`COMMIT`)
		}
		if t.writable {
			t.b.Queue(`BEGIN ISOLATION LEVEL READ COMMITTED`)
		} else {
			t.b.Queue(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`)
		}
	}
	if sc != nil && t.writable && !t.locked[*sc] {
		t.lock(*sc)
	}
}

// learn notes what the tx now knows of a key (in a read-write tx only).
func (t *tx) learn(k deskplane.Key, exists bool, r deskplane.Record) {
	if !t.writable {
		return
	}
	if t.known == nil {
		t.known = make(map[deskplane.Key]*knownKey)
	}
	t.known[k] = &knownKey{exists: exists, rec: r}
}

// count notes a change of the number of records of a kind.
func (t *tx) count(k deskplane.Key, d int64) {
	if t.counts == nil {
		t.counts = make(map[countKey]int64)
	}
	t.counts[countKey{k.Scope, k.Kind}] += d
}

// nextSeq returns the next Seq for a new key of scope sc, fetching a run of
// them from deskplane_seq when the tx has none left: as many as the last
// Update used, then twice as many each time.
func (t *tx) nextSeq(sc deskplane.Scope) (int64, error) {
	if len(t.seqs[sc]) == 0 {
		if !t.seqsQueued[sc] {
			t.queueSeqs(sc)
		}
		if err := t.send(); err != nil {
			return 0, err
		}
		if len(t.seqs[sc]) == 0 {
			return 0, errors.New("no Seq values")
		}
	}
	seq := t.seqs[sc][0]
	t.seqs[sc] = t.seqs[sc][1:]
	t.seqsUsed++
	return seq, nil
}

// queueSeqs queues the fetch of a run of Seq values for scope sc.
func (t *tx) queueSeqs(sc deskplane.Scope) {
	n := max(16, min(t.s.seqHint.Load(), 4096), 2*t.refill)
	t.refill = n
	if t.seqsQueued == nil {
		t.seqsQueued = make(map[deskplane.Scope]bool)
	}
	t.seqsQueued[sc] = true
	t.queue(&sc, `SELECT nextval('deskplane_seq') FROM generate_series(1, $1)`, n).Query(func(rows pgx.Rows) error {
		delete(t.seqsQueued, sc)
		got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		slices.Sort(got)
		if t.seqs == nil {
			t.seqs = make(map[deskplane.Scope][]int64)
		}
		t.seqs[sc] = append(t.seqs[sc], got...)
		return nil
	})
}

// lock queues the scope's lock.
func (t *tx) lock(sc deskplane.Scope) {
	if t.locked == nil {
		t.locked = make(map[deskplane.Scope]bool)
	}
	t.locked[sc] = true
	t.b.Queue(`SELECT pg_advisory_xact_lock($1)`, t.s.scopeLock(sc))
}

// send runs the queued statements in one round trip and calls their
// result functions in order.
func (t *tx) send() error {
	if len(t.b.QueuedQueries) == 0 {
		return nil
	}
	b := t.b
	t.b = pgx.Batch{}
	t.prefetching = false
	t.s.roundTrips.Add(1)
	settled, owed := false, t.owedQueued
	t.owedQueued = false
	if owed {
		b.QueuedQueries[0].Exec(func(pgconn.CommandTag) error { settled = true; return nil })
	}
	err := t.conn.SendBatch(t.ctx, &b).Close()
	if err != nil && owed && !settled && t.ctx.Err() == nil {
		// The parked connection failed before this View's statements
		// ran (the server cut it meanwhile): run them on a fresh one.
		_ = t.conn.Conn().Close(context.WithoutCancel(t.ctx))
		t.conn.Release()
		t.conn = nil
		conn, aerr := t.s.pool.Acquire(t.ctx)
		if aerr != nil {
			return aerr
		}
		t.conn = conn
		var rest pgx.Batch
		for _, q := range b.QueuedQueries[1:] {
			rest.Queue(q.SQL, q.Arguments...).Fn = q.Fn
		}
		t.s.roundTrips.Add(1)
		err = t.conn.SendBatch(t.ctx, &rest).Close()
	}
	if err != nil {
		t.failed = true
	}
	return err
}

// nonNil keeps NOT NULL bytea columns happy: pgx sends a nil slice as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (t *tx) Get(k deskplane.Key) (deskplane.Record, error) {
	if err := t.check(false); err != nil {
		return deskplane.Record{}, err
	}
	if kk := t.known[k]; kk != nil {
		if !kk.exists {
			return deskplane.Record{}, deskplane.ErrNotFound
		}
		r := kk.rec
		r.Data = append([]byte{}, r.Data...)
		return r, nil
	}
	if t.prefetching && t.pending[k] {
		// The Prefetch that reads this key is still queued.
		if err := t.send(); err != nil {
			return deskplane.Record{}, t.fail("get", err)
		}
		if kk := t.known[k]; kk != nil {
			return t.Get(k)
		}
	}
	r := deskplane.Record{Key: k}
	found := false
	t.queue(&k.Scope, getSQL, k.Account, k.Region, string(k.Kind), k.ID).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&r.Seq, &r.Version, &r.Data)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	if err := t.send(); err != nil {
		return deskplane.Record{}, t.fail("get", err)
	}
	if !found {
		t.learn(k, false, deskplane.Record{})
		return deskplane.Record{}, deskplane.ErrNotFound
	}
	r.Data = nonNil(r.Data)
	t.learn(k, true, r)
	return r, nil
}

// getSQL reads one record by its primary key. Written as "the first id
// at or after $4, then keep it if it is $4" so that only the primary key
// (account, region, kind, id) can serve it without a sort: with
// "id = $4" the planner rates deskplane_records_seq (account, region,
// kind, seq) with id as a filter the same as the primary key whenever it
// has no statistics (a new schema, before autovacuum's first ANALYZE), and
// picks it: every Get then scans the scope's records of the kind. Here the
// seq index would need every record of the kind and a sort, so the plan
// is the primary key's with or without statistics
// (TestGetPlanUsesPrimaryKey; docs/decisions/0341-postgres-prefetch-and-get-plan.md).
const getSQL = `SELECT seq, version, data FROM (
	SELECT id, seq, version, data FROM deskplane_records
	WHERE account = $1 AND region = $2 AND kind = $3 AND id >= $4
	ORDER BY id LIMIT 1
) r WHERE id = $4`

// prefetchSQL is getSQL for many keys of one scope: $3 and $4 are the
// kinds and ids, $5 their positions in the answer.
const prefetchSQL = `SELECT k.i, r.seq, r.version, r.data
FROM unnest($3::text[], $4::text[], $5::int[]) AS k(kind, id, i)
CROSS JOIN LATERAL (
	SELECT id, seq, version, data FROM deskplane_records
	WHERE account = $1 AND region = $2 AND kind = k.kind AND id >= k.id
	ORDER BY id LIMIT 1
) r WHERE r.id = k.id`

// Prefetch reads the keys the tx does not know yet, one statement per
// scope, and learns them, present or absent, as Get would. The statements
// are queued and go out with the next statement that reads (a Get of one
// of the keys sends them at once), so a Prefetch before the first Count or
// Get of an Update costs no round trip of its own. In a View it does
// nothing: a View does not remember what it read.
//
// A tx that prefetches is about to write, so the same pipeline also
// fetches a run of Seq values for each scope that has none (as many as the
// last Update used): the first Put of a new key then costs no round trip.
func (t *tx) Prefetch(keys []deskplane.Key) error {
	if err := t.check(false); err != nil {
		return err
	}
	if !t.writable {
		return nil
	}
	type batch struct {
		kinds, ids []string
		pos        []int32
		keys       []deskplane.Key
	}
	var scopes []deskplane.Scope
	byScope := map[deskplane.Scope]*batch{}
	for _, k := range keys {
		if t.known[k] != nil || t.pending[k] {
			continue
		}
		b := byScope[k.Scope]
		if b == nil {
			b = &batch{}
			byScope[k.Scope] = b
			scopes = append(scopes, k.Scope)
		}
		if t.pending == nil {
			t.pending = make(map[deskplane.Key]bool)
		}
		t.pending[k] = true
		b.kinds = append(b.kinds, string(k.Kind))
		b.ids = append(b.ids, k.ID)
		b.pos = append(b.pos, int32(len(b.keys)))
		b.keys = append(b.keys, k)
	}
	for _, sc := range scopes {
		b := byScope[sc]
		t.queue(&sc, prefetchSQL, sc.Account, sc.Region, b.kinds, b.ids, b.pos).Query(func(rows pgx.Rows) error {
			found := make([]bool, len(b.keys))
			for rows.Next() {
				var i int32
				r := deskplane.Record{}
				if err := rows.Scan(&i, &r.Seq, &r.Version, &r.Data); err != nil {
					return err
				}
				if i < 0 || int(i) >= len(b.keys) {
					return errors.New("prefetch: a row of no key asked for")
				}
				r.Key, r.Data = b.keys[i], nonNil(r.Data)
				found[i] = true
				t.learnPrefetched(r.Key, true, r)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for i, k := range b.keys {
				if !found[i] {
					t.learnPrefetched(k, false, deskplane.Record{})
				}
			}
			return nil
		})
		t.prefetching = true
		if len(t.seqs[sc]) == 0 && !t.seqsQueued[sc] {
			t.queueSeqs(sc)
		}
	}
	return nil
}

// learnPrefetched learns what a Prefetch read, unless the tx learned the
// key meanwhile (by a write queued after the Prefetch): that is newer.
func (t *tx) learnPrefetched(k deskplane.Key, exists bool, r deskplane.Record) {
	delete(t.pending, k)
	if t.known[k] == nil {
		t.learn(k, exists, r)
	}
}

func (t *tx) Put(k deskplane.Key, data []byte) (deskplane.Record, error) {
	if err := t.check(true); err != nil {
		return deskplane.Record{}, err
	}
	r := deskplane.Record{Key: k, Data: append([]byte{}, data...)}
	t.changed(k)
	if kk := t.known[k]; kk != nil {
		if kk.exists {
			r.Seq, r.Version = kk.rec.Seq, kk.rec.Version+1
			t.queueWrite(&k.Scope,
				`UPDATE deskplane_records SET version = $5, data = $6
				 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4 AND version = $5 - 1`,
				k.Account, k.Region, string(k.Kind), k.ID, r.Version, r.Data).Exec(expectOne)
		} else {
			seq, err := t.nextSeq(k.Scope)
			if err != nil {
				return deskplane.Record{}, t.fail("put", err)
			}
			r.Seq, r.Version = seq, 1
			t.queueWrite(&k.Scope,
				`INSERT INTO deskplane_records (account, region, kind, id, seq, version, data)
				 VALUES ($1, $2, $3, $4, $5, 1, $6)`,
				k.Account, k.Region, string(k.Kind), k.ID, r.Seq, r.Data)
			t.count(k, 1)
		}
		kk.exists, kk.rec = true, r
		return r, nil
	}
	// nextval runs even when the key exists: Seq has gaps, which the
	// contract allows. A new key counts in deskplane_counts.
	t.queue(&k.Scope,
		`WITH r AS (
			INSERT INTO deskplane_records AS r (account, region, kind, id, seq, version, data)
			VALUES ($1, $2, $3, $4, nextval('deskplane_seq'), 1, $5)
			ON CONFLICT (account, region, kind, id)
			DO UPDATE SET version = r.version + 1, data = EXCLUDED.data
			RETURNING seq, version
		 ), c AS (
			INSERT INTO deskplane_counts AS c (account, region, kind, n)
			SELECT $1, $2, $3, 1 FROM r WHERE version = 1
			ON CONFLICT (account, region, kind) DO UPDATE SET n = c.n + 1
		 )
		 SELECT seq, version FROM r`,
		k.Account, k.Region, string(k.Kind), k.ID, r.Data).QueryRow(func(row pgx.Row) error {
		return row.Scan(&r.Seq, &r.Version)
	})
	if err := t.send(); err != nil {
		return deskplane.Record{}, t.fail("put", err)
	}
	t.learn(k, true, r)
	return r, nil
}

// errChanged is a queued write that found its row other than the tx
// knew it: something wrote the scope without holding its lock.
var errChanged = errors.New("a record changed under its scope's lock")

func expectOne(ct pgconn.CommandTag) error {
	if ct.RowsAffected() != 1 {
		return errChanged
	}
	return nil
}

func (t *tx) Delete(k deskplane.Key) (bool, error) {
	if err := t.check(true); err != nil {
		return false, err
	}
	t.changed(k)
	if kk := t.known[k]; kk != nil {
		existed := kk.exists
		if existed {
			t.queueWrite(&k.Scope,
				`WITH t AS (
					DELETE FROM deskplane_timers
					WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4
				 )
				 DELETE FROM deskplane_records
				 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4`,
				k.Account, k.Region, string(k.Kind), k.ID).Exec(expectOne)
			t.count(k, -1)
		} else {
			t.queueWrite(&k.Scope,
				`DELETE FROM deskplane_timers
				 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4`,
				k.Account, k.Region, string(k.Kind), k.ID)
		}
		kk.exists, kk.rec = false, deskplane.Record{}
		return existed, nil
	}
	var n int64
	t.queue(&k.Scope,
		`WITH t AS (
			DELETE FROM deskplane_timers
			WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4
		 ), r AS (
			DELETE FROM deskplane_records
			WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4
			RETURNING 1
		 ), c AS (
			UPDATE deskplane_counts SET n = n - 1
			WHERE account = $1 AND region = $2 AND kind = $3 AND EXISTS (SELECT FROM r)
		 )
		 SELECT count(*) FROM r`,
		k.Account, k.Region, string(k.Kind), k.ID).QueryRow(func(row pgx.Row) error {
		return row.Scan(&n)
	})
	if err := t.send(); err != nil {
		return false, t.fail("delete", err)
	}
	t.learn(k, false, deskplane.Record{})
	return n > 0, nil
}

func (t *tx) List(sc deskplane.Scope, kind deskplane.Kind, afterSeq int64, fn func(deskplane.Record) bool) error {
	if err := t.check(false); err != nil {
		return err
	}
	lk := listKey{sc, kind, afterSeq}
	if recs, ok := t.lists[lk]; ok {
		for _, r := range recs {
			r.Data = append([]byte{}, r.Data...)
			if !fn(r) {
				return nil
			}
		}
		return nil
	}
	first := true
	// Read in growing chunks: a page of 25 costs one small query, a walk
	// of everything a few large ones, and an early stop never drags the
	// rest of a big kind over the wire. Each chunk is one range scan of
	// deskplane_records_seq.
	for chunk := 32; ; chunk = min(chunk*4, 2048) {
		var page []deskplane.Record
		t.queue(&sc,
			`SELECT id, seq, version, data FROM deskplane_records
			 WHERE account = $1 AND region = $2 AND kind = $3 AND seq > $4
			 ORDER BY seq LIMIT $5`,
			sc.Account, sc.Region, string(kind), afterSeq, chunk).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				r := deskplane.Record{Key: deskplane.Key{Scope: sc, Kind: kind}}
				if err := rows.Scan(&r.ID, &r.Seq, &r.Version, &r.Data); err != nil {
					return err
				}
				r.Data = nonNil(r.Data)
				page = append(page, r)
			}
			return rows.Err()
		})
		if err := t.send(); err != nil {
			return t.fail("list", err)
		}
		if first && len(page) < chunk && t.writable {
			// All of it, and under the scope's lock only this tx can
			// change it: the next List of it needs no round trip (timer
			// handlers each look for transition faults, usually none).
			if t.lists == nil {
				t.lists = make(map[listKey][]deskplane.Record)
			}
			t.lists[lk] = slices.Clone(page)
			for i := range page {
				page[i].Data = append([]byte{}, page[i].Data...)
			}
		}
		first = false
		for _, r := range page {
			if !fn(r) {
				return nil
			}
			afterSeq = r.Seq
		}
		if len(page) < chunk {
			return nil
		}
	}
}

func (t *tx) Count(sc deskplane.Scope, kind deskplane.Kind) (int, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	var n int64
	t.queue(&sc,
		`SELECT coalesce((SELECT n FROM deskplane_counts WHERE account = $1 AND region = $2 AND kind = $3), 0)`,
		sc.Account, sc.Region, string(kind)).QueryRow(func(row pgx.Row) error {
		return row.Scan(&n)
	})
	if err := t.send(); err != nil {
		return 0, t.fail("count", err)
	}
	return int(n), nil
}

func (t *tx) Schedule(tm deskplane.Timer) error {
	if err := t.check(true); err != nil {
		return err
	}
	k := tm.Key
	t.queueWrite(&k.Scope,
		`INSERT INTO deskplane_timers (account, region, kind, id, name, due_s, due_ns, payload)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		 ON CONFLICT (account, region, kind, id, name)
		 DO UPDATE SET due_s = EXCLUDED.due_s, due_ns = EXCLUDED.due_ns, payload = EXCLUDED.payload`,
		k.Account, k.Region, string(k.Kind), k.ID, tm.Name, tm.Due.Unix(), int32(tm.Due.Nanosecond()), nonNil(append([]byte{}, tm.Payload...)))
	return nil
}

func (t *tx) Cancel(k deskplane.Key, name string) error {
	if err := t.check(true); err != nil {
		return err
	}
	t.queueWrite(&k.Scope,
		`DELETE FROM deskplane_timers
		 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4 AND name = $5`,
		k.Account, k.Region, string(k.Kind), k.ID, name)
	return nil
}

// scanTimer reads a row of (name, due_s, due_ns, payload).
func scanTimer(rows pgx.Rows, tm *deskplane.Timer, dest ...any) error {
	var sec int64
	var nsec int32
	if err := rows.Scan(append(dest, &tm.Name, &sec, &nsec, &tm.Payload)...); err != nil {
		return err
	}
	tm.Due = time.Unix(sec, int64(nsec)).UTC()
	if len(tm.Payload) == 0 {
		tm.Payload = nil
	}
	return nil
}

func (t *tx) Timers(k deskplane.Key) ([]deskplane.Timer, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	var out []deskplane.Timer
	t.queue(&k.Scope,
		`SELECT name, due_s, due_ns, payload FROM deskplane_timers
		 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4
		 ORDER BY due_s, due_ns, name`,
		k.Account, k.Region, string(k.Kind), k.ID).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			tm := deskplane.Timer{Key: k}
			if err := scanTimer(rows, &tm); err != nil {
				return err
			}
			out = append(out, tm)
		}
		return rows.Err()
	})
	if err := t.send(); err != nil {
		return nil, t.fail("timers", err)
	}
	return out, nil
}

func (t *tx) Due(now time.Time, limit int) ([]deskplane.Timer, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	q := `SELECT account, region, kind, id, name, due_s, due_ns, payload FROM deskplane_timers
		 WHERE (due_s, due_ns) <= ($1, $2)
		 ORDER BY due_s, due_ns, account, region, kind, id, name
		 LIMIT $3`
	if t.writable {
		// Claim them: a concurrent Update skips these rows instead of
		// returning them too (or waiting for us).
		q += ` FOR UPDATE SKIP LOCKED`
	}
	var out []deskplane.Timer
	t.queue(nil, q, now.Unix(), int32(now.Nanosecond()), limit).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var tm deskplane.Timer
			var kind string
			if err := scanTimer(rows, &tm, &tm.Key.Account, &tm.Key.Region, &kind, &tm.Key.ID); err != nil {
				return err
			}
			tm.Key.Kind = deskplane.Kind(kind)
			out = append(out, tm)
		}
		return rows.Err()
	})
	if err := t.send(); err != nil {
		return nil, t.fail("due", err)
	}
	if t.writable {
		// Lock the scopes of the claimed timers now, in one order for
		// every node, rather than as the handlers reach them in Due order:
		// two nodes firing timers of the same scopes then queue instead of
		// deadlocking.
		var scopes []deskplane.Scope
		for _, tm := range out {
			if !t.locked[tm.Key.Scope] && !slices.Contains(scopes, tm.Key.Scope) {
				scopes = append(scopes, tm.Key.Scope)
			}
		}
		if len(scopes) > 0 {
			slices.SortFunc(scopes, compareScopes)
			for _, sc := range scopes {
				t.lock(sc)
			}
			if err := t.send(); err != nil {
				return nil, t.fail("due", err)
			}
		}
	}
	return out, nil
}

func compareScopes(a, b deskplane.Scope) int {
	return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region))
}

func (t *tx) NextDue() (time.Time, bool, error) {
	if err := t.check(false); err != nil {
		return time.Time{}, false, err
	}
	var sec int64
	var nsec int32
	found := false
	t.queue(nil,
		`SELECT due_s, due_ns FROM deskplane_timers ORDER BY due_s, due_ns LIMIT 1`).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&sec, &nsec)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	if err := t.send(); err != nil {
		return time.Time{}, false, t.fail("next due", err)
	}
	if !found {
		return time.Time{}, false, nil
	}
	return time.Unix(sec, int64(nsec)).UTC(), true, nil
}

func (t *tx) Regions(account string) ([]string, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	var out []string
	t.queue(nil,
		`SELECT region FROM deskplane_counts WHERE account = $1 AND n > 0 GROUP BY region ORDER BY region`,
		account).Query(func(rows pgx.Rows) error {
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err := t.send(); err != nil {
		return nil, t.fail("regions", err)
	}
	return out, nil
}

func (t *tx) Reset(account string) error {
	if err := t.check(true); err != nil {
		return err
	}
	// Lock every scope of the account (of all accounts when empty), in
	// order, until no new one shows up, then delete: writers of those
	// scopes have either committed before or wait for this transaction.
	// DELETE, not TRUNCATE: TRUNCATE is not MVCC-safe for concurrent
	// snapshots and takes an exclusive lock.
	where, args := ` WHERE account = $1`, []any{account}
	if account == "" {
		where, args = "", nil
	}
	for {
		var scopes []deskplane.Scope
		t.queue(nil,
			`SELECT account, region FROM deskplane_counts`+where+`
			 UNION SELECT account, region FROM deskplane_timers`+where,
			args...).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var sc deskplane.Scope
				if err := rows.Scan(&sc.Account, &sc.Region); err != nil {
					return err
				}
				scopes = append(scopes, sc)
			}
			return rows.Err()
		})
		if err := t.send(); err != nil {
			return t.fail("reset", err)
		}
		slices.SortFunc(scopes, compareScopes)
		fresh := 0
		for _, sc := range scopes {
			if !t.locked[sc] {
				t.lock(sc)
				fresh++
			}
		}
		if fresh == 0 {
			break
		}
		if err := t.send(); err != nil {
			return t.fail("reset", err)
		}
	}
	t.queue(nil,
		`WITH t AS (DELETE FROM deskplane_timers`+where+`),
		      c AS (DELETE FROM deskplane_counts`+where+`)
		 DELETE FROM deskplane_records`+where, args...)
	if err := t.send(); err != nil {
		return t.fail("reset", err)
	}
	clear(t.known)
	clear(t.lists)
	return nil
}
