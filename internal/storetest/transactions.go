package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

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
