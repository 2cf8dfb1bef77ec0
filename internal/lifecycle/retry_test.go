package lifecycle_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
)

// flakyStore fails the next n transactions' reads the way a cut database
// connection does: the handler's tx.Get answers an error of the store.
type flakyStore struct {
	deskplane.Store
	getFails   atomic.Int32 // tx.Get calls still to fail
	updateFail atomic.Int32 // transactions (Update or View) still to fail before running fn
}

var errConnReset = errors.New("store: connection reset by peer")

func (s *flakyStore) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	if s.updateFail.Add(-1) >= 0 {
		return errConnReset
	}
	return s.Store.Update(ctx, func(tx deskplane.Tx) error { return fn(&flakyTx{Tx: tx, s: s}) })
}

func (s *flakyStore) View(ctx context.Context, fn func(deskplane.Tx) error) error {
	if s.updateFail.Add(-1) >= 0 {
		return errConnReset
	}
	return s.Store.View(ctx, fn)
}

type flakyTx struct {
	deskplane.Tx
	s *flakyStore
}

func (t *flakyTx) Get(k deskplane.Key) (deskplane.Record, error) {
	if t.s.getFails.Add(-1) >= 0 {
		return deskplane.Record{}, errConnReset
	}
	return t.Tx.Get(k)
}

func fastRetries() lifecycle.Options {
	return lifecycle.Options{RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond}
}

// runUntil calls RunDue until cond holds or a minute passes.
func runUntil(t *testing.T, e *lifecycle.Engine, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		if _, err := e.RunDue(context.Background()); err != nil {
			t.Logf("RunDue: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

func timersLeft(t *testing.T, s deskplane.Store) int {
	t.Helper()
	n := 0
	if err := s.View(context.Background(), func(tx deskplane.Tx) error {
		ts, err := tx.Due(t0.Add(1000*time.Hour), 1000)
		n = len(ts)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A handler that fails because the store failed under it keeps its timer:
// it fires once the store answers again, and the other timers are not held
// up meanwhile.
func TestTransientHandlerErrorRetriesTheTimer(t *testing.T) {
	mem := memory.New()
	store := &flakyStore{Store: mem}
	clock := frozenClock()
	var mu sync.Mutex
	committed := map[string]int{}
	e := lifecycle.New(store, clock, nil, lifecycle.Options{
		RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond,
		Observe: func(tm deskplane.Timer, _ time.Time) {
			mu.Lock()
			committed[tm.Key.ID]++
			mu.Unlock()
		},
	})
	e.Handle("reads", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		_, err := tx.Get(tm.Key)
		if errors.Is(err, deskplane.ErrNotFound) {
			err = nil
		}
		return err
	})
	e.Handle("ok", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error { return nil })
	schedule(t, mem,
		deskplane.Timer{Key: key("a"), Name: "reads", Due: t0},
		deskplane.Timer{Key: key("b"), Name: "ok", Due: t0},
	)
	store.getFails.Store(5)
	runUntil(t, e, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return committed["a"] == 1
	})
	mu.Lock()
	defer mu.Unlock()
	if committed["b"] != 1 {
		t.Fatalf("fired %v; want a and b once each", committed)
	}
	if n := timersLeft(t, mem); n != 0 {
		t.Fatalf("%d timers left", n)
	}
}

// A store that fails whole transactions (connections cut) loses nothing:
// the loop asks again after a pause, not after its poll interval.
func TestRunLoopRetriesAFailingStore(t *testing.T) {
	mem := memory.New()
	store := &flakyStore{Store: mem}
	clock := frozenClock()
	opts := fastRetries()
	opts.PollInterval = time.Hour
	fired := make(chan string, 4)
	e := lifecycle.New(store, clock, nil, opts)
	e.Handle("x", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		fired <- tm.Key.ID
		return nil
	})
	schedule(t, mem, deskplane.Timer{Key: key("a"), Name: "x", Due: t0})
	store.updateFail.Store(20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = e.Run(ctx) }()
	select {
	case <-fired:
	case <-time.After(time.Minute):
		t.Fatal("the timer did not fire once the store answered again")
	}
}

// A handler's own permanent error removes the timer and runs the timer's
// failure handler, which puts the resource in its failure state.
func TestPermanentHandlerErrorRunsTheFailureHandler(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	clock := frozenClock()
	e := lifecycle.New(store, clock, nil, fastRetries())
	calls := 0
	e.Handle("bad", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		calls++
		return lifecycle.Permanent(errors.New("the payload is not a generation"))
	})
	e.Handle("domain", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "no such bundle")
	})
	fail := func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer, cause error) error {
		_, err := tx.Put(tm.Key, []byte("ERROR: "+cause.Error()))
		return err
	}
	e.HandleFailure("bad", fail)
	e.HandleFailure("domain", fail)
	schedule(t, store,
		deskplane.Timer{Key: key("a"), Name: "bad", Due: t0},
		deskplane.Timer{Key: key("b"), Name: "domain", Due: t0},
	)
	if _, err := e.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("the handler ran %d times; a permanent error is not retried", calls)
	}
	if n := timersLeft(t, store); n != 0 {
		t.Fatalf("%d timers left", n)
	}
	for id, want := range map[string]string{"a": "ERROR: the payload is not a generation", "b": "ERROR: no such bundle"} {
		_ = store.View(ctx, func(tx deskplane.Tx) error {
			r, err := tx.Get(key(id))
			if err != nil || string(r.Data) != want {
				t.Errorf("%s: %q %v; want %q", id, r.Data, err, want)
			}
			return nil
		})
	}
}

func TestIsPermanent(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{errConnReset, false},
		{context.Canceled, false},
		{deskplane.ErrConflict, false},
		{&deskplane.Error{Code: deskplane.CodeThrottled, Message: "Rate exceeded"}, true},
		{errors.Join(&deskplane.Error{Code: deskplane.CodeThrottled}, deskplane.ErrConflict), false},
		{lifecycle.Permanent(errConnReset), true},
	} {
		if got := lifecycle.IsPermanent(c.err); got != c.want {
			t.Errorf("IsPermanent(%v) = %v", c.err, got)
		}
	}
}

// A write that schedules an already-due timer fires the due timers before
// it returns, but not with its own context: a client that goes away (its
// request context cancelled) must not make other resources' timers fail.
func TestTimersDoNotFireWithTheRequestContext(t *testing.T) {
	mem := memory.New()
	clock := frozenClock()
	e := lifecycle.New(mem, clock, nil, fastRetries())
	var got []error
	e.Handle("x", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		got = append(got, ctx.Err())
		return ctx.Err()
	})
	schedule(t, mem, deskplane.Timer{Key: key("other"), Name: "x", Due: t0})
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.Store().Update(ctx, func(tx deskplane.Tx) error {
		defer cancel() // the client hangs up as the write commits
		return tx.Schedule(deskplane.Timer{Key: key("mine"), Name: "x", Due: t0})
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != nil || got[1] != nil {
		t.Fatalf("handlers saw %v; want two live contexts", got)
	}
	if n := timersLeft(t, mem); n != 0 {
		t.Fatalf("%d timers left", n)
	}
}

// A timer that keeps failing is tried again after its pause, not in a busy
// loop, and not only at the poll interval.
func TestRunLoopPacesRetries(t *testing.T) {
	mem := memory.New()
	clock := frozenClock()
	e := lifecycle.New(mem, clock, nil, lifecycle.Options{PollInterval: time.Hour, RetryMin: 20 * time.Millisecond, RetryMax: 40 * time.Millisecond})
	var mu sync.Mutex
	var at []time.Time // when each attempt ran
	e.Handle("x", func(ctx context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		return errConnReset
	})
	schedule(t, mem, deskplane.Timer{Key: key("a"), Name: "x", Due: t0})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.Run(ctx); close(done) }()
	// With a poll interval of an hour, a third attempt within a minute
	// means the retries are paced by their own pause.
	var got []time.Time
	for deadline := time.Now().Add(time.Minute); len(got) < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts in a minute; the failing timer waits for the poll", len(got))
		}
		mu.Lock()
		got = append([]time.Time(nil), at...)
		mu.Unlock()
	}
	cancel()
	<-done
	// Not a busy loop: attempts are at least the shortest pause apart,
	// the upper half of RetryMin (timers never fire early, so this holds
	// on any machine).
	for i := 1; i < len(got); i++ {
		if gap := got[i].Sub(got[i-1]); gap < 10*time.Millisecond {
			t.Fatalf("attempt %d came %v after the one before; the pause is at least 10ms", i+1, gap)
		}
	}
	if n := timersLeft(t, mem); n != 1 {
		t.Fatalf("%d timers left; the failing one must stay", n)
	}
}
