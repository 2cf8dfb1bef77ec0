package bolt

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/deskplane/deskplane"
)

// testdata/schema1.db was written by this package at schema 1 (commit
// debd91c, records keyed by ID plus a Seq index), in one Update:
//
//	Put 111111111111/us-east-1 workspace ws-1 … ws-5 ({"id":"ws-N"}), seq 1–5
//	Delete ws-2
//	Put ws-3 again ({"id":"ws-3","v":2}): version 2
//	Put 111111111111/us-east-1 image "im\x00g" ("image"), seq 6
//	Put 222222222222/eu-west-1 workspace ws-9 (no data), seq 7
//	Schedule ws-1 "launch" at 2030-01-01T00:00:00Z, payload "p1"
//	Schedule ws-9 "stop" an hour later, no payload
func TestMigrateSchema1(t *testing.T) {
	raw, err := os.ReadFile("testdata/schema1.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deskplane.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if v, _ := readSchema(t, path); v != 1 {
		t.Fatalf("fixture has schema %d, want 1", v)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	b := deskplane.Scope{Account: "222222222222", Region: "eu-west-1"}
	ws := func(sc deskplane.Scope, id string) deskplane.Key {
		return deskplane.Key{Scope: sc, Kind: "workspace", ID: id}
	}
	due := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

	type rec struct {
		id       string
		seq, ver int64
		data     string
	}
	list := func(tx deskplane.Tx, sc deskplane.Scope, kind deskplane.Kind, after int64) []rec {
		t.Helper()
		var out []rec
		if err := tx.List(sc, kind, after, func(r deskplane.Record) bool {
			if r.Scope != sc || r.Kind != kind {
				t.Errorf("List(%v, %s) returned key %v", sc, kind, r.Key)
			}
			out = append(out, rec{r.ID, r.Seq, r.Version, string(r.Data)})
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	check := func(tx deskplane.Tx) {
		t.Helper()
		want := []rec{{"ws-1", 1, 1, `{"id":"ws-1"}`}, {"ws-3", 3, 2, `{"id":"ws-3","v":2}`}, {"ws-4", 4, 1, `{"id":"ws-4"}`}, {"ws-5", 5, 1, `{"id":"ws-5"}`}}
		if got := list(tx, a, "workspace", 0); !slices.Equal(got, want) {
			t.Errorf("List workspaces of a = %v, want %v", got, want)
		}
		if got := list(tx, a, "workspace", 3); !slices.Equal(got, want[2:]) {
			t.Errorf("List workspaces of a after 3 = %v, want %v", got, want[2:])
		}
		if got := list(tx, a, "image", 0); !slices.Equal(got, []rec{{"im\x00g", 6, 1, "image"}}) {
			t.Errorf("List images of a = %v", got)
		}
		if got := list(tx, b, "workspace", 0); !slices.Equal(got, []rec{{"ws-9", 7, 1, ""}}) {
			t.Errorf("List workspaces of b = %v", got)
		}
		for _, w := range want {
			r, err := tx.Get(ws(a, w.id))
			if err != nil || r.Seq != w.seq || r.Version != w.ver || string(r.Data) != w.data {
				t.Errorf("Get %s = %+v, %v; want %+v", w.id, r, err, w)
			}
		}
		if _, err := tx.Get(ws(a, "ws-2")); err != deskplane.ErrNotFound {
			t.Errorf("Get of the deleted ws-2: %v", err)
		}
		if r, err := tx.Get(deskplane.Key{Scope: a, Kind: "image", ID: "im\x00g"}); err != nil || r.Seq != 6 || string(r.Data) != "image" {
			t.Errorf("Get image = %+v, %v", r, err)
		}
		for _, c := range []struct {
			sc   deskplane.Scope
			kind deskplane.Kind
			n    int
		}{{a, "workspace", 4}, {a, "image", 1}, {b, "workspace", 1}} {
			if n, err := tx.Count(c.sc, c.kind); err != nil || n != c.n {
				t.Errorf("Count(%v, %s) = %d, %v; want %d", c.sc, c.kind, n, err, c.n)
			}
		}
		if rs, err := tx.Regions(b.Account); err != nil || !slices.Equal(rs, []string{"eu-west-1"}) {
			t.Errorf("Regions(b) = %v, %v", rs, err)
		}
		tms, err := tx.Due(due.Add(2*time.Hour), 10)
		if err != nil || len(tms) != 2 ||
			tms[0].Key != ws(a, "ws-1") || tms[0].Name != "launch" || !tms[0].Due.Equal(due) || string(tms[0].Payload) != "p1" ||
			tms[1].Key != ws(b, "ws-9") || tms[1].Name != "stop" || !tms[1].Due.Equal(due.Add(time.Hour)) || tms[1].Payload != nil {
			t.Errorf("Due = %+v, %v", tms, err)
		}
	}
	if err := s.View(ctx, func(tx deskplane.Tx) error { check(tx); return nil }); err != nil {
		t.Fatal(err)
	}

	// The migrated file takes writes: a new key gets a Seq after every old
	// one, a rewrite keeps its Seq, a delete removes the record and its
	// timers.
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		r, err := tx.Put(ws(a, "ws-new"), []byte("new"))
		if err != nil {
			return err
		}
		if r.Seq <= 7 || r.Version != 1 {
			t.Errorf("new record after migration: %+v", r)
		}
		if r, err = tx.Put(ws(a, "ws-4"), []byte("four")); err != nil || r.Seq != 4 || r.Version != 2 {
			t.Errorf("rewrite of ws-4 = %+v, %v", r, err)
		}
		if ok, err := tx.Delete(ws(a, "ws-1")); !ok || err != nil {
			t.Errorf("Delete ws-1 = %v, %v", ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if v, applied := readSchema(t, path); v != 2 || len(applied) != 2 {
		t.Errorf("migrated file: schema %d, migrations %v", v, applied)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(btx *bbolt.Tx) error {
		if btx.Bucket(bucketRecordsV1) != nil || btx.Bucket(bucketSeqV1) != nil {
			t.Error("the schema-1 buckets are still there")
		}
		return nil
	})
	db.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.View(ctx, func(tx deskplane.Tx) error {
		var ids []string
		for _, r := range list(tx, a, "workspace", 0) {
			ids = append(ids, r.id+"="+r.data)
		}
		if want := []string{`ws-3={"id":"ws-3","v":2}`, `ws-4=four`, `ws-5={"id":"ws-5"}`, `ws-new=new`}; !slices.Equal(ids, want) {
			t.Errorf("after writes and reopen: %v, want %v", ids, want)
		}
		if tms, err := tx.Timers(ws(a, "ws-1")); err != nil || len(tms) != 0 {
			t.Errorf("timers of the deleted ws-1: %v, %v", tms, err)
		}
		if n, err := tx.Count(a, "workspace"); err != nil || n != 4 {
			t.Errorf("Count = %d, %v", n, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
