// Package storetest is the one conformance suite for implementations of
// deskplane.Store. Every store runs Run; durable stores also run
// RunDurability.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) deskplane.Store { return openFresh(t) })
//	}
//
// The suite only uses the deskplane.Store and deskplane.Tx interfaces, so
// what it checks is the contract written in store.go, nothing more.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

// Run runs the conformance suite. open must return a fresh, empty store;
// the suite closes it.
func Run(t *testing.T, open func(t *testing.T) deskplane.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s deskplane.Store)
	}{
		{"PutGet", testPutGet},
		{"Replace", testReplace},
		{"Delete", testDelete},
		{"DataIsCopied", testDataIsCopied},
		{"ListOrder", testListOrder},
		{"ListPagination", testListPagination},
		{"Count", testCount},
		{"ScopeIsolation", testScopeIsolation},
		{"ReadYourWrites", testReadYourWrites},
		{"Rollback", testRollback},
		{"ViewSnapshot", testViewSnapshot},
		{"ViewReadOnly", testViewReadOnly},
		{"CancelledContext", testCancelledContext},
		{"TimerSchedule", testTimerSchedule},
		{"TimerCancel", testTimerCancel},
		{"TimerDue", testTimerDue},
		{"TimerNextDue", testTimerNextDue},
		{"TimerInTx", testTimerInTx},
		{"DeleteRemovesTimers", testDeleteRemovesTimers},
		{"ResetAccount", testResetAccount},
		{"ResetAll", testResetAll},
		{"ResetInTx", testResetInTx},
		{"Regions", testRegions},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"RerunnableFn", testRerunnableFn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// RunDurability checks that a durable store keeps what it committed across
// a close and a reopen. openAt opens the store kept at dir (a fresh
// directory made by the suite; a store that does not live in files may map
// it to any location of its own, such as a database schema). The suite
// closes every store it opens.
func RunDurability(t *testing.T, openAt func(t *testing.T, dir string) deskplane.Store) {
	t.Run("Reopen", func(t *testing.T) { testReopen(t, openAt) })
	t.Run("ReopenAfterReset", func(t *testing.T) { testReopenAfterReset(t, openAt) })
}

// Scopes and kinds the tests use.
var (
	scopeA1 = deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeA2 = deskplane.Scope{Account: "111111111111", Region: "eu-west-1"}
	scopeB1 = deskplane.Scope{Account: "222222222222", Region: "us-east-1"}
)

const (
	kindWS  deskplane.Kind = "workspace"
	kindImg deskplane.Kind = "image"
)

func key(s deskplane.Scope, kind deskplane.Kind, id string) deskplane.Key {
	return deskplane.Key{Scope: s, Kind: kind, ID: id}
}

// t0 has a nanosecond part so that stores must keep full precision.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)

func update(t *testing.T, s deskplane.Store, fn func(tx deskplane.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s deskplane.Store, fn func(tx deskplane.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func put(t *testing.T, s deskplane.Store, k deskplane.Key, data string) deskplane.Record {
	t.Helper()
	var r deskplane.Record
	update(t, s, func(tx deskplane.Tx) error {
		var err error
		r, err = tx.Put(k, []byte(data))
		return err
	})
	return r
}

// get returns the record and whether it exists.
func get(t *testing.T, s deskplane.Store, k deskplane.Key) (deskplane.Record, bool) {
	t.Helper()
	var r deskplane.Record
	var found bool
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		r, err = tx.Get(k)
		switch {
		case err == nil:
			found = true
		case errors.Is(err, deskplane.ErrNotFound):
			found = false
			err = nil
		}
		return err
	})
	return r, found
}

func listAll(t *testing.T, tx deskplane.Tx, sc deskplane.Scope, kind deskplane.Kind, after int64) []deskplane.Record {
	t.Helper()
	var out []deskplane.Record
	if err := tx.List(sc, kind, after, func(r deskplane.Record) bool {
		r.Data = append([]byte(nil), r.Data...) // valid only during the callback
		out = append(out, r)
		return true
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	return out
}

func list(t *testing.T, s deskplane.Store, sc deskplane.Scope, kind deskplane.Kind) []deskplane.Record {
	t.Helper()
	var out []deskplane.Record
	view(t, s, func(tx deskplane.Tx) error {
		out = listAll(t, tx, sc, kind, 0)
		return nil
	})
	return out
}

func count(t *testing.T, s deskplane.Store, sc deskplane.Scope, kind deskplane.Kind) int {
	t.Helper()
	var n int
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		n, err = tx.Count(sc, kind)
		return err
	})
	return n
}

func ids(rs []deskplane.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func timerNames(ts []deskplane.Timer) []string {
	out := make([]string, len(ts))
	for i, tm := range ts {
		out[i] = tm.Key.ID + "/" + tm.Name
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func checkRecord(t *testing.T, got deskplane.Record, k deskplane.Key, version int64, data string) {
	t.Helper()
	if got.Key != k {
		t.Errorf("record key = %+v, want %+v", got.Key, k)
	}
	if got.Version != version {
		t.Errorf("record %s version = %d, want %d", k.ID, got.Version, version)
	}
	if string(got.Data) != data {
		t.Errorf("record %s data = %q, want %q", k.ID, got.Data, data)
	}
	if got.Seq <= 0 {
		t.Errorf("record %s seq = %d, want > 0", k.ID, got.Seq)
	}
}

func timers(t *testing.T, s deskplane.Store, k deskplane.Key) []deskplane.Timer {
	t.Helper()
	var out []deskplane.Timer
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		out, err = tx.Timers(k)
		return err
	})
	return out
}

func due(t *testing.T, s deskplane.Store, now time.Time, limit int) []deskplane.Timer {
	t.Helper()
	var out []deskplane.Timer
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		out, err = tx.Due(now, limit)
		return err
	})
	return out
}

func nextDue(t *testing.T, s deskplane.Store) (time.Time, bool) {
	t.Helper()
	var at time.Time
	var ok bool
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		at, ok, err = tx.NextDue()
		return err
	})
	return at, ok
}

func schedule(t *testing.T, s deskplane.Store, tms ...deskplane.Timer) {
	t.Helper()
	update(t, s, func(tx deskplane.Tx) error {
		for _, tm := range tms {
			if err := tx.Schedule(tm); err != nil {
				return err
			}
		}
		return nil
	})
}

func checkTimer(t *testing.T, got, want deskplane.Timer) {
	t.Helper()
	if got.Key != want.Key || got.Name != want.Name || !got.Due.Equal(want.Due) || !bytes.Equal(got.Payload, want.Payload) {
		t.Errorf("timer = {%+v %q %v %q}, want {%+v %q %v %q}",
			got.Key, got.Name, got.Due, got.Payload, want.Key, want.Name, want.Due, want.Payload)
	}
}

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

func testReadYourWrites(t *testing.T, s deskplane.Store) {
	put(t, s, key(scopeA1, kindWS, "old-1"), "o1")
	put(t, s, key(scopeA1, kindWS, "old-2"), "o2")
	put(t, s, key(scopeA1, kindWS, "old-3"), "o3")
	update(t, s, func(tx deskplane.Tx) error {
		if _, err := tx.Put(key(scopeA1, kindWS, "new-1"), []byte("n1")); err != nil {
			return err
		}
		if _, err := tx.Put(key(scopeA1, kindWS, "old-2"), []byte("o2b")); err != nil {
			return err
		}
		if _, err := tx.Delete(key(scopeA1, kindWS, "old-1")); err != nil {
			return err
		}
		// Deleted and recreated within the transaction: moves to the end.
		if _, err := tx.Put(key(scopeA1, kindWS, "new-2"), []byte("n2")); err != nil {
			return err
		}
		if _, err := tx.Delete(key(scopeA1, kindWS, "new-2")); err != nil {
			return err
		}
		if _, err := tx.Delete(key(scopeA1, kindWS, "old-3")); err != nil {
			return err
		}
		if _, err := tx.Put(key(scopeA1, kindWS, "old-3"), []byte("o3b")); err != nil {
			return err
		}

		r, err := tx.Get(key(scopeA1, kindWS, "old-2"))
		if err != nil || string(r.Data) != "o2b" || r.Version != 2 {
			t.Errorf("in-tx Get of a replaced record = %+v, %v", r, err)
		}
		if _, err := tx.Get(key(scopeA1, kindWS, "old-1")); !errors.Is(err, deskplane.ErrNotFound) {
			t.Errorf("in-tx Get of a deleted record: err = %v", err)
		}
		if _, err := tx.Get(key(scopeA1, kindWS, "new-2")); !errors.Is(err, deskplane.ErrNotFound) {
			t.Errorf("in-tx Get of a created-then-deleted record: err = %v", err)
		}
		rs := listAll(t, tx, scopeA1, kindWS, 0)
		if want := []string{"old-2", "new-1", "old-3"}; !equalStrings(ids(rs), want) {
			t.Errorf("in-tx List = %v, want %v", ids(rs), want)
		}
		if len(rs) == 3 && (string(rs[0].Data) != "o2b" || rs[2].Version != 1) {
			t.Errorf("in-tx List records = %+v", rs)
		}
		// Pagination inside the transaction works on the merged view.
		if len(rs) == 3 {
			if got := listAll(t, tx, scopeA1, kindWS, rs[0].Seq); !equalStrings(ids(got), []string{"new-1", "old-3"}) {
				t.Errorf("in-tx List after first = %v", ids(got))
			}
		}
		if n, err := tx.Count(scopeA1, kindWS); err != nil || n != 3 {
			t.Errorf("in-tx Count = %d, %v; want 3", n, err)
		}
		return nil
	})
	if got := ids(list(t, s, scopeA1, kindWS)); !equalStrings(got, []string{"old-2", "new-1", "old-3"}) {
		t.Errorf("List after commit = %v", got)
	}
	if n := count(t, s, scopeA1, kindWS); n != 3 {
		t.Errorf("Count after commit = %d, want 3", n)
	}
}

func testRollback(t *testing.T, s deskplane.Store) {
	k1 := key(scopeA1, kindWS, "keep")
	k2 := key(scopeA1, kindWS, "other")
	r1 := put(t, s, k1, "v1")
	schedule(t, s, deskplane.Timer{Key: k1, Name: "start", Due: t0, Payload: []byte("p")})

	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		if _, err := tx.Put(k1, []byte("v2")); err != nil {
			return err
		}
		if _, err := tx.Put(k2, []byte("new")); err != nil {
			return err
		}
		if err := tx.Schedule(deskplane.Timer{Key: k2, Name: "x", Due: t0}); err != nil {
			return err
		}
		if err := tx.Cancel(k1, "start"); err != nil {
			return err
		}
		if _, err := tx.Delete(k1); err != nil {
			return err
		}
		if err := tx.Reset(""); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	got, ok := get(t, s, k1)
	if !ok {
		t.Fatal("rolled back Delete/Reset removed the record")
	}
	checkRecord(t, got, k1, 1, "v1")
	if got.Seq != r1.Seq {
		t.Errorf("seq after rollback = %d, want %d", got.Seq, r1.Seq)
	}
	if _, ok := get(t, s, k2); ok {
		t.Error("rolled back Put is visible")
	}
	if n := count(t, s, scopeA1, kindWS); n != 1 {
		t.Errorf("Count after rollback = %d, want 1", n)
	}
	ts := timers(t, s, k1)
	if len(ts) != 1 {
		t.Fatalf("timers after rollback = %v", timerNames(ts))
	}
	checkTimer(t, ts[0], deskplane.Timer{Key: k1, Name: "start", Due: t0, Payload: []byte("p")})
	if ts := timers(t, s, k2); len(ts) != 0 {
		t.Errorf("rolled back Schedule is visible: %v", timerNames(ts))
	}
	if ds := due(t, s, t0.Add(time.Hour), 10); len(ds) != 1 {
		t.Errorf("Due after rollback = %v", timerNames(ds))
	}
	// The store still works after a rollback.
	if r := put(t, s, k2, "later"); r.Version != 1 {
		t.Errorf("put after rollback = %+v", r)
	}
}

func testViewSnapshot(t *testing.T, s deskplane.Store) {
	ka := key(scopeA1, kindWS, "a")
	kb := key(scopeA1, kindWS, "b")
	put(t, s, ka, "1")
	put(t, s, kb, "1")

	// Inside a View, a concurrent Update either waits for the View or is
	// invisible to it: the View must never see half of it.
	done := make(chan error, 1)
	view(t, s, func(tx deskplane.Tx) error {
		ra, err := tx.Get(ka)
		if err != nil {
			return err
		}
		go func() {
			done <- s.Update(context.Background(), func(tx deskplane.Tx) error {
				if _, err := tx.Put(ka, []byte("2")); err != nil {
					return err
				}
				if _, err := tx.Put(kb, []byte("2")); err != nil {
					return err
				}
				_, err := tx.Put(key(scopeA1, kindWS, "c"), []byte("2"))
				return err
			})
		}()
		select {
		case err := <-done:
			done <- err // the store lets writers commit during a View
		case <-time.After(50 * time.Millisecond):
		}
		rb, err := tx.Get(kb)
		if err != nil {
			return err
		}
		if string(ra.Data) != string(rb.Data) {
			t.Errorf("View saw a = %q and b = %q: not one snapshot", ra.Data, rb.Data)
		}
		if rs := listAll(t, tx, scopeA1, kindWS, 0); len(rs) != 2 {
			t.Errorf("View saw %v: not one snapshot", ids(rs))
		}
		if n, err := tx.Count(scopeA1, kindWS); err != nil || n != 2 {
			t.Errorf("View counted %d, %v: not one snapshot", n, err)
		}
		return nil
	})
	if err := <-done; err != nil {
		t.Fatalf("concurrent Update: %v", err)
	}
	if r, _ := get(t, s, kb); string(r.Data) != "2" {
		t.Errorf("after the Update b = %q", r.Data)
	}

	// View returns fn's error.
	boom := errors.New("boom")
	if err := s.View(context.Background(), func(deskplane.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("View returned %v, want fn's error", err)
	}
}

func testViewReadOnly(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "a")
	put(t, s, k, "1")
	_ = s.View(context.Background(), func(tx deskplane.Tx) error {
		if _, err := tx.Put(key(scopeA1, kindWS, "b"), []byte("x")); err == nil {
			t.Error("Put in a View succeeded")
		}
		if _, err := tx.Delete(k); err == nil {
			t.Error("Delete in a View succeeded")
		}
		if err := tx.Schedule(deskplane.Timer{Key: k, Name: "n", Due: t0}); err == nil {
			t.Error("Schedule in a View succeeded")
		}
		return nil
	})
	if n := count(t, s, scopeA1, kindWS); n != 1 {
		t.Errorf("Count after writes in a View = %d, want 1", n)
	}
	if ts := timers(t, s, k); len(ts) != 0 {
		t.Errorf("timers after Schedule in a View = %v", timerNames(ts))
	}
}

func testCancelledContext(t *testing.T, s deskplane.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := s.Update(ctx, func(tx deskplane.Tx) error {
		called = true
		_, err := tx.Put(key(scopeA1, kindWS, "a"), []byte("x"))
		return err
	})
	if err == nil {
		t.Fatalf("Update with a cancelled context succeeded (fn called: %v)", called)
	}
	if _, ok := get(t, s, key(scopeA1, kindWS, "a")); ok {
		t.Error("Update with a cancelled context committed")
	}
}

func testTimerSchedule(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	put(t, s, k, "x")
	a := deskplane.Timer{Key: k, Name: "stop", Due: t0.Add(2 * time.Minute), Payload: []byte(`{"to":"STOPPED"}`)}
	b := deskplane.Timer{Key: k, Name: "available", Due: t0.Add(time.Minute)}
	c := deskplane.Timer{Key: k, Name: "zz", Due: t0.Add(3 * time.Minute), Payload: []byte("c")}
	schedule(t, s, a, b, c)
	ts := timers(t, s, k)
	if len(ts) != 3 {
		t.Fatalf("Timers = %v", timerNames(ts))
	}
	checkTimer(t, ts[0], b)
	checkTimer(t, ts[1], a)
	checkTimer(t, ts[2], c)

	// Scheduling the same (Key, Name) replaces the timer.
	c2 := deskplane.Timer{Key: k, Name: "zz", Due: t0, Payload: []byte("c2")}
	schedule(t, s, c2)
	ts = timers(t, s, k)
	if len(ts) != 3 {
		t.Fatalf("Timers after replace = %v", timerNames(ts))
	}
	checkTimer(t, ts[0], c2)
	checkTimer(t, ts[1], b)
	checkTimer(t, ts[2], a)
	if ds := due(t, s, t0.Add(time.Hour), 10); len(ds) != 3 {
		t.Errorf("Due after replace = %v, want 3 timers", timerNames(ds))
	}
	// A timer may exist for a key with no record.
	ghost := deskplane.Timer{Key: key(scopeA1, kindWS, "ghost"), Name: "n", Due: t0}
	schedule(t, s, ghost)
	if ts := timers(t, s, ghost.Key); len(ts) != 1 {
		t.Errorf("Timers of a key without a record = %v", timerNames(ts))
	}
	if ts := timers(t, s, key(scopeA1, kindWS, "nobody")); len(ts) != 0 {
		t.Errorf("Timers of an unknown key = %v", timerNames(ts))
	}
}

func testTimerCancel(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	schedule(t, s,
		deskplane.Timer{Key: k, Name: "a", Due: t0},
		deskplane.Timer{Key: k, Name: "b", Due: t0.Add(time.Second)},
	)
	update(t, s, func(tx deskplane.Tx) error {
		if err := tx.Cancel(k, "a"); err != nil {
			return err
		}
		return tx.Cancel(k, "no-such-timer") // not an error
	})
	ts := timers(t, s, k)
	if len(ts) != 1 || ts[0].Name != "b" {
		t.Errorf("Timers after Cancel = %v", timerNames(ts))
	}
	if ds := due(t, s, t0.Add(time.Hour), 10); len(ds) != 1 || ds[0].Name != "b" {
		t.Errorf("Due after Cancel = %v", timerNames(ds))
	}
	if at, ok := nextDue(t, s); !ok || !at.Equal(t0.Add(time.Second)) {
		t.Errorf("NextDue after Cancel = %v, %v", at, ok)
	}
}

func testTimerDue(t *testing.T, s deskplane.Store) {
	if ds := due(t, s, t0.Add(time.Hour), 10); len(ds) != 0 {
		t.Errorf("Due of an empty store = %v", timerNames(ds))
	}
	// Timers across scopes and kinds, scheduled out of order.
	var want []deskplane.Timer
	scopes := []deskplane.Scope{scopeA1, scopeB1, scopeA2}
	update(t, s, func(tx deskplane.Tx) error {
		for i := range 30 {
			j := (i * 17) % 30
			tm := deskplane.Timer{
				Key:     key(scopes[j%3], kindWS, fmt.Sprintf("ws-%02d", j)),
				Name:    "t",
				Due:     t0.Add(time.Duration(j) * time.Second),
				Payload: []byte(strconv.Itoa(j)),
			}
			if err := tx.Schedule(tm); err != nil {
				return err
			}
		}
		return nil
	})
	for j := range 30 {
		want = append(want, deskplane.Timer{
			Key:     key(scopes[j%3], kindWS, fmt.Sprintf("ws-%02d", j)),
			Name:    "t",
			Due:     t0.Add(time.Duration(j) * time.Second),
			Payload: []byte(strconv.Itoa(j)),
		})
	}
	// now equal to a Due includes that timer.
	ds := due(t, s, t0.Add(9*time.Second), 100)
	if len(ds) != 10 {
		t.Fatalf("Due(t0+9s) = %v, want 10 timers", timerNames(ds))
	}
	for i := range ds {
		checkTimer(t, ds[i], want[i])
	}
	// limit cuts the earliest first.
	ds = due(t, s, t0.Add(time.Hour), 4)
	if len(ds) != 4 {
		t.Fatalf("Due limit 4 = %v", timerNames(ds))
	}
	for i := range ds {
		checkTimer(t, ds[i], want[i])
	}
	if ds := due(t, s, t0.Add(-time.Nanosecond), 10); len(ds) != 0 {
		t.Errorf("Due before the first timer = %v", timerNames(ds))
	}
	if ds := due(t, s, t0.Add(time.Hour), 0); len(ds) != 0 {
		t.Errorf("Due with limit 0 = %v", timerNames(ds))
	}
	// Due returns but does not remove: firing is the caller's job.
	if ds := due(t, s, t0.Add(time.Hour), 100); len(ds) != 30 {
		t.Errorf("Due all = %d timers, want 30", len(ds))
	}
	// A typical firing loop: claim, cancel, commit.
	update(t, s, func(tx deskplane.Tx) error {
		ds, err := tx.Due(t0.Add(time.Hour), 5)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if err := tx.Cancel(d.Key, d.Name); err != nil {
				return err
			}
		}
		return nil
	})
	ds = due(t, s, t0.Add(time.Hour), 100)
	if len(ds) != 25 {
		t.Fatalf("Due after firing 5 = %d timers", len(ds))
	}
	checkTimer(t, ds[0], want[5])
}

func testTimerNextDue(t *testing.T, s deskplane.Store) {
	if at, ok := nextDue(t, s); ok {
		t.Errorf("NextDue of an empty store = %v, true", at)
	}
	k := key(scopeB1, kindImg, "img-1")
	schedule(t, s,
		deskplane.Timer{Key: k, Name: "b", Due: t0.Add(time.Minute)},
		deskplane.Timer{Key: key(scopeA1, kindWS, "ws"), Name: "a", Due: t0.Add(time.Hour)},
	)
	if at, ok := nextDue(t, s); !ok || !at.Equal(t0.Add(time.Minute)) {
		t.Errorf("NextDue = %v, %v; want %v", at, ok, t0.Add(time.Minute))
	}
	// Times before 1970 and far in the future are kept in order.
	early := time.Date(1960, 5, 6, 7, 8, 9, 10, time.UTC)
	schedule(t, s, deskplane.Timer{Key: k, Name: "early", Due: early})
	if at, ok := nextDue(t, s); !ok || !at.Equal(early) {
		t.Errorf("NextDue = %v, %v; want %v", at, ok, early)
	}
	update(t, s, func(tx deskplane.Tx) error { return tx.Cancel(k, "early") })
	// Non-UTC locations are the same instant.
	loc := time.FixedZone("X", 5*3600)
	schedule(t, s, deskplane.Timer{Key: k, Name: "zoned", Due: t0.In(loc)})
	if at, ok := nextDue(t, s); !ok || !at.Equal(t0) {
		t.Errorf("NextDue = %v, %v; want %v", at, ok, t0)
	}
}

func testTimerInTx(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	schedule(t, s,
		deskplane.Timer{Key: k, Name: "old", Due: t0.Add(time.Minute)},
		deskplane.Timer{Key: k, Name: "gone", Due: t0},
	)
	update(t, s, func(tx deskplane.Tx) error {
		if err := tx.Schedule(deskplane.Timer{Key: k, Name: "new", Due: t0.Add(30 * time.Second)}); err != nil {
			return err
		}
		if err := tx.Cancel(k, "gone"); err != nil {
			return err
		}
		if err := tx.Schedule(deskplane.Timer{Key: k, Name: "old", Due: t0.Add(2 * time.Minute)}); err != nil {
			return err
		}
		ts, err := tx.Timers(k)
		if err != nil {
			return err
		}
		if got := timerNames(ts); !equalStrings(got, []string{"ws-1/new", "ws-1/old"}) {
			t.Errorf("in-tx Timers = %v", got)
		}
		ds, err := tx.Due(t0.Add(time.Hour), 10)
		if err != nil {
			return err
		}
		if got := timerNames(ds); !equalStrings(got, []string{"ws-1/new", "ws-1/old"}) {
			t.Errorf("in-tx Due = %v", got)
		}
		at, ok, err := tx.NextDue()
		if err != nil {
			return err
		}
		if !ok || !at.Equal(t0.Add(30*time.Second)) {
			t.Errorf("in-tx NextDue = %v, %v", at, ok)
		}
		return nil
	})
	if got := timerNames(due(t, s, t0.Add(time.Hour), 10)); !equalStrings(got, []string{"ws-1/new", "ws-1/old"}) {
		t.Errorf("Due after commit = %v", got)
	}
}

func testDeleteRemovesTimers(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	other := key(scopeA1, kindWS, "ws-2")
	put(t, s, k, "x")
	put(t, s, other, "y")
	schedule(t, s,
		deskplane.Timer{Key: k, Name: "a", Due: t0},
		deskplane.Timer{Key: k, Name: "b", Due: t0.Add(time.Second)},
		deskplane.Timer{Key: other, Name: "a", Due: t0.Add(2 * time.Second)},
	)
	update(t, s, func(tx deskplane.Tx) error {
		if _, err := tx.Delete(k); err != nil {
			return err
		}
		ts, err := tx.Timers(k)
		if err != nil {
			return err
		}
		if len(ts) != 0 {
			t.Errorf("in-tx Timers after Delete = %v", timerNames(ts))
		}
		return nil
	})
	if ts := timers(t, s, k); len(ts) != 0 {
		t.Errorf("Timers after Delete = %v", timerNames(ts))
	}
	if ds := due(t, s, t0.Add(time.Hour), 10); !equalStrings(timerNames(ds), []string{"ws-2/a"}) {
		t.Errorf("Due after Delete = %v", timerNames(ds))
	}
	// Delete of a key with timers but no record removes the timers and
	// reports false.
	ghost := key(scopeA1, kindWS, "ghost")
	schedule(t, s, deskplane.Timer{Key: ghost, Name: "a", Due: t0})
	var existed bool
	update(t, s, func(tx deskplane.Tx) error {
		var err error
		existed, err = tx.Delete(ghost)
		return err
	})
	if existed {
		t.Error("Delete of a key with no record reported true")
	}
	if ts := timers(t, s, ghost); len(ts) != 0 {
		t.Errorf("Timers of ghost after Delete = %v", timerNames(ts))
	}
}

// fill writes one record and one timer in each of the test scopes and kinds.
func fill(t *testing.T, s deskplane.Store) []deskplane.Key {
	t.Helper()
	var keys []deskplane.Key
	for _, sc := range []deskplane.Scope{scopeA1, scopeA2, scopeB1} {
		for _, kind := range []deskplane.Kind{kindWS, kindImg} {
			keys = append(keys, key(sc, kind, "r"))
		}
	}
	update(t, s, func(tx deskplane.Tx) error {
		for i, k := range keys {
			if _, err := tx.Put(k, []byte("x")); err != nil {
				return err
			}
			if err := tx.Schedule(deskplane.Timer{Key: k, Name: "n", Due: t0.Add(time.Duration(i) * time.Second)}); err != nil {
				return err
			}
		}
		return nil
	})
	return keys
}

func testResetAccount(t *testing.T, s deskplane.Store) {
	keys := fill(t, s)
	var maxSeq int64
	for _, k := range keys {
		r, _ := get(t, s, k)
		maxSeq = max(maxSeq, r.Seq)
	}
	update(t, s, func(tx deskplane.Tx) error { return tx.Reset(scopeA1.Account) })
	for _, k := range keys {
		_, ok := get(t, s, k)
		ts := timers(t, s, k)
		if k.Account == scopeA1.Account {
			if ok || len(ts) != 0 || count(t, s, k.Scope, k.Kind) != 0 || len(list(t, s, k.Scope, k.Kind)) != 0 {
				t.Errorf("%+v survived Reset of its account", k)
			}
		} else if !ok || len(ts) != 1 || count(t, s, k.Scope, k.Kind) != 1 {
			t.Errorf("%+v lost by Reset of another account", k)
		}
	}
	if ds := due(t, s, t0.Add(time.Hour), 10); len(ds) != 2 {
		t.Errorf("Due after Reset = %v, want the 2 timers of account B", timerNames(ds))
	}
	// Seq keeps growing after a reset.
	if r := put(t, s, keys[0], "again"); r.Seq <= maxSeq || r.Version != 1 {
		t.Errorf("Put after Reset = seq %d version %d; want seq > %d, version 1", r.Seq, r.Version, maxSeq)
	}
}

func testResetAll(t *testing.T, s deskplane.Store) {
	keys := fill(t, s)
	var maxSeq int64
	for _, k := range keys {
		r, _ := get(t, s, k)
		maxSeq = max(maxSeq, r.Seq)
	}
	update(t, s, func(tx deskplane.Tx) error { return tx.Reset("") })
	for _, k := range keys {
		if _, ok := get(t, s, k); ok {
			t.Errorf("%+v survived Reset(\"\")", k)
		}
		if n := count(t, s, k.Scope, k.Kind); n != 0 {
			t.Errorf("Count %+v %s = %d after Reset(\"\")", k.Scope, k.Kind, n)
		}
	}
	if ds := due(t, s, t0.Add(time.Hour), 10); len(ds) != 0 {
		t.Errorf("Due after Reset(\"\") = %v", timerNames(ds))
	}
	if _, ok := nextDue(t, s); ok {
		t.Error("NextDue after Reset(\"\") found a timer")
	}
	if r := put(t, s, keys[0], "again"); r.Seq <= maxSeq {
		t.Errorf("Put after Reset(\"\") = seq %d; want > %d", r.Seq, maxSeq)
	}
}

func testResetInTx(t *testing.T, s deskplane.Store) {
	keys := fill(t, s)
	kA := key(scopeA1, kindWS, "after-reset")
	update(t, s, func(tx deskplane.Tx) error {
		if err := tx.Reset(scopeA1.Account); err != nil {
			return err
		}
		if _, err := tx.Get(keys[0]); !errors.Is(err, deskplane.ErrNotFound) {
			t.Errorf("in-tx Get after Reset: %v", err)
		}
		if _, err := tx.Put(kA, []byte("new")); err != nil {
			return err
		}
		if err := tx.Schedule(deskplane.Timer{Key: kA, Name: "n", Due: t0}); err != nil {
			return err
		}
		if got := ids(listAll(t, tx, scopeA1, kindWS, 0)); !equalStrings(got, []string{"after-reset"}) {
			t.Errorf("in-tx List after Reset = %v", got)
		}
		if n, err := tx.Count(scopeA1, kindWS); err != nil || n != 1 {
			t.Errorf("in-tx Count after Reset = %d, %v", n, err)
		}
		ds, err := tx.Due(t0.Add(time.Hour), 10)
		if err != nil {
			return err
		}
		if len(ds) != 3 { // kA's and account B's two
			t.Errorf("in-tx Due after Reset = %v", timerNames(ds))
		}
		return nil
	})
	if got := ids(list(t, s, scopeA1, kindWS)); !equalStrings(got, []string{"after-reset"}) {
		t.Errorf("List after commit = %v", got)
	}
	if n := count(t, s, scopeA1, kindImg); n != 0 {
		t.Errorf("Count of a reset kind = %d", n)
	}
	if ts := timers(t, s, kA); len(ts) != 1 {
		t.Errorf("Timers of a key written after Reset = %v", timerNames(ts))
	}
	if n := count(t, s, scopeB1, kindWS); n != 1 {
		t.Errorf("Count of account B = %d", n)
	}
}

// increment adds one to the counter kept in the record at k.
func increment(tx deskplane.Tx, k deskplane.Key) error {
	n := 0
	r, err := tx.Get(k)
	switch {
	case errors.Is(err, deskplane.ErrNotFound):
	case err != nil:
		return err
	default:
		if n, err = strconv.Atoi(string(r.Data)); err != nil {
			return err
		}
	}
	_, err = tx.Put(k, []byte(strconv.Itoa(n+1)))
	return err
}

func testConcurrentUpdates(t *testing.T, s deskplane.Store) {
	const workers, each = 8, 50
	k := key(scopeA1, kindWS, "counter")
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.Update(context.Background(), func(tx deskplane.Tx) error {
					if err := increment(tx, k); err != nil {
						return err
					}
					// Each update also creates a record of its own, so
					// that Seq assignment is exercised concurrently.
					_, err := tx.Put(key(scopeA1, kindImg, fmt.Sprintf("w%d-%d", w, i)), nil)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// Readers run alongside.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := s.View(context.Background(), func(tx deskplane.Tx) error {
				r, err := tx.Get(k)
				if errors.Is(err, deskplane.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				n, err := tx.Count(scopeA1, kindImg)
				if err != nil {
					return err
				}
				if string(r.Data) != strconv.Itoa(n) {
					t.Errorf("View saw counter %s with %d records", r.Data, n)
				}
				return nil
			})
			if err != nil {
				t.Errorf("View: %v", err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Update: %v", err)
	}
	r, ok := get(t, s, k)
	if !ok || string(r.Data) != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %q, want %d (lost updates)", r.Data, workers*each)
	}
	if r.Version != workers*each {
		t.Errorf("counter version = %d, want %d", r.Version, workers*each)
	}
	rs := list(t, s, scopeA1, kindImg)
	if len(rs) != workers*each {
		t.Fatalf("records = %d, want %d", len(rs), workers*each)
	}
	seen := make(map[int64]bool)
	for _, r := range rs {
		if seen[r.Seq] {
			t.Errorf("seq %d assigned twice", r.Seq)
		}
		seen[r.Seq] = true
	}
}

// testRerunnableFn runs concurrent updates of which some fail, the way a
// store that batches or retries transactions may run a fn several times:
// every successful fn must take effect exactly once, and the effects of a
// run that was retried or failed must not show.
func testRerunnableFn(t *testing.T, s deskplane.Store) {
	const workers, each = 6, 20
	k := key(scopeA1, kindWS, "counter")
	var calls, okUpdates atomic.Int64
	failing := errors.New("fn failed on purpose")
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				fail := (w+i)%3 == 0
				err := s.Update(context.Background(), func(tx deskplane.Tx) error {
					calls.Add(1)
					// Every run starts from committed state only: a record
					// written by an earlier run of this fn is never seen.
					mine := key(scopeA1, kindImg, fmt.Sprintf("w%d-%d", w, i))
					if _, err := tx.Get(mine); !errors.Is(err, deskplane.ErrNotFound) {
						t.Errorf("a run of fn saw the writes of an earlier run (err %v)", err)
					}
					if _, err := tx.Put(mine, nil); err != nil {
						return err
					}
					if err := increment(tx, k); err != nil {
						return err
					}
					if fail {
						return failing
					}
					return nil
				})
				switch {
				case fail && !errors.Is(err, failing):
					t.Errorf("failing fn: Update returned %v", err)
				case !fail && err != nil:
					t.Errorf("Update: %v", err)
				case !fail:
					okUpdates.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	r, _ := get(t, s, k)
	if string(r.Data) != strconv.FormatInt(okUpdates.Load(), 10) {
		t.Errorf("counter = %q, want %d", r.Data, okUpdates.Load())
	}
	if n := count(t, s, scopeA1, kindImg); int64(n) != okUpdates.Load() {
		t.Errorf("records = %d, want %d", n, okUpdates.Load())
	}
	if calls.Load() < workers*each {
		t.Errorf("fn ran %d times for %d updates", calls.Load(), workers*each)
	}
	t.Logf("%d updates ran fn %d times", workers*each, calls.Load())
}

func testReopen(t *testing.T, openAt func(t *testing.T, dir string) deskplane.Store) {
	dir := t.TempDir()
	k1 := key(scopeA1, kindWS, "ws-1")
	k2 := key(scopeA1, kindWS, "ws-2")
	k3 := key(scopeB1, kindImg, "img-1")
	gone := key(scopeA1, kindWS, "gone")
	tm1 := deskplane.Timer{Key: k1, Name: "available", Due: t0, Payload: []byte(`{"s":"AVAILABLE"}`)}
	tm2 := deskplane.Timer{Key: k3, Name: "ready", Due: t0.Add(-time.Hour)}

	s := openAt(t, dir)
	put(t, s, k1, "v1")
	put(t, s, k2, "a")
	put(t, s, gone, "x")
	put(t, s, k1, "v2")
	put(t, s, k3, "img")
	schedule(t, s, tm1, tm2, deskplane.Timer{Key: gone, Name: "n", Due: t0})
	update(t, s, func(tx deskplane.Tx) error {
		_, err := tx.Delete(gone)
		return err
	})
	before := list(t, s, scopeA1, kindWS)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openAt(t, dir)
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	after := list(t, s, scopeA1, kindWS)
	if len(after) != len(before) {
		t.Fatalf("after reopen List = %v, before %v", ids(after), ids(before))
	}
	for i := range after {
		if after[i].Key != before[i].Key || after[i].Seq != before[i].Seq ||
			after[i].Version != before[i].Version || !bytes.Equal(after[i].Data, before[i].Data) {
			t.Errorf("after reopen %+v, before %+v", after[i], before[i])
		}
	}
	if r, ok := get(t, s, k1); !ok {
		t.Error("record lost on reopen")
	} else {
		checkRecord(t, r, k1, 2, "v2")
	}
	if _, ok := get(t, s, gone); ok {
		t.Error("deleted record back after reopen")
	}
	if n := count(t, s, scopeA1, kindWS); n != 2 {
		t.Errorf("Count after reopen = %d, want 2", n)
	}
	if n := count(t, s, scopeB1, kindImg); n != 1 {
		t.Errorf("Count after reopen = %d, want 1", n)
	}
	ds := due(t, s, t0.Add(time.Hour), 10)
	if len(ds) != 2 {
		t.Fatalf("Due after reopen = %v", timerNames(ds))
	}
	checkTimer(t, ds[0], tm2)
	checkTimer(t, ds[1], tm1)
	if at, ok := nextDue(t, s); !ok || !at.Equal(tm2.Due) {
		t.Errorf("NextDue after reopen = %v, %v", at, ok)
	}
	// Seq and Version continue.
	var maxSeq int64
	for _, r := range after {
		maxSeq = max(maxSeq, r.Seq)
	}
	if r := put(t, s, key(scopeA1, kindWS, "ws-3"), "new"); r.Seq <= maxSeq {
		t.Errorf("seq after reopen = %d, want > %d", r.Seq, maxSeq)
	}
	if r := put(t, s, k1, "v3"); r.Version != 3 {
		t.Errorf("version after reopen = %d, want 3", r.Version)
	}
}

func testReopenAfterReset(t *testing.T, openAt func(t *testing.T, dir string) deskplane.Store) {
	dir := t.TempDir()
	s := openAt(t, dir)
	keys := fill(t, s)
	var maxSeq int64
	for _, k := range keys {
		r, _ := get(t, s, k)
		maxSeq = max(maxSeq, r.Seq)
	}
	update(t, s, func(tx deskplane.Tx) error { return tx.Reset("") })
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = openAt(t, dir)
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	if _, ok := get(t, s, keys[0]); ok {
		t.Error("record back after Reset and reopen")
	}
	if r := put(t, s, keys[0], "x"); r.Seq <= maxSeq {
		t.Errorf("seq after Reset and reopen = %d, want > %d", r.Seq, maxSeq)
	}
}
