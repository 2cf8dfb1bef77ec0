package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

// createLike is the shape of one CreateWorkspaces call of n WorkSpaces on
// the store: the quota Count, the account's record, then per WorkSpace an
// absent Get of its user index and of a fresh id, its record, its index,
// its tags (read, then written) and its launch timer.
func createLike(tx deskplane.Tx, sc deskplane.Scope, tag string, n int) error {
	count, err := tx.Count(sc, "workspace")
	if err != nil {
		return err
	}
	if _, err := tx.Get(deskplane.Key{Scope: sc, Kind: "account", ID: sc.Account}); err != nil && !errors.Is(err, deskplane.ErrNotFound) {
		return err
	}
	for i := range n {
		id := fmt.Sprint("ws-", tag, "-", i, "-", count)
		ik := deskplane.Key{Scope: sc, Kind: "workspaceuser", ID: "d-1/" + id}
		wk := deskplane.Key{Scope: sc, Kind: "workspace", ID: id}
		tk := deskplane.Key{Scope: sc, Kind: "tags", ID: id}
		for _, k := range []deskplane.Key{ik, wk, tk} {
			if _, err := tx.Get(k); !errors.Is(err, deskplane.ErrNotFound) {
				return fmt.Errorf("get %v: %v", k, err)
			}
		}
		for _, k := range []deskplane.Key{wk, ik, tk} {
			if _, err := tx.Put(k, []byte(`{"State":"PENDING","DirectoryId":"d-1234567890"}`)); err != nil {
				return err
			}
		}
		if err := tx.Schedule(deskplane.Timer{Key: wk, Name: "launch", Due: time.Unix(2e9, 0)}); err != nil {
			return err
		}
	}
	return nil
}

// contention runs writers that each make CreateWorkspaces-like Updates of
// 25 WorkSpaces: half of them in one shared scope, the others each in a
// scope of its own. It returns how many times fn ran per Update, for the
// two groups.
func contention(t testing.TB, s *Store, writers, updates int) (shared, own float64) {
	big := deskplane.Scope{Account: "999999999999", Region: "us-east-1"}
	// A scope with many records: counting them would read a wide range.
	for b := range 12 {
		if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
			for i := range 250 {
				if _, err := tx.Put(deskplane.Key{Scope: big, Kind: "workspace", ID: fmt.Sprint("pre-", b, "-", i)}, []byte("{}")); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	var calls [2]atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		group := w % 2
		sc := big
		if group == 1 {
			sc = deskplane.Scope{Account: fmt.Sprintf("%012d", w), Region: "us-east-1"}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range updates {
				if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
					calls[group].Add(1)
					return createLike(tx, sc, fmt.Sprint(w, "-", u), 25)
				}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	per := float64(writers / 2 * updates)
	return float64(calls[0].Load()) / per, float64(calls[1].Load()) / per
}

// BenchmarkContention reports how many times fn ran per Update under
// CreateWorkspaces-like contention: runs/update-shared for writers of one
// scope, runs/update-own for writers each in a scope of its own (1 is no
// retry at all), and the round trips to PostgreSQL per Update. ns/op is
// the time of 80 Updates of 25 WorkSpaces by 8 writers.
func BenchmarkContention(b *testing.B) {
	var shared, own float64
	var trips int64
	for range b.N {
		b.StopTimer()
		s := openFresh(b)
		b.StartTimer()
		before := s.roundTrips.Load()
		sh, ow := contention(b, s, 8, 10)
		trips += s.roundTrips.Load() - before
		b.StopTimer()
		s.Close()
		b.StartTimer()
		shared, own = shared+sh, own+ow
	}
	b.ReportMetric(shared/float64(b.N), "runs/update-shared")
	b.ReportMetric(own/float64(b.N), "runs/update-own")
	b.ReportMetric(float64(trips)/float64(b.N)/(12+80), "roundtrips/update")
}

// TestCreateLikeRoundTrips pins what the queued writes buy: a
// CreateWorkspaces-like Update of n WorkSpaces costs the Count (with the
// BEGIN and the scope lock), the account's Get, three absent Gets per
// WorkSpace (the writes of the previous WorkSpace ride along with the
// first of them), the Seq refills (16, 32, 64 values in a fresh store) and
// the COMMIT with the last writes.
func TestCreateLikeRoundTrips(t *testing.T) {
	s := openFresh(t)
	defer s.Close()
	sc := deskplane.Scope{Account: "123456789012", Region: "us-east-1"}
	const n = 25
	before := s.roundTrips.Load()
	if err := s.Update(context.Background(), func(tx deskplane.Tx) error { return createLike(tx, sc, "a", n) }); err != nil {
		t.Fatal(err)
	}
	if got, want := s.roundTrips.Load()-before, int64(2+3*n+3+1); got > want {
		t.Errorf("%d round trips for %d WorkSpaces, want at most %d", got, n, want)
	}
	if err := s.View(context.Background(), func(tx deskplane.Tx) error {
		for _, kind := range []deskplane.Kind{"workspace", "workspaceuser", "tags"} {
			c, err := tx.Count(sc, kind)
			if err != nil {
				return err
			}
			var seqs []int64
			if err := tx.List(sc, kind, 0, func(r deskplane.Record) bool { seqs = append(seqs, r.Seq); return true }); err != nil {
				return err
			}
			if c != n || len(seqs) != n {
				t.Errorf("%s: Count %d, List %d, want %d", kind, c, len(seqs), n)
			}
		}
		ts, err := tx.Timers(deskplane.Key{Scope: sc, Kind: "workspace", ID: "ws-a-0-0"})
		if err != nil {
			return err
		}
		if len(ts) != 1 {
			t.Errorf("timers of the first WorkSpace: %v", ts)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
