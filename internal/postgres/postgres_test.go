package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/storetest"
)

const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// testDSN returns the server to test against, or skips the test when it is
// unreachable (but fails under CI=true, where it must be there).
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("DESKPLANE_TEST_POSTGRES")
	if dsn == "" {
		dsn = defaultDSN
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at DESKPLANE_TEST_POSTGRES is unreachable: %v", err)
		}
		tb.Skipf("PostgreSQL unreachable (set DESKPLANE_TEST_POSTGRES): %v", err)
	}
	_ = conn.Close(ctx)
	return dsn
}

// newSchema names a fresh schema for one test and drops it at the end.
// The schema itself is created by Open.
func newSchema(tb testing.TB, dsn string) string {
	tb.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "deskplane_test_" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	return schema
}

func openSchema(tb testing.TB, dsn, schema string, opts Options) *Store {
	tb.Helper()
	opts.Schema = schema
	s, err := Open(context.Background(), dsn, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func openFresh(tb testing.TB) *Store {
	tb.Helper()
	dsn := testDSN(tb)
	return openSchema(tb, dsn, newSchema(tb, dsn), Options{})
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) deskplane.Store { return openFresh(t) })
}

func TestDurability(t *testing.T) {
	dsn := testDSN(t)
	schemas := map[string]string{}
	storetest.RunDurability(t, func(t *testing.T, dir string) deskplane.Store {
		if schemas[dir] == "" {
			schemas[dir] = newSchema(t, dsn)
		}
		return openSchema(t, dsn, schemas[dir], Options{})
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) deskplane.Store { return openFresh(b) })
}

var k1 = deskplane.Key{Scope: deskplane.Scope{Account: "1", Region: "r"}, Kind: "k", ID: "a"}

// TestTwoNodesClaimTimers runs two stores on one schema, as two nodes,
// each with several firing loops; every timer must fire exactly once.
func TestTwoNodesClaimTimers(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	a := openSchema(t, dsn, schema, Options{MaxAttempts: 100})
	defer a.Close()
	b := openSchema(t, dsn, schema, Options{MaxAttempts: 100})
	defer b.Close()
	ctx := context.Background()

	const timers = 300
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := a.Update(ctx, func(tx deskplane.Tx) error {
		for i := range timers {
			k := k1
			k.Account = fmt.Sprint(i % 5) // timers of several scopes, interleaved in Due order
			k.ID = fmt.Sprintf("ws-%03d", i)
			if err := tx.Schedule(deskplane.Timer{Key: k, Name: "fire", Due: t0.Add(time.Duration(i%17) * time.Second)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	fired := map[string]int{}
	var attempts atomic.Int64
	var wg sync.WaitGroup
	for node, s := range []*Store{a, b, a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var claimed []string
				err := s.Update(ctx, func(tx deskplane.Tx) error {
					attempts.Add(1)
					claimed = claimed[:0] // fn may run again
					ts, err := tx.Due(t0.Add(time.Hour), 7)
					if err != nil {
						return err
					}
					for _, tm := range ts {
						if err := tx.Cancel(tm.Key, tm.Name); err != nil {
							return err
						}
						// What a handler does: read-modify-write in the
						// timer's scope.
						ck := deskplane.Key{Scope: tm.Key.Scope, Kind: "fired", ID: "n"}
						r, err := tx.Get(ck)
						if err != nil && !errors.Is(err, deskplane.ErrNotFound) {
							return err
						}
						if _, err := tx.Put(ck, append(r.Data, '+')); err != nil {
							return err
						}
						claimed = append(claimed, tm.Key.ID)
					}
					return nil
				})
				if err != nil {
					t.Errorf("node %d: %v", node%2, err)
					return
				}
				mu.Lock()
				for _, id := range claimed {
					fired[id]++
				}
				mu.Unlock()
				if len(claimed) == 0 {
					// Nothing claimable: done if nothing is left at all
					// (rows locked by the other node are skipped).
					var left bool
					if err := s.View(ctx, func(tx deskplane.Tx) error {
						_, left, err = tx.NextDue()
						return err
					}); err != nil {
						t.Error(err)
						return
					}
					if !left {
						return
					}
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	if len(fired) != timers {
		t.Errorf("%d timers fired, want %d", len(fired), timers)
	}
	for id, n := range fired {
		if n != 1 {
			t.Errorf("timer %s fired %d times", id, n)
		}
	}
	for acct := range 5 {
		if err := b.View(ctx, func(tx deskplane.Tx) error {
			r, err := tx.Get(deskplane.Key{Scope: deskplane.Scope{Account: fmt.Sprint(acct), Region: k1.Region}, Kind: "fired", ID: "n"})
			if err != nil {
				return err
			}
			if len(r.Data) != timers/5 {
				t.Errorf("account %d: handlers recorded %d firings, want %d", acct, len(r.Data), timers/5)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d timers fired in %d attempts", len(fired), attempts.Load())
}

func TestMigrations(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	ctx := context.Background()

	// Nodes starting at once on a fresh schema: one migrates, the others wait.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, dsn, Options{Schema: schema})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	applied := func() []string {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT version || ':' || name FROM `+pgx.Identifier{schema, "deskplane_migrations"}.Sanitize()+` ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := applied(); len(got) != len(migrations()) {
		t.Fatalf("migrations after concurrent opens: %v", got)
	}

	s := openSchema(t, dsn, schema, Options{})
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		_, err := tx.Put(k1, []byte("v1"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	v3 := migration{3, "add a note column", execSQL(`ALTER TABLE deskplane_records ADD COLUMN note text NOT NULL DEFAULT 'migrated'`)}
	failing := migration{4, "fail", execSQL(`SELECT no_such_function()`)}
	if _, err := Open(ctx, dsn, Options{Schema: schema, migrations: append(migrations(), v3, failing)}); err == nil {
		t.Fatal("Open with a failing migration succeeded")
	}
	if got := applied(); len(got) != len(migrations()) {
		t.Fatalf("a failed migration left %v", got)
	}
	s = openSchema(t, dsn, schema, Options{migrations: append(migrations(), v3)})
	var note string
	if err := s.pool.QueryRow(ctx, `SELECT note FROM deskplane_records`).Scan(&note); err != nil || note != "migrated" {
		t.Errorf("after v3: note %q, %v", note, err)
	}
	s.Close()
	if got := applied(); !slices.Equal(got, []string{"1:create records, timers and the Seq sequence", "2:count records per scope and kind", "3:add a note column"}) {
		t.Errorf("migrations = %v", got)
	}
	if _, err := Open(ctx, dsn, Options{Schema: schema}); err == nil {
		t.Error("an older program opened a newer schema")
	}
}

func TestRetryable(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("postgres: get: %w", &pgconn.PgError{Code: code}) }
	for _, c := range []struct {
		err  error
		want bool
	}{
		{pg("40001"), true},
		{pg("40P01"), true},
		{pg("53200"), true}, // out of shared memory: the predicate-lock table is full
		{pg("57P01"), true}, // pg_terminate_backend
		{pg("08006"), true},
		{pg("22021"), false}, // bad input is not retried
		{pg("23505"), false},
		{&commitError{err: &pgconn.PgError{Code: "40001"}}, true},
		{&commitError{err: &pgconn.PgError{Code: "57P01"}}, false}, // the commit may have happened
		{errors.New("something else"), false},
	} {
		if got := retryable(c.err); got != c.want {
			t.Errorf("retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestCountsMigration: a schema written before the counts existed gets
// them from its records.
func TestCountsMigration(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	ctx := context.Background()
	old := openSchema(t, dsn, schema, Options{migrations: migrations()[:1]})
	if _, err := old.pool.Exec(ctx, `INSERT INTO deskplane_records (account, region, kind, id, seq, version, data)
		SELECT '1', 'r', 'k', 'id-' || i, nextval('deskplane_seq'), 1, ''::bytea FROM generate_series(1, 7) i
		UNION ALL SELECT '1', 'q', 'k', 'x', nextval('deskplane_seq'), 1, ''::bytea`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s := openSchema(t, dsn, schema, Options{})
	defer s.Close()
	if err := s.View(ctx, func(tx deskplane.Tx) error {
		for _, c := range []struct {
			sc   deskplane.Scope
			kind deskplane.Kind
			want int
		}{{k1.Scope, "k", 7}, {deskplane.Scope{Account: "1", Region: "q"}, "k", 1}, {k1.Scope, "other", 0}} {
			n, err := tx.Count(c.sc, c.kind)
			if err != nil {
				return err
			}
			if n != c.want {
				t.Errorf("Count(%v, %s) = %d, want %d", c.sc, c.kind, n, c.want)
			}
		}
		regions, err := tx.Regions("1")
		if err != nil {
			return err
		}
		if !slices.Equal(regions, []string{"q", "r"}) {
			t.Errorf("Regions = %v", regions)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestViewRoundTrips: a View of one statement costs one round trip (its
// BEGIN rides along, its COMMIT rides with the next View's first
// statement), and each View still sees what committed before it.
func TestViewRoundTrips(t *testing.T) {
	s := openFresh(t)
	defer s.Close()
	ctx := context.Background()
	get := func() (deskplane.Record, error) {
		var r deskplane.Record
		err := s.View(ctx, func(tx deskplane.Tx) error {
			var err error
			r, err = tx.Get(k1)
			return err
		})
		return r, err
	}
	for i := range 5 {
		before := s.roundTrips.Load()
		if _, err := get(); i == 0 && !errors.Is(err, deskplane.ErrNotFound) || i > 0 && err != nil {
			t.Fatalf("view %d: %v", i, err)
		}
		if n := s.roundTrips.Load() - before; n != 1 {
			t.Errorf("view %d: %d round trips, want 1", i, n)
		}
		if err := s.Update(ctx, func(tx deskplane.Tx) error {
			_, err := tx.Put(k1, []byte(fmt.Sprint(i)))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		r, err := get()
		if err != nil || string(r.Data) != fmt.Sprint(i) {
			t.Fatalf("view after update %d: %q, %v", i, r.Data, err)
		}
	}
	// A failed statement spoils neither the connection nor the next View.
	bad := k1
	bad.ID = "\xff"
	if err := s.View(ctx, func(tx deskplane.Tx) error { _, err := tx.Get(bad); return err }); err == nil {
		t.Error("Get of a key that is not UTF-8 succeeded")
	}
	for range 10 { // more than the parked connections
		if r, err := get(); err != nil || string(r.Data) != "4" {
			t.Fatalf("after a failed View: %q, %v", r.Data, err)
		}
	}
}

// TestParkedConnectionCut: a View that takes a parked connection the
// server has cut meanwhile runs on a fresh one instead of failing.
func TestParkedConnectionCut(t *testing.T) {
	dsn := testDSN(t)
	s := openFresh(t)
	defer s.Close()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		_, err := tx.Put(k1, []byte("v"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// A connection as View parks it: in a read-only transaction, COMMIT owed.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	pid := conn.Conn().PgConn().PID()
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend($1, 10000)`, pid); err != nil {
		t.Fatal(err)
	}
	tx := &tx{ctx: ctx, s: s, conn: conn, owed: true}
	defer func() {
		if tx.conn != nil {
			tx.owed = true
			tx.settle()
		}
	}()
	r, err := tx.Get(k1)
	if err != nil || string(r.Data) != "v" {
		t.Fatalf("Get on a cut parked connection: %q, %v", r.Data, err)
	}
	if tx.conn == conn || tx.conn.Conn().PgConn().PID() == pid {
		t.Error("the cut connection was used")
	}
}

// TestListRemembered: in an Update a complete List is read once, until a
// write of its kind; what it shows stays exact.
func TestListRemembered(t *testing.T) {
	s := openFresh(t)
	defer s.Close()
	ctx := context.Background()
	ids := func(tx deskplane.Tx, kind deskplane.Kind) []string {
		var out []string
		if err := tx.List(k1.Scope, kind, 0, func(r deskplane.Record) bool {
			out = append(out, r.ID+"="+string(r.Data))
			r.Data[0] = 'X' // the caller's copy
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		_, err := tx.Put(deskplane.Key{Scope: k1.Scope, Kind: "k", ID: "a"}, []byte("1"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		if got := ids(tx, "k"); !slices.Equal(got, []string{"a=1"}) {
			t.Errorf("first List: %v", got)
		}
		before := s.roundTrips.Load()
		for range 3 {
			if got := ids(tx, "k"); !slices.Equal(got, []string{"a=1"}) {
				t.Errorf("List again: %v", got)
			}
		}
		if n := s.roundTrips.Load() - before; n != 0 {
			t.Errorf("%d round trips for Lists already read", n)
		}
		if _, err := tx.Put(deskplane.Key{Scope: k1.Scope, Kind: "other", ID: "z"}, []byte("9")); err != nil {
			return err
		}
		if _, err := tx.Put(deskplane.Key{Scope: k1.Scope, Kind: "k", ID: "b"}, []byte("2")); err != nil {
			return err
		}
		if got := ids(tx, "k"); !slices.Equal(got, []string{"a=1", "b=2"}) {
			t.Errorf("List after a Put: %v", got)
		}
		if _, err := tx.Delete(deskplane.Key{Scope: k1.Scope, Kind: "k", ID: "a"}); err != nil {
			return err
		}
		if got := ids(tx, "k"); !slices.Equal(got, []string{"b=2"}) {
			t.Errorf("List after a Delete: %v", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
