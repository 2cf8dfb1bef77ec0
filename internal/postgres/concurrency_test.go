package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/deskplane/deskplane"
)

// These tests attack the isolation of Update from the outside: writers on
// two Stores over one schema (two nodes) race on the patterns the services
// use. They assert outcomes only; how the writers interleave is up to the
// scheduler.

// twoNodes opens two stores on one fresh schema.
func twoNodes(t *testing.T, opts Options) [2]*Store {
	t.Helper()
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	a := openSchema(t, dsn, schema, opts)
	t.Cleanup(func() { a.Close() })
	b := openSchema(t, dsn, schema, opts)
	t.Cleanup(func() { b.Close() })
	return [2]*Store{a, b}
}

// race runs n writers at once, writer i on node i%2, and returns their
// errors.
func race(nodes [2]*Store, n int, fn func(i int, s *Store) error) []error {
	errs := make([]error, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			errs[i] = fn(i, nodes[i%2])
		}()
	}
	start.Done()
	wg.Wait()
	return errs
}

var errTaken = errors.New("name taken")

func TestRaceUniqueName(t *testing.T) {
	nodes := twoNodes(t, Options{})
	sc := deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	index := deskplane.Key{Scope: sc, Kind: "wsuser", ID: "d-1/alice"}
	for round := range 5 {
		index.ID = fmt.Sprint("d-1/alice-", round)
		errs := race(nodes, 12, func(i int, s *Store) error {
			return s.Update(context.Background(), func(tx deskplane.Tx) error {
				// Check, then insert: the shape of CreateWorkspaces.
				if _, err := tx.Get(index); err == nil {
					return errTaken
				} else if !errors.Is(err, deskplane.ErrNotFound) {
					return err
				}
				id := fmt.Sprint("ws-", round, "-", i)
				if _, err := tx.Put(deskplane.Key{Scope: sc, Kind: "workspace", ID: id}, []byte(`{}`)); err != nil {
					return err
				}
				_, err := tx.Put(index, []byte(id))
				return err
			})
		})
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, errTaken):
				t.Errorf("round %d writer %d: %v", round, i, err)
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d writers created the name, want 1", round, won)
		}
	}
	if err := nodes[0].View(context.Background(), func(tx deskplane.Tx) error {
		n, err := tx.Count(sc, "workspace")
		if err != nil {
			return err
		}
		if n != 5 {
			t.Errorf("%d WorkSpaces for 5 names", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestRaceQuota(t *testing.T) {
	nodes := twoNodes(t, Options{})
	sc := deskplane.Scope{Account: "222222222222", Region: "us-east-1"}
	const quota, writers, each = 17, 24, 3
	errLimit := errors.New("quota reached")
	errs := race(nodes, writers, func(i int, s *Store) error {
		return s.Update(context.Background(), func(tx deskplane.Tx) error {
			n, err := tx.Count(sc, "workspace")
			if err != nil {
				return err
			}
			if n+each > quota {
				return errLimit
			}
			for j := range each {
				if _, err := tx.Put(deskplane.Key{Scope: sc, Kind: "workspace", ID: fmt.Sprint("ws-", i, "-", j)}, []byte(`{}`)); err != nil {
					return err
				}
			}
			return nil
		})
	})
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created += each
		case !errors.Is(err, errLimit):
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if want := quota / each * each; created != want {
		t.Errorf("%d WorkSpaces created, want %d (quota %d, %d per call)", created, want, quota, each)
	}
	for _, s := range nodes {
		if err := s.View(context.Background(), func(tx deskplane.Tx) error {
			n, err := tx.Count(sc, "workspace")
			if err != nil {
				return err
			}
			listed := 0
			if err := tx.List(sc, "workspace", 0, func(deskplane.Record) bool { listed++; return true }); err != nil {
				return err
			}
			if n != created || listed != created {
				t.Errorf("Count %d, List %d, created %d", n, listed, created)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRaceIncrement(t *testing.T) {
	nodes := twoNodes(t, Options{})
	k := deskplane.Key{Scope: deskplane.Scope{Account: "333333333333", Region: "eu-west-1"}, Kind: "counter", ID: "c"}
	const writers, each = 8, 15
	errs := race(nodes, writers, func(i int, s *Store) error {
		for range each {
			if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
				n := 0
				r, err := tx.Get(k)
				switch {
				case err == nil:
					if n, err = strconv.Atoi(string(r.Data)); err != nil {
						return err
					}
				case !errors.Is(err, deskplane.ErrNotFound):
					return err
				}
				_, err = tx.Put(k, []byte(strconv.Itoa(n+1)))
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if err := nodes[1].View(context.Background(), func(tx deskplane.Tx) error {
		r, err := tx.Get(k)
		if err != nil {
			return err
		}
		if string(r.Data) != strconv.Itoa(writers*each) || r.Version != writers*each {
			t.Errorf("counter %s at version %d after %d increments: an update was lost", r.Data, r.Version, writers*each)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// crossed runs two Updates that each lock one scope, wait until the other
// holds its own, then write the other's record: a deadlock that PostgreSQL
// breaks by failing one of them. fn's error handling is hide: when true,
// fn swallows every error and returns nil.
func crossed(t *testing.T, s *Store, hide bool) (errs [2]error, calls int64) {
	t.Helper()
	keys := [2]deskplane.Key{
		{Scope: deskplane.Scope{Account: "444444444444", Region: "us-east-1"}, Kind: "k", ID: "a"},
		{Scope: deskplane.Scope{Account: "555555555555", Region: "us-east-1"}, Kind: "k", ID: "b"},
	}
	for _, k := range keys {
		if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
			_, err := tx.Put(k, []byte("0"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var barrier sync.WaitGroup
	barrier.Add(2)
	var n atomic.Int64
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			errs[i] = s.Update(context.Background(), func(tx deskplane.Tx) error {
				n.Add(1)
				err := func() error {
					if _, err := tx.Get(keys[i]); err != nil {
						return err
					}
					if first {
						first = false
						barrier.Done()
						barrier.Wait()
					}
					r, err := tx.Get(keys[1-i])
					if err != nil {
						return err
					}
					_, err = tx.Put(keys[1-i], append(r.Data, '+'))
					return err
				}()
				if hide && err != nil {
					return errors.New("something else entirely") // no %w
				}
				return err
			})
		}()
	}
	wg.Wait()
	if errs[0] == nil && errs[1] == nil {
		for _, k := range keys {
			if err := s.View(context.Background(), func(tx deskplane.Tx) error {
				r, err := tx.Get(k)
				if err == nil && string(r.Data) != "0+" {
					t.Errorf("%s = %q after %d calls", k.ID, r.Data, n.Load())
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return errs, n.Load()
}

func TestDeadlock(t *testing.T) {
	t.Run("Retried", func(t *testing.T) {
		s := openFresh(t)
		defer s.Close()
		errs, calls := crossed(t, s, false)
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("errors: %v", errs)
		}
		if calls != 3 {
			t.Errorf("fn ran %d times, want 3 (one deadlock victim retried)", calls)
		}
	})
	t.Run("Swallowed", func(t *testing.T) {
		// fn that hides the deadlock is retried all the same.
		s := openFresh(t)
		defer s.Close()
		errs, calls := crossed(t, s, true)
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("errors: %v", errs)
		}
		if calls != 3 {
			t.Errorf("fn ran %d times, want 3", calls)
		}
	})
	t.Run("Exhausted", func(t *testing.T) {
		dsn := testDSN(t)
		s := openSchema(t, dsn, newSchema(t, dsn), Options{MaxAttempts: 1})
		defer s.Close()
		errs, _ := crossed(t, s, false)
		conflicts := 0
		for _, err := range errs {
			if errors.Is(err, deskplane.ErrConflict) {
				conflicts++
			} else if err != nil {
				t.Errorf("unexpected error: %v", err)
			}
		}
		if conflicts != 1 {
			t.Errorf("errors %v: want one ErrConflict", errs)
		}
		// The wire answers a retryable ThrottlingException, never a 500
		// (docs/decisions/0141-store-contention-is-throttling.md).
		for _, err := range errs {
			if err != nil && !deskplane.HasCode(err, deskplane.CodeThrottled) {
				t.Errorf("%v: not a CodeThrottled domain error", err)
			}
		}
	})
}

// TestIgnoredFailure: a statement that fails for good aborts the
// transaction even when fn ignores the error; Update must not report a
// commit that did not happen.
func TestIgnoredFailure(t *testing.T) {
	s := openFresh(t)
	defer s.Close()
	calls := 0
	err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		calls++
		if _, err := tx.Put(k1, []byte("kept?")); err != nil {
			return err
		}
		bad := k1
		bad.ID = "\xff" // not UTF-8: PostgreSQL refuses it
		_, _ = tx.Put(bad, nil)
		return nil
	})
	if err == nil {
		t.Fatal("Update reported a commit after a failed statement")
	}
	if calls != 1 {
		t.Errorf("fn ran %d times: a permanent failure was retried", calls)
	}
	if err := s.View(context.Background(), func(tx deskplane.Tx) error {
		if _, err := tx.Get(k1); !errors.Is(err, deskplane.ErrNotFound) {
			t.Errorf("Get after the failed Update: %v, want ErrNotFound", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
