package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/memory"
	"github.com/deskplane/deskplane/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) deskplane.Store { return memory.New() })
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(*testing.B) deskplane.Store { return memory.New() })
}

// BenchmarkScale measures the hot paths with 1,000,000 records (in 40
// kinds of 25,000) and 100,000 pending timers in the store.
func BenchmarkScale(b *testing.B) {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	sc := deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	const records, timers, kinds = 1_000_000, 100_000, 40
	for start := 0; start < records; start += 10_000 {
		if err := s.Update(ctx, func(tx deskplane.Tx) error {
			for i := start; i < start+10_000; i++ {
				k := deskplane.Key{Scope: sc, Kind: deskplane.Kind(fmt.Sprint("kind-", i%kinds)), ID: fmt.Sprint("r-", i)}
				if _, err := tx.Put(k, []byte(`{"State":"AVAILABLE"}`)); err != nil {
					return err
				}
				if i < timers {
					due := base.Add(time.Duration((i*7919)%timers) * time.Second)
					if err := tx.Schedule(deskplane.Timer{Key: k, Name: "t", Due: due}); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Put", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			k := deskplane.Key{Scope: sc, Kind: "kind-0", ID: fmt.Sprint("new-", i)}
			if err := s.Update(ctx, func(tx deskplane.Tx) error {
				_, err := tx.Put(k, []byte("x"))
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("List25", func(b *testing.B) {
		for b.Loop() {
			n := 0
			_ = s.View(ctx, func(tx deskplane.Tx) error {
				return tx.List(sc, "kind-7", 500_000, func(deskplane.Record) bool { n++; return n < 25 })
			})
			if n != 25 {
				b.Fatalf("listed %d", n)
			}
		}
	})
	b.Run("Count", func(b *testing.B) {
		for b.Loop() {
			_ = s.View(ctx, func(tx deskplane.Tx) error {
				_, err := tx.Count(sc, "kind-7")
				return err
			})
		}
	})
	b.Run("Due25", func(b *testing.B) {
		now := base.Add(timers / 2 * time.Second)
		for b.Loop() {
			_ = s.View(ctx, func(tx deskplane.Tx) error {
				ts, err := tx.Due(now, 25)
				if len(ts) != 25 {
					b.Fatalf("due %d", len(ts))
				}
				return err
			})
		}
	})
	b.Run("FireAndReschedule", func(b *testing.B) {
		// The lifecycle engine's loop: claim the earliest, move it on.
		for b.Loop() {
			if err := s.Update(ctx, func(tx deskplane.Tx) error {
				ts, err := tx.Due(base.Add(time.Hour*1000), 1)
				if err != nil || len(ts) != 1 {
					return fmt.Errorf("due: %v %d", err, len(ts))
				}
				ts[0].Due = ts[0].Due.Add(timers * time.Second)
				return tx.Schedule(ts[0])
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
