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
