package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/deskplane/deskplane"
)

// contention runs writers that each count a kind of their scope and then
// insert 25 records of it and 25 of an index kind, like CreateWorkspaces:
// half of them in one shared scope, the others each in a scope of its own.
// It returns how many times fn ran per Update, for the two groups.
func contention(t testing.TB, s *Store, writers, updates int) (shared, own float64) {
	big := deskplane.Scope{Account: "999999999999", Region: "us-east-1"}
	// A scope with many records: its count reads a wide range.
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
				ctx := deskplane.WithCaller(context.Background(), deskplane.Caller{Account: sc.Account, Region: sc.Region})
				if err := s.Update(ctx, func(tx deskplane.Tx) error {
					calls[group].Add(1)
					n, err := tx.Count(sc, "workspace")
					if err != nil {
						return err
					}
					for i := range 25 {
						id := fmt.Sprint("w", w, "-", u, "-", i, "-", n)
						if _, err := tx.Put(deskplane.Key{Scope: sc, Kind: "workspace", ID: id}, []byte("{}")); err != nil {
							return err
						}
						if _, err := tx.Put(deskplane.Key{Scope: sc, Kind: "workspaceuser", ID: id}, []byte("{}")); err != nil {
							return err
						}
					}
					return nil
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
// retry at all).
func BenchmarkContention(b *testing.B) {
	var shared, own float64
	for range b.N {
		s := openFresh(b)
		sh, ow := contention(b, s, 8, 10)
		s.Close()
		shared, own = shared+sh, own+ow
	}
	b.ReportMetric(shared/float64(b.N), "runs/update-shared")
	b.ReportMetric(own/float64(b.N), "runs/update-own")
}
