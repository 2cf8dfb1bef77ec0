package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

func testPutGet(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	r := put(t, s, k, `{"a":1}`)
	checkRecord(t, r, k, 1, `{"a":1}`)

	got, ok := get(t, s, k)
	if !ok {
		t.Fatal("Get after Put: not found")
	}
	checkRecord(t, got, k, 1, `{"a":1}`)
	if got.Seq != r.Seq {
		t.Errorf("Get seq = %d, Put returned %d", got.Seq, r.Seq)
	}

	if _, ok := get(t, s, key(scopeA1, kindWS, "ws-2")); ok {
		t.Error("Get of a missing key found a record")
	}
	// ErrNotFound must be recognisable with errors.Is.
	view(t, s, func(tx deskplane.Tx) error {
		_, err := tx.Get(key(scopeA1, kindWS, "missing"))
		if !errors.Is(err, deskplane.ErrNotFound) {
			t.Errorf("Get missing: err = %v, want ErrNotFound", err)
		}
		return nil
	})

	// Empty and nil data are kept as empty data.
	e := put(t, s, key(scopeA1, kindWS, "empty"), "")
	if len(e.Data) != 0 {
		t.Errorf("empty data = %q", e.Data)
	}
	if got, _ := get(t, s, key(scopeA1, kindWS, "empty")); len(got.Data) != 0 || got.Version != 1 {
		t.Errorf("empty record = %+v", got)
	}
	// Odd IDs and kinds are just strings (valid UTF-8 without NUL, which
	// is all that PostgreSQL's text type takes).
	odd := key(deskplane.Scope{Account: "a/b", Region: "x|y"}, "k:1", "id with spaces/é\t%_")
	put(t, s, odd, "odd")
	if got, ok := get(t, s, odd); !ok || string(got.Data) != "odd" || got.Key != odd {
		t.Errorf("odd key: got %+v, %v", got, ok)
	}
}

func testReplace(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	r1 := put(t, s, k, "v1")
	other := put(t, s, key(scopeA1, kindWS, "ws-2"), "x")
	r2 := put(t, s, k, "v2")
	checkRecord(t, r2, k, 2, "v2")
	if r2.Seq != r1.Seq {
		t.Errorf("seq changed on replace: %d → %d", r1.Seq, r2.Seq)
	}
	if other.Seq <= r1.Seq {
		t.Errorf("seq of a later record %d not greater than %d", other.Seq, r1.Seq)
	}
	// Several replaces in one transaction each bump the version.
	update(t, s, func(tx deskplane.Tx) error {
		for i := 3; i <= 5; i++ {
			r, err := tx.Put(k, []byte("v"+strconv.Itoa(i)))
			if err != nil {
				return err
			}
			if r.Version != int64(i) || r.Seq != r1.Seq {
				t.Errorf("in-tx replace %d: version %d seq %d", i, r.Version, r.Seq)
			}
		}
		return nil
	})
	got, _ := get(t, s, k)
	checkRecord(t, got, k, 5, "v5")
	if got.Seq != r1.Seq {
		t.Errorf("seq after replaces = %d, want %d", got.Seq, r1.Seq)
	}
}

func testDelete(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	r1 := put(t, s, k, "v1")
	put(t, s, k, "v2")
	var existed bool
	update(t, s, func(tx deskplane.Tx) error {
		var err error
		existed, err = tx.Delete(k)
		return err
	})
	if !existed {
		t.Error("Delete of an existing record reported false")
	}
	if _, ok := get(t, s, k); ok {
		t.Error("record still there after Delete")
	}
	update(t, s, func(tx deskplane.Tx) error {
		var err error
		existed, err = tx.Delete(k)
		return err
	})
	if existed {
		t.Error("second Delete reported true")
	}
	if n := count(t, s, scopeA1, kindWS); n != 0 {
		t.Errorf("Count after Delete = %d", n)
	}
	// A key written again after a delete is a new record: a new Seq and
	// Version 1.
	r2 := put(t, s, k, "again")
	checkRecord(t, r2, k, 1, "again")
	if r2.Seq <= r1.Seq {
		t.Errorf("recreated seq %d not greater than %d", r2.Seq, r1.Seq)
	}
}

func testDataIsCopied(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	buf := []byte("original")
	update(t, s, func(tx deskplane.Tx) error {
		if _, err := tx.Put(k, buf); err != nil {
			return err
		}
		copy(buf, "CHANGED!") // the caller reuses its buffer
		return nil
	})
	got, _ := get(t, s, k)
	if string(got.Data) != "original" {
		t.Errorf("data = %q, want the value at Put time", got.Data)
	}
	copy(got.Data, "mutated!") // the caller changes what it was given
	again, _ := get(t, s, k)
	if string(again.Data) != "original" {
		t.Errorf("data = %q after the caller changed a returned record", again.Data)
	}
}

func testListOrder(t *testing.T, s deskplane.Store) {
	// Created one per transaction, then three in one transaction, with
	// IDs out of alphabetical order so that only Seq can explain the order.
	put(t, s, key(scopeA1, kindWS, "c"), "c1")
	put(t, s, key(scopeA1, kindWS, "a"), "a1")
	update(t, s, func(tx deskplane.Tx) error {
		for _, id := range []string{"e", "b", "d"} {
			if _, err := tx.Put(key(scopeA1, kindWS, id), []byte(id+"1")); err != nil {
				return err
			}
		}
		return nil
	})
	// Replacing keeps the position; deleting removes it.
	put(t, s, key(scopeA1, kindWS, "c"), "c2")
	update(t, s, func(tx deskplane.Tx) error {
		_, err := tx.Delete(key(scopeA1, kindWS, "b"))
		return err
	})
	rs := list(t, s, scopeA1, kindWS)
	if want := []string{"c", "a", "e", "d"}; !equalStrings(ids(rs), want) {
		t.Fatalf("List = %v, want %v", ids(rs), want)
	}
	for i := 1; i < len(rs); i++ {
		if rs[i].Seq <= rs[i-1].Seq {
			t.Errorf("List not in ascending Seq: %d then %d", rs[i-1].Seq, rs[i].Seq)
		}
	}
	checkRecord(t, rs[0], key(scopeA1, kindWS, "c"), 2, "c2")
	checkRecord(t, rs[3], key(scopeA1, kindWS, "d"), 1, "d1")
	if got := list(t, s, scopeA1, kindImg); len(got) != 0 {
		t.Errorf("List of an empty kind = %v", ids(got))
	}
}

func testListPagination(t *testing.T, s deskplane.Store) {
	const n = 137
	var want []string
	update(t, s, func(tx deskplane.Tx) error {
		for i := range n {
			id := fmt.Sprintf("ws-%03d", (i*7919)%n) // not alphabetical
			want = append(want, id)
			if _, err := tx.Put(key(scopeA1, kindWS, id), []byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	// Noise in other scopes and kinds must not show up.
	put(t, s, key(scopeA2, kindWS, "noise"), "x")
	put(t, s, key(scopeA1, kindImg, "noise"), "x")

	var got []string
	var after int64
	pages := 0
	for {
		var page []deskplane.Record
		view(t, s, func(tx deskplane.Tx) error {
			return tx.List(scopeA1, kindWS, after, func(r deskplane.Record) bool {
				page = append(page, r)
				return len(page) < 25
			})
		})
		pages++
		for _, r := range page {
			if r.Seq <= after {
				t.Fatalf("List after %d returned seq %d", after, r.Seq)
			}
			got = append(got, r.ID)
			after = r.Seq
		}
		if len(page) < 25 {
			break
		}
	}
	if !equalStrings(got, want) {
		t.Errorf("paginated List = %v\nwant %v", got, want)
	}
	if pages != n/25+1 {
		t.Errorf("pages = %d, want %d", pages, n/25+1)
	}

	// Early stop: fn is not called again after it returns false.
	calls := 0
	view(t, s, func(tx deskplane.Tx) error {
		return tx.List(scopeA1, kindWS, 0, func(deskplane.Record) bool {
			calls++
			return false
		})
	})
	if calls != 1 {
		t.Errorf("List called fn %d times after it returned false", calls)
	}
	// afterSeq beyond the last record, and negative afterSeq.
	view(t, s, func(tx deskplane.Tx) error {
		if rs := listAll(t, tx, scopeA1, kindWS, after); len(rs) != 0 {
			t.Errorf("List after the last seq = %v", ids(rs))
		}
		if rs := listAll(t, tx, scopeA1, kindWS, -5); len(rs) != n {
			t.Errorf("List after -5 returned %d records, want %d", len(rs), n)
		}
		return nil
	})
}

func testCount(t *testing.T, s deskplane.Store) {
	if n := count(t, s, scopeA1, kindWS); n != 0 {
		t.Errorf("Count of empty store = %d", n)
	}
	for i := range 5 {
		put(t, s, key(scopeA1, kindWS, strconv.Itoa(i)), "x")
	}
	put(t, s, key(scopeA1, kindWS, "0"), "replaced") // no change in count
	update(t, s, func(tx deskplane.Tx) error {
		_, err := tx.Delete(key(scopeA1, kindWS, "3"))
		return err
	})
	if n := count(t, s, scopeA1, kindWS); n != 4 {
		t.Errorf("Count = %d, want 4", n)
	}
}

func testScopeIsolation(t *testing.T, s deskplane.Store) {
	keys := []deskplane.Key{
		key(scopeA1, kindWS, "same-id"),
		key(scopeA2, kindWS, "same-id"),
		key(scopeB1, kindWS, "same-id"),
		key(scopeA1, kindImg, "same-id"),
	}
	for i, k := range keys {
		put(t, s, k, strconv.Itoa(i))
	}
	for i, k := range keys {
		got, ok := get(t, s, k)
		if !ok || string(got.Data) != strconv.Itoa(i) {
			t.Errorf("Get %+v = %q, %v; want %d", k, got.Data, ok, i)
		}
		if rs := list(t, s, k.Scope, k.Kind); len(rs) != 1 || string(rs[0].Data) != strconv.Itoa(i) {
			t.Errorf("List %+v %s = %d records", k.Scope, k.Kind, len(rs))
		}
		if n := count(t, s, k.Scope, k.Kind); n != 1 {
			t.Errorf("Count %+v %s = %d, want 1", k.Scope, k.Kind, n)
		}
	}
	// Prefixes of one scope's fields must not leak into another.
	put(t, s, key(deskplane.Scope{Account: "1111", Region: "11us-east-1"}, kindWS, "p"), "p")
	if n := count(t, s, scopeA1, kindWS); n != 1 {
		t.Errorf("Count after a prefix-sharing scope = %d, want 1", n)
	}
	// Delete in one scope leaves the others alone.
	update(t, s, func(tx deskplane.Tx) error {
		_, err := tx.Delete(keys[0])
		return err
	})
	for _, k := range keys[1:] {
		if _, ok := get(t, s, k); !ok {
			t.Errorf("Delete of %+v removed %+v", keys[0], k)
		}
	}
	// Timers are per key too.
	schedule(t, s,
		deskplane.Timer{Key: keys[1], Name: "n", Due: t0},
		deskplane.Timer{Key: keys[2], Name: "n", Due: t0.Add(time.Second)},
	)
	if ts := timers(t, s, keys[1]); len(ts) != 1 || ts[0].Key != keys[1] {
		t.Errorf("Timers(%+v) = %v", keys[1], timerNames(ts))
	}
	if ts := timers(t, s, keys[3]); len(ts) != 0 {
		t.Errorf("Timers(%+v) = %v, want none", keys[3], timerNames(ts))
	}
}
