package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

// BenchTimers is how many pending timers Bench's Due benchmark keeps.
const BenchTimers = 10_000

// Bench runs the store benchmarks every implementation reports:
//
//   - Put: an Update with one Put of a new key;
//   - Get: a View with one Get;
//   - List25of10000: a View listing one page of 25 from the middle of a
//     kind of 10,000 records;
//   - Due: a View asking for 25 due timers among BenchTimers.
//
// open must return a fresh, empty store; Bench closes it.
func Bench(b *testing.B, open func(b *testing.B) deskplane.Store) {
	ctx := context.Background()
	sc := deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	withStore := func(b *testing.B, fn func(s deskplane.Store)) {
		s := open(b)
		defer func() {
			if err := s.Close(); err != nil {
				b.Errorf("Close: %v", err)
			}
		}()
		fn(s)
	}
	data := []byte(`{"WorkspaceId":"ws-0123456789","State":"AVAILABLE","BundleId":"wsb-0123456789","UserName":"jdoe"}`)

	b.Run("Put", func(b *testing.B) {
		withStore(b, func(s deskplane.Store) {
			i := 0
			for b.Loop() {
				i++
				k := deskplane.Key{Scope: sc, Kind: "workspace", ID: fmt.Sprintf("ws-%010d", i)}
				if err := s.Update(ctx, func(tx deskplane.Tx) error {
					_, err := tx.Put(k, data)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("PutParallel", func(b *testing.B) {
		withStore(b, func(s deskplane.Store) {
			b.SetParallelism(4) // 4×GOMAXPROCS writers share commits
			b.RunParallel(func(pb *testing.PB) {
				id := time.Now().UnixNano()
				for pb.Next() {
					id++
					k := deskplane.Key{Scope: sc, Kind: "workspace", ID: fmt.Sprintf("ws-%x-%p", id, pb)}
					if err := s.Update(ctx, func(tx deskplane.Tx) error {
						_, err := tx.Put(k, data)
						return err
					}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	})
	b.Run("Get", func(b *testing.B) {
		withStore(b, func(s deskplane.Store) {
			fillRecords(b, s, sc, 1000, data)
			i := 0
			for b.Loop() {
				i++
				k := deskplane.Key{Scope: sc, Kind: "workspace", ID: fmt.Sprintf("ws-%010d", i%1000)}
				if err := s.View(ctx, func(tx deskplane.Tx) error {
					_, err := tx.Get(k)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("List25of10000", func(b *testing.B) {
		withStore(b, func(s deskplane.Store) {
			seqs := fillRecords(b, s, sc, 10_000, data)
			after := seqs[5000]
			for b.Loop() {
				n := 0
				if err := s.View(ctx, func(tx deskplane.Tx) error {
					return tx.List(sc, "workspace", after, func(deskplane.Record) bool {
						n++
						return n < 25
					})
				}); err != nil {
					b.Fatal(err)
				}
				if n != 25 {
					b.Fatalf("listed %d", n)
				}
			}
		})
	})
	b.Run("Due", func(b *testing.B) {
		withStore(b, func(s deskplane.Store) {
			base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			for start := 0; start < BenchTimers; start += 1000 {
				if err := s.Update(ctx, func(tx deskplane.Tx) error {
					for i := start; i < start+1000 && i < BenchTimers; i++ {
						k := deskplane.Key{Scope: sc, Kind: "workspace", ID: fmt.Sprintf("ws-%010d", i)}
						// Spread over 10,000 s in an order unlike the keys'.
						due := base.Add(time.Duration((i*7919)%BenchTimers) * time.Second)
						if err := tx.Schedule(deskplane.Timer{Key: k, Name: "available", Due: due}); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			now := base.Add(BenchTimers / 2 * time.Second)
			for b.Loop() {
				if err := s.View(ctx, func(tx deskplane.Tx) error {
					ts, err := tx.Due(now, 25)
					if err == nil && len(ts) != 25 {
						err = fmt.Errorf("due returned %d timers", len(ts))
					}
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// fillRecords writes n records ws-0000000000… of kind workspace and returns
// their Seqs.
func fillRecords(tb testing.TB, s deskplane.Store, sc deskplane.Scope, n int, data []byte) []int64 {
	tb.Helper()
	seqs := make([]int64, 0, n)
	for start := 0; start < n; start += 1000 {
		if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
			seqs = seqs[:start]
			for i := start; i < start+1000 && i < n; i++ {
				k := deskplane.Key{Scope: sc, Kind: "workspace", ID: fmt.Sprintf("ws-%010d", i)}
				r, err := tx.Put(k, data)
				if err != nil {
					return err
				}
				seqs = append(seqs, r.Seq)
			}
			return nil
		}); err != nil {
			tb.Fatal(err)
		}
	}
	return seqs
}
