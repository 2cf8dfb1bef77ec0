package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
)

// The handlers of the timers due together share one Batch per
// transaction: a value one of them set is seen by the next, the AtEnd
// functions run once before the commit, and a transaction that fails
// drops its Batch with its writes.
func TestBatchSharedByTheTransaction(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	clock := frozenClock()
	e := lifecycle.New(s, clock, nil, lifecycle.Options{Batch: 4, MaxBatch: 4, RetryMin: 1 << 40})
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	total := deskplane.Key{Scope: sc, Kind: deskplane.KindCounter, ID: "total"}
	type sum struct{ n int }
	var ends, loads int
	e.Handle("add", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		b := lifecycle.BatchOf(ctx)
		if b == nil {
			return errors.New("no batch")
		}
		v, ok := b.Value("sum")
		if !ok {
			loads++
			v = &sum{}
			if _, err := deskplane.Load(tx, total, &v.(*sum).n); err != nil {
				return err
			}
			b.Set("sum", v)
			b.AtEnd(func(tx deskplane.Tx) error {
				ends++
				return deskplane.Save(tx, total, v.(*sum).n)
			})
		}
		v.(*sum).n++
		if tm.Key.ID == "bad" {
			return errors.New("the bad one fails")
		}
		return nil
	})
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		for i := range 10 {
			id := fmt.Sprintf("t%02d", i)
			if i == 5 {
				id = "bad"
			}
			if err := tx.Schedule(deskplane.Timer{Key: deskplane.Key{Scope: sc, Kind: deskplane.KindCounter, ID: id}, Name: "add", Due: clock.Now()}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n, err := e.RunDue(ctx)
	if err != nil || n != 9 {
		t.Fatalf("RunDue: %d fired, %v; want 9", n, err)
	}
	var got int
	if err := s.View(ctx, func(tx deskplane.Tx) error { _, err := deskplane.Load(tx, total, &got); return err }); err != nil {
		t.Fatal(err)
	}
	// Batches of 4, due order by id: bad, t00–t02 fails on bad and rolls
	// back (one load, no AtEnd); then t00–t03, t04–t07 and t08–t09
	// without bad, which waits for its retry: three commits.
	if got != 9 || ends != 3 || loads != 4 {
		t.Fatalf("total %d, %d AtEnd runs, %d loads; want 9, 3, 4", got, ends, loads)
	}
	if lifecycle.BatchOf(ctx) != nil {
		t.Fatal("a batch outside the engine")
	}
}

// batchSizes fires n due timers with an engine of opts and returns how many
// fired in each of its transactions (each has a Batch of its own).
func batchSizes(t *testing.T, opts lifecycle.Options, n int) []int {
	t.Helper()
	s := memory.New()
	e := lifecycle.New(s, frozenClock(), nil, opts)
	var sizes []int
	var last *lifecycle.Batch
	e.Handle("tick", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		if b := lifecycle.BatchOf(ctx); b != last {
			last = b
			sizes = append(sizes, 0)
		}
		sizes[len(sizes)-1]++
		return nil
	})
	var timers []deskplane.Timer
	for i := range n {
		timers = append(timers, deskplane.Timer{Key: key(fmt.Sprintf("k%02d", i)), Name: "tick", Due: t0})
	}
	schedule(t, s, timers...)
	if fired, err := e.RunDue(context.Background()); err != nil || fired != n {
		t.Fatalf("RunDue: %d fired, %v", fired, err)
	}
	return sizes
}

// Under a backlog each full batch makes the next twice as large, up to
// MaxBatch.
func TestBatchGrowsUnderABacklog(t *testing.T) {
	sizes := batchSizes(t, lifecycle.Options{Batch: 2, MaxBatch: 8, BatchTime: time.Hour}, 20)
	if fmt.Sprint(sizes) != "[2 4 8 6]" {
		t.Fatalf("batch sizes %v; want [2 4 8 6]", sizes)
	}
}

// A batch whose transaction took BatchTime or longer does not grow.
func TestBatchStaysSmallWhenTransactionsAreSlow(t *testing.T) {
	ticks := 0
	slow := func() time.Time { ticks++; return t0.Add(time.Duration(ticks) * time.Second) } // every reading a second later
	sizes := batchSizes(t, lifecycle.Options{Batch: 2, MaxBatch: 8, BatchTime: 500 * time.Millisecond, Wall: slow}, 8)
	if fmt.Sprint(sizes) != "[2 2 2 2]" {
		t.Fatalf("batch sizes %v; want [2 2 2 2]", sizes)
	}
}
