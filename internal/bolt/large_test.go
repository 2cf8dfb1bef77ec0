package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

// BenchmarkLarge builds a file of 1,000,000 records (40 kinds of 25,000)
// and 100,000 timers, then measures opening it and the hot paths on it.
// It takes a minute to build: run it on purpose, with -bench Large.
func BenchmarkLarge(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "large.db")
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	sc := deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	const records, timers, kinds = 1_000_000, 100_000, 40
	built := time.Now()
	for start := 0; start < records; start += 20_000 {
		if err := s.Update(ctx, func(tx deskplane.Tx) error {
			for i := start; i < start+20_000; i++ {
				k := deskplane.Key{Scope: sc, Kind: deskplane.Kind(fmt.Sprint("kind-", i%kinds)), ID: fmt.Sprintf("r-%08d", i)}
				if _, err := tx.Put(k, []byte(`{"WorkspaceId":"ws-0123456789","State":"AVAILABLE"}`)); err != nil {
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
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("built 1M records and 100k timers in %v", time.Since(built))

	b.Run("Open", func(b *testing.B) {
		for b.Loop() {
			s, err := Open(path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			var n int
			_ = s.View(ctx, func(tx deskplane.Tx) error {
				n, err = tx.Count(sc, "kind-3")
				return err
			})
			if n != records/kinds {
				b.Fatalf("count %d", n)
			}
			s.Close()
		}
	})
	s, err = Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
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
}
