package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deskplane/deskplane"
)

var (
	errReadOnly = errors.New("postgres: write in a read-only transaction")
	errTxDone   = errors.New("postgres: transaction used after its function returned")
)

// tx adapts one attempt's pgx transaction to deskplane.Tx.
type tx struct {
	ctx      context.Context
	ptx      pgx.Tx
	writable bool
	done     bool
	retry    error // the first serialization failure or deadlock of the attempt
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
	r := deskplane.Record{Key: k}
	err := t.ptx.QueryRow(t.ctx,
		`SELECT seq, version, data FROM deskplane_records
		 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4`,
		k.Account, k.Region, string(k.Kind), k.ID).Scan(&r.Seq, &r.Version, &r.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return deskplane.Record{}, deskplane.ErrNotFound
	}
	if err != nil {
		return deskplane.Record{}, t.fail("get", err)
	}
	r.Data = nonNil(r.Data)
	return r, nil
}

func (t *tx) Put(k deskplane.Key, data []byte) (deskplane.Record, error) {
	if err := t.check(true); err != nil {
		return deskplane.Record{}, err
	}
	r := deskplane.Record{Key: k, Data: append([]byte{}, data...)}
	// nextval runs even when the key exists: Seq has gaps, which the
	// contract allows.
	err := t.ptx.QueryRow(t.ctx,
		`INSERT INTO deskplane_records AS r (account, region, kind, id, seq, version, data)
		 VALUES ($1, $2, $3, $4, nextval('deskplane_seq'), 1, $5)
		 ON CONFLICT (account, region, kind, id)
		 DO UPDATE SET version = r.version + 1, data = EXCLUDED.data
		 RETURNING seq, version`,
		k.Account, k.Region, string(k.Kind), k.ID, r.Data).Scan(&r.Seq, &r.Version)
	if err != nil {
		return deskplane.Record{}, t.fail("put", err)
	}
	return r, nil
}

func (t *tx) Delete(k deskplane.Key) (bool, error) {
	if err := t.check(true); err != nil {
		return false, err
	}
	tag, err := t.ptx.Exec(t.ctx,
		`WITH timers AS (
			DELETE FROM deskplane_timers
			WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4
		 )
		 DELETE FROM deskplane_records
		 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4`,
		k.Account, k.Region, string(k.Kind), k.ID)
	if err != nil {
		return false, t.fail("delete", err)
	}
	return tag.RowsAffected() > 0, nil
}

func (t *tx) List(sc deskplane.Scope, kind deskplane.Kind, afterSeq int64, fn func(deskplane.Record) bool) error {
	if err := t.check(false); err != nil {
		return err
	}
	// Read in growing chunks: a page of 25 costs one small query, a walk
	// of everything a few large ones, and an early stop never drags the
	// rest of a big kind over the wire.
	for chunk := 32; ; chunk = min(chunk*4, 2048) {
		rows, err := t.ptx.Query(t.ctx,
			`SELECT id, seq, version, data FROM deskplane_records
			 WHERE account = $1 AND region = $2 AND kind = $3 AND seq > $4
			 ORDER BY seq LIMIT $5`,
			sc.Account, sc.Region, string(kind), afterSeq, chunk)
		if err != nil {
			return t.fail("list", err)
		}
		var page []deskplane.Record
		for rows.Next() {
			r := deskplane.Record{Key: deskplane.Key{Scope: sc, Kind: kind}}
			if err := rows.Scan(&r.ID, &r.Seq, &r.Version, &r.Data); err != nil {
				rows.Close()
				return t.fail("list", err)
			}
			r.Data = nonNil(r.Data)
			page = append(page, r)
		}
		if err := rows.Err(); err != nil {
			return t.fail("list", err)
		}
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
	var n int
	err := t.ptx.QueryRow(t.ctx,
		`SELECT count(*) FROM deskplane_records WHERE account = $1 AND region = $2 AND kind = $3`,
		sc.Account, sc.Region, string(kind)).Scan(&n)
	if err != nil {
		return 0, t.fail("count", err)
	}
	return n, nil
}

func (t *tx) Schedule(tm deskplane.Timer) error {
	if err := t.check(true); err != nil {
		return err
	}
	k := tm.Key
	_, err := t.ptx.Exec(t.ctx,
		`INSERT INTO deskplane_timers (account, region, kind, id, name, due_s, due_ns, payload)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		 ON CONFLICT (account, region, kind, id, name)
		 DO UPDATE SET due_s = EXCLUDED.due_s, due_ns = EXCLUDED.due_ns, payload = EXCLUDED.payload`,
		k.Account, k.Region, string(k.Kind), k.ID, tm.Name, tm.Due.Unix(), int32(tm.Due.Nanosecond()), nonNil(tm.Payload))
	if err != nil {
		return t.fail("schedule", err)
	}
	return nil
}

func (t *tx) Cancel(k deskplane.Key, name string) error {
	if err := t.check(true); err != nil {
		return err
	}
	_, err := t.ptx.Exec(t.ctx,
		`DELETE FROM deskplane_timers
		 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4 AND name = $5`,
		k.Account, k.Region, string(k.Kind), k.ID, name)
	if err != nil {
		return t.fail("cancel", err)
	}
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
	rows, err := t.ptx.Query(t.ctx,
		`SELECT name, due_s, due_ns, payload FROM deskplane_timers
		 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4
		 ORDER BY due_s, due_ns, name`,
		k.Account, k.Region, string(k.Kind), k.ID)
	if err != nil {
		return nil, t.fail("timers", err)
	}
	defer rows.Close()
	var out []deskplane.Timer
	for rows.Next() {
		tm := deskplane.Timer{Key: k}
		if err := scanTimer(rows, &tm); err != nil {
			return nil, t.fail("timers", err)
		}
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
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
	rows, err := t.ptx.Query(t.ctx, q, now.Unix(), int32(now.Nanosecond()), limit)
	if err != nil {
		return nil, t.fail("due", err)
	}
	defer rows.Close()
	var out []deskplane.Timer
	for rows.Next() {
		var tm deskplane.Timer
		var kind string
		if err := scanTimer(rows, &tm, &tm.Key.Account, &tm.Key.Region, &kind, &tm.Key.ID); err != nil {
			return nil, t.fail("due", err)
		}
		tm.Key.Kind = deskplane.Kind(kind)
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail("due", err)
	}
	return out, nil
}

func (t *tx) NextDue() (time.Time, bool, error) {
	if err := t.check(false); err != nil {
		return time.Time{}, false, err
	}
	var sec int64
	var nsec int32
	err := t.ptx.QueryRow(t.ctx,
		`SELECT due_s, due_ns FROM deskplane_timers ORDER BY due_s, due_ns LIMIT 1`).Scan(&sec, &nsec)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, t.fail("next due", err)
	}
	return time.Unix(sec, int64(nsec)).UTC(), true, nil
}

func (t *tx) Regions(account string) ([]string, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	rows, err := t.ptx.Query(t.ctx,
		`SELECT DISTINCT region FROM deskplane_records WHERE account = $1 ORDER BY region`, account)
	if err != nil {
		return nil, t.fail("regions", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, t.fail("regions", err)
	}
	return out, nil
}

func (t *tx) Reset(account string) error {
	if err := t.check(true); err != nil {
		return err
	}
	var err error
	if account == "" {
		// DELETE, not TRUNCATE: TRUNCATE is not MVCC-safe for concurrent
		// snapshots and takes an exclusive lock.
		_, err = t.ptx.Exec(t.ctx,
			`WITH timers AS (DELETE FROM deskplane_timers) DELETE FROM deskplane_records`)
	} else {
		_, err = t.ptx.Exec(t.ctx,
			`WITH timers AS (DELETE FROM deskplane_timers WHERE account = $1)
			 DELETE FROM deskplane_records WHERE account = $1`, account)
	}
	if err != nil {
		return t.fail("reset", err)
	}
	return nil
}
