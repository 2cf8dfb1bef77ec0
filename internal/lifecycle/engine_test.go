package lifecycle_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func frozenClock() *lifecycle.VirtualClock {
	c := lifecycle.NewVirtualClock(func() time.Time { return t0 })
	c.Freeze()
	return c
}

func key(id string) deskplane.Key {
	return deskplane.Key{Scope: deskplane.Scope{Account: "000000000000", Region: "us-east-1"}, Kind: "thing", ID: id}
}

type recorder struct {
	mu    sync.Mutex
	fired []string
}

func (r *recorder) handler(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fired = append(r.fired, t.Key.ID+"@"+t.Due.Sub(t0).String())
	return nil
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.fired...)
}

func schedule(t *testing.T, s deskplane.Store, ts ...deskplane.Timer) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		for _, tm := range ts {
			if err := tx.Schedule(tm); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRunDueFiresOnlyDueTimersInOrder(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	clock := frozenClock()
	e := lifecycle.New(store, clock, nil, lifecycle.Options{Batch: 2})
	var r recorder
	e.Handle("tick", r.handler)
	schedule(t, store,
		deskplane.Timer{Key: key("c"), Name: "tick", Due: t0.Add(3 * time.Second)},
		deskplane.Timer{Key: key("a"), Name: "tick", Due: t0.Add(1 * time.Second)},
		deskplane.Timer{Key: key("b"), Name: "tick", Due: t0.Add(2 * time.Second)},
		deskplane.Timer{Key: key("z"), Name: "tick", Due: t0.Add(time.Hour)},
	)
	if n, err := e.RunDue(ctx); err != nil || n != 0 {
		t.Fatalf("before anything is due: fired %d, %v", n, err)
	}
	clock.Advance(3 * time.Second)
	n, err := e.RunDue(ctx)
	if err != nil || n != 3 {
		t.Fatalf("fired %d, %v; want 3", n, err)
	}
	if got, want := r.list(), []string{"a@1s", "b@2s", "c@3s"}; !equal(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	// Fired timers are gone; the later one stays.
	if err := store.View(ctx, func(tx deskplane.Tx) error {
		next, ok, err := tx.NextDue()
		if err != nil || !ok || !next.Equal(t0.Add(time.Hour)) {
			t.Errorf("next due %v %v %v", next, ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestHandlersChainTimersAtEventTime(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	clock := frozenClock()
	e := lifecycle.New(store, clock, nil, lifecycle.Options{})
	var r recorder
	// Each step schedules the next 10 minutes after its own event time.
	e.Handle("step", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		_ = r.handler(ctx, tx, tm)
		if tm.Due.Sub(t0) < 30*time.Minute {
			return tx.Schedule(deskplane.Timer{Key: tm.Key, Name: "step", Due: tm.Due.Add(10 * time.Minute)})
		}
		return nil
	})
	schedule(t, store, deskplane.Timer{Key: key("w"), Name: "step", Due: t0.Add(10 * time.Minute)})
	clock.Advance(2 * time.Hour)
	n, err := e.RunDue(ctx)
	if err != nil || n != 3 {
		t.Fatalf("fired %d, %v; want 3", n, err)
	}
	if got, want := r.list(), []string{"w@10m0s", "w@20m0s", "w@30m0s"}; !equal(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
}

func TestWakingStoreFiresDueTimersBeforeReturning(t *testing.T) {
	store := memory.New()
	clock := frozenClock()
	e := lifecycle.New(store, clock, nil, lifecycle.Options{})
	var r recorder
	e.Handle("now", r.handler)
	schedule(t, e.Store(), deskplane.Timer{Key: key("a"), Name: "now", Due: clock.Now()})
	if got := r.list(); !equal(got, []string{"a@0s"}) {
		t.Fatalf("a timer due at once did not fire within Update: %v", got)
	}
	schedule(t, e.Store(), deskplane.Timer{Key: key("b"), Name: "now", Due: clock.Now().Add(time.Minute)})
	if got := r.list(); len(got) != 1 {
		t.Fatalf("a future timer fired early: %v", got)
	}
}

func TestRunLoopFiresWhenWoken(t *testing.T) {
	store := memory.New()
	clock := frozenClock()
	fired := make(chan string, 4)
	e := lifecycle.New(store, clock, nil, lifecycle.Options{PollInterval: time.Hour})
	e.Handle("x", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		fired <- tm.Key.ID
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.Run(ctx) }()
	schedule(t, e.Store(), deskplane.Timer{Key: key("later"), Name: "x", Due: clock.Now().Add(time.Minute)})
	select {
	case id := <-fired:
		t.Fatalf("%s fired before the clock reached it", id)
	case <-time.After(20 * time.Millisecond):
	}
	clock.Advance(time.Minute)
	e.Wake()
	select {
	case id := <-fired:
		if id != "later" {
			t.Fatalf("fired %s", id)
		}
	case <-time.After(time.Minute):
		t.Fatal("the loop did not fire the timer after the clock moved and it was woken")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func TestRunLoopFollowsRunningClock(t *testing.T) {
	store := memory.New()
	clock := lifecycle.NewVirtualClock(nil) // real time
	fired := make(chan struct{}, 1)
	e := lifecycle.New(store, clock, nil, lifecycle.Options{PollInterval: time.Hour})
	e.Handle("x", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		fired <- struct{}{}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = e.Run(ctx) }()
	schedule(t, e.Store(), deskplane.Timer{Key: key("soon"), Name: "x", Due: clock.Now().Add(30 * time.Millisecond)})
	select {
	case <-fired:
	case <-time.After(time.Minute):
		t.Fatal("a timer 30ms ahead on a running clock did not fire")
	}
}

func TestVirtualClock(t *testing.T) {
	wall := t0
	c := lifecycle.NewVirtualClock(func() time.Time { return wall })
	if !c.Now().Equal(t0) {
		t.Fatal("clock does not follow the wall clock")
	}
	c.Advance(time.Hour)
	wall = wall.Add(time.Second)
	if got := c.Now().Sub(t0); got != time.Hour+time.Second {
		t.Fatalf("after advancing 1h and 1s of wall time: %v", got)
	}
	c.Freeze()
	wall = wall.Add(time.Minute)
	if got := c.Now().Sub(t0); got != time.Hour+time.Second {
		t.Fatalf("frozen clock moved: %v", got)
	}
	c.Advance(time.Minute)
	if got := c.Now().Sub(t0); got != time.Hour+time.Minute+time.Second {
		t.Fatalf("frozen clock advanced wrongly: %v", got)
	}
	c.Unfreeze()
	wall = wall.Add(time.Second)
	if got := c.Now().Sub(t0); got != time.Hour+time.Minute+2*time.Second {
		t.Fatalf("unfrozen clock: %v", got)
	}
	wall = wall.Add(-time.Hour) // the wall clock jumps back
	if got := c.Now().Sub(t0); got != time.Hour+time.Minute+2*time.Second {
		t.Fatalf("clock went backwards with the wall clock: %v", got)
	}
	c.Advance(-time.Hour)
	if got := c.Now().Sub(t0); got != time.Hour+time.Minute+2*time.Second {
		t.Fatalf("negative advance moved the clock: %v", got)
	}
}

func TestClockOffsetSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	wall := t0
	c := lifecycle.NewVirtualClock(func() time.Time { return wall })
	if err := lifecycle.LoadClock(ctx, store, c); err != nil || !c.Now().Equal(t0) {
		t.Fatalf("loading from an empty store: %v %v", c.Now(), err)
	}
	c.Advance(6 * time.Hour)
	if err := lifecycle.SaveClock(ctx, store, c); err != nil {
		t.Fatal(err)
	}
	wall = wall.Add(time.Minute)
	again := lifecycle.NewVirtualClock(func() time.Time { return wall })
	if err := lifecycle.LoadClock(ctx, store, again); err != nil {
		t.Fatal(err)
	}
	if got := again.Now().Sub(t0); got != 6*time.Hour+time.Minute {
		t.Fatalf("restored clock is %v ahead of t0, want 6h1m", got)
	}
}
