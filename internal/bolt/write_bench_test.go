package bolt

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

// BenchmarkCreateBatch imitates the store side of CreateWorkspaces of 25
// under the fast lifecycle profile: each op is one Update that counts the
// scope's records (the quota), puts 25 new records under random IDs with
// a timer each, and moves the 25 records of an earlier op on (a Get, a
// Put of a slightly longer body, a timer cancelled), on a store that
// already holds 50,000 such records. Run it with many writers, as the
// server is: -cpu 2 runs 64 goroutines.
func BenchmarkCreateBatch(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b, Options{})
	defer s.Close()
	sc := deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	pending := bytes.Repeat([]byte("p"), 900)
	available := bytes.Repeat([]byte("a"), 960)
	due := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

	var mu sync.Mutex
	var done [][]deskplane.Key // ops whose records are still pending
	create := func(tx deskplane.Tx, rng *rand.Rand) ([]deskplane.Key, error) {
		if _, err := tx.Count(sc, "workspace"); err != nil {
			return nil, err
		}
		keys := make([]deskplane.Key, 25)
		for i := range keys {
			keys[i] = deskplane.Key{Scope: sc, Kind: "workspace", ID: fmt.Sprintf("ws-%09x", rng.Uint64()&(1<<36-1))}
			if _, err := tx.Put(keys[i], pending); err != nil {
				return nil, err
			}
			if err := tx.Schedule(deskplane.Timer{Key: keys[i], Name: "launch", Due: due, Payload: []byte(`{}`)}); err != nil {
				return nil, err
			}
		}
		return keys, nil
	}
	advance := func(tx deskplane.Tx, keys []deskplane.Key) error {
		for _, k := range keys {
			if _, err := tx.Get(k); err != nil {
				return err
			}
			if _, err := tx.Put(k, available); err != nil {
				return err
			}
			if err := tx.Cancel(k, "launch"); err != nil {
				return err
			}
		}
		return nil
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		if err := s.Update(ctx, func(tx deskplane.Tx) error {
			for range 20 {
				keys, err := create(tx, rng)
				if err != nil {
					return err
				}
				if err := advance(tx, keys); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	var seed uint64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		seed++
		rng := rand.New(rand.NewPCG(seed, 7))
		mu.Unlock()
		for pb.Next() {
			mu.Lock()
			var old []deskplane.Key
			if len(done) > 0 {
				old, done = done[len(done)-1], done[:len(done)-1]
			}
			mu.Unlock()
			var keys []deskplane.Key
			if err := s.Update(ctx, func(tx deskplane.Tx) (err error) {
				if keys, err = create(tx, rng); err != nil {
					return err
				}
				return advance(tx, old)
			}); err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			done = append(done, keys)
			mu.Unlock()
		}
	})
}
