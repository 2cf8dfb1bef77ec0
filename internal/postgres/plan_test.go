package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/deskplane/deskplane"
)

// TestGetPlanUsesPrimaryKey: a Get, and a Prefetch, are served by the
// primary key on a new schema (no statistics: autovacuum has not analysed
// it yet) as well as on an analysed one, for generic and custom plans
// alike. With "id = $4" PostgreSQL 15 served the Get of a new schema from
// deskplane_records_seq with id as a filter, scanning every record of the
// kind (docs/decisions/0341-postgres-prefetch-and-get-plan.md). The plan is
// read with EXPLAIN: nothing here depends on timing.
func TestGetPlanUsesPrimaryKey(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	s := openSchema(t, dsn, schema, Options{})
	defer s.Close()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET search_path = `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	// 20,000 records of one scope in three kinds, as a few minutes of
	// CreateWorkspaces in one account leave them.
	if _, err := conn.Exec(ctx, `INSERT INTO deskplane_records (account, region, kind, id, seq, version, data)
		SELECT '123456789012', 'us-east-1', (ARRAY['workspace', 'workspaceuser', 'tags'])[i % 3 + 1],
			'ws-' || lpad(i::text, 9, '0'), i, 1, convert_to(repeat('x', 300), 'UTF8')
		FROM generate_series(1, 20000) AS i`); err != nil {
		t.Fatal(err)
	}
	var analysed bool
	if err := conn.QueryRow(ctx, `SELECT reltuples >= 0 FROM pg_class WHERE oid = 'deskplane_records'::regclass`).Scan(&analysed); err != nil {
		t.Fatal(err)
	}
	if analysed {
		t.Fatal("the new schema has statistics already: the test checks nothing")
	}
	if _, err := conn.Exec(ctx, `PREPARE get(text, text, text, text) AS `+getSQL); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `PREPARE prefetch(text, text, text[], text[], int[]) AS `+prefetchSQL); err != nil {
		t.Fatal(err)
	}
	check := func(stats string) {
		t.Helper()
		for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
			if _, err := conn.Exec(ctx, `SET plan_cache_mode = `+mode); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`EXPLAIN EXECUTE get('123456789012', 'us-east-1', 'workspace', 'ws-000000003')`,
				`EXPLAIN EXECUTE prefetch('123456789012', 'us-east-1', ARRAY['workspace', 'tags'], ARRAY['ws-000000003', 'ws-x'], ARRAY[0, 1])`,
			} {
				rows, err := conn.Query(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					t.Fatal(err)
				}
				plan := strings.Join(lines, "\n")
				if !strings.Contains(plan, "Index Scan using deskplane_records_pkey") ||
					strings.Contains(plan, "deskplane_records_seq") || strings.Contains(plan, "Seq Scan") ||
					!strings.Contains(plan, "(id >= ") {
					t.Errorf("%s, %s: %s\nplan:\n%s", stats, mode, q, plan)
				}
			}
		}
	}
	check("no statistics")
	if _, err := conn.Exec(ctx, `ANALYZE deskplane_records`); err != nil {
		t.Fatal(err)
	}
	check("analysed")

	// And the answers are right, with the neighbours of each id present.
	sc := deskplane.Scope{Account: "123456789012", Region: "us-east-1"}
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		var keys []deskplane.Key
		for _, id := range []string{"ws-000000003", "ws-00000000", "ws-0000000030", "ws-000000004"} {
			keys = append(keys, deskplane.Key{Scope: sc, Kind: "workspace", ID: id})
		}
		if err := tx.Prefetch(keys[:2]); err != nil {
			return err
		}
		for i, k := range keys {
			r, err := tx.Get(k)
			switch {
			case i == 0 && (err != nil || r.Seq != 3):
				return fmt.Errorf("Get %v: %+v, %v", k, r, err)
			case i > 0 && err == nil:
				return fmt.Errorf("Get %v found %+v", k, r)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestPrefetchRoundTrips: a Prefetch rides with the next statement, the
// Gets of its keys and the Puts of new keys (within the Seq run fetched
// with it) cost no round trip.
func TestPrefetchRoundTrips(t *testing.T) {
	s := openFresh(t)
	defer s.Close()
	sc := deskplane.Scope{Account: "123456789012", Region: "us-east-1"}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		_, err := tx.Put(deskplane.Key{Scope: sc, Kind: "account", ID: "a"}, []byte(`{}`))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	before := s.roundTrips.Load()
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		keys := []deskplane.Key{{Scope: sc, Kind: "account", ID: "a"}}
		for i := range 16 { // the Seq run of a fresh store holds 16
			keys = append(keys, deskplane.Key{Scope: sc, Kind: "workspace", ID: fmt.Sprint("ws-", i)})
		}
		if err := tx.Prefetch(keys); err != nil {
			return err
		}
		if _, err := tx.Count(sc, "workspace"); err != nil {
			return err
		}
		if got := s.roundTrips.Load() - before; got != 1 {
			t.Errorf("Prefetch and Count: %d round trips, want 1", got)
		}
		if _, err := tx.Get(keys[0]); err != nil {
			return err
		}
		for _, k := range keys[1:] {
			if _, err := tx.Get(k); err == nil {
				return fmt.Errorf("%v found", k)
			}
			if _, err := tx.Put(k, []byte(`{}`)); err != nil {
				return err
			}
		}
		if got := s.roundTrips.Load() - before; got != 1 {
			t.Errorf("Gets and Puts of prefetched keys: %d round trips in all, want 1", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := s.roundTrips.Load() - before; got != 2 {
		t.Errorf("%d round trips with the COMMIT, want 2", got)
	}
	n := 0
	if err := s.View(ctx, func(tx deskplane.Tx) error {
		var err error
		n, err = tx.Count(sc, "workspace")
		return err
	}); err != nil || n != 16 {
		t.Errorf("Count after commit: %d, %v", n, err)
	}
}
