// Package lifecycle is deskplane's asynchronous engine. Every timed step of a
// resource's life (PENDING → AVAILABLE, STOPPING → STOPPED, snapshots,
// AutoStop…) is a persisted deskplane.Timer; the engine fires each one once
// the service clock reaches it, inside a store transaction, by calling the
// handler registered for the timer's name.
//
// There is no goroutine or runtime timer per pending transition: the store
// keeps timers ordered by due time, and one loop asks it for the next due
// time and sleeps until then (or until woken by a write that scheduled an
// earlier timer, or by the clock being advanced). A restart resumes every
// transition that was in flight because the timers are in the store.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/deskplane/deskplane"
)

// Handler performs a timer's action inside tx. The engine has already
// removed the timer; the handler may schedule follow-up timers (including
// one with the same name). Timer.Due is the time the event happens: use it,
// not the clock, for timestamps and follow-up due times, so that a large
// clock advance replays events at their proper times. A timer that no
// longer applies (the resource moved on) is a silent no-op.
//
// An error rolls the transaction back and leaves the timer in the store.
// The engine fires it again later, with a jittered backoff, unless the
// error is the handler's own permanent one (see Permanent): store failures,
// lost connections, conflicts and cancelled contexts never lose a timer.
// The timers due together fire in one transaction; ctx carries their
// Batch (BatchOf).
type Handler func(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error

// FailureHandler puts a timer's resource in its failure state (a WorkSpace
// in ERROR) after the timer's handler failed permanently with cause, so
// that the resource does not stay transitional forever. It runs in a
// transaction of its own, in which the engine has removed the timer; it
// may be run again when that transaction fails.
type FailureHandler func(ctx context.Context, tx deskplane.Tx, t deskplane.Timer, cause error) error

// Permanent marks err as a handler's own permanent failure: the timer can
// never be handled, so the engine removes it and runs the timer's failure
// handler. A handler's domain error (*deskplane.Error) is permanent too,
// unless it wraps deskplane.ErrConflict (docs/decisions/0140-timers-never-lost.md).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// IsPermanent reports whether a handler's error is permanent: marked by
// Permanent, or a domain error that is not a store conflict. Everything
// else (store and connection failures, conflicts, cancelled contexts,
// errors of unknown origin) is transient.
func IsPermanent(err error) bool {
	if err == nil || errors.Is(err, deskplane.ErrConflict) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	var de *deskplane.Error
	return errors.As(err, &de)
}

// Batch is what the handlers that fire in one transaction share: values a
// handler loaded once for all of them (a subnet's address counter, say),
// and writes deferred to the batch's end, so that a value every handler of
// the batch changes is decoded and written once per batch, not once per
// timer. The engine makes a new Batch for every attempt of a transaction:
// when a handler fails, the transaction rolls back and its Batch is
// dropped with it, so a Batch never holds what the store does not.
type Batch struct {
	values map[any]any
	ends   []func(deskplane.Tx) error
}

type batchKey struct{}

// BatchOf returns the batch the handler whose context is ctx fires in, or
// nil outside the engine (a handler called directly). A handler that finds
// none loads and writes on its own.
func BatchOf(ctx context.Context) *Batch {
	b, _ := ctx.Value(batchKey{}).(*Batch)
	return b
}

// Value returns what Set stored under key in the batch; nothing in a nil
// Batch (outside the engine).
func (b *Batch) Value(key any) (any, bool) {
	if b == nil {
		return nil, false
	}
	v, ok := b.values[key]
	return v, ok
}

// Set stores v under key for the batch's later handlers; a nil Batch
// (outside the engine) keeps nothing.
func (b *Batch) Set(key, v any) {
	if b == nil {
		return
	}
	if b.values == nil {
		b.values = make(map[any]any)
	}
	b.values[key] = v
}

// AtEnd registers fn to run in the batch's transaction after its last
// handler succeeded, before the commit; fns run in the order registered.
// An error of fn fails the whole transaction, as a store error does.
func (b *Batch) AtEnd(fn func(deskplane.Tx) error) {
	b.ends = append(b.ends, fn)
}

// end runs the functions registered with AtEnd.
func (b *Batch) end(tx deskplane.Tx) error {
	for _, fn := range b.ends {
		if err := fn(tx); err != nil {
			return err
		}
	}
	return nil
}

// Options tune the engine.
type Options struct {
	// Batch is how many timers one transaction fires (default 512).
	Batch int
	// MaxBatch bounds the batch under a backlog: after a transaction that
	// fired a full batch, the next fires twice as many, up to MaxBatch
	// (default 8×Batch), so that a burst of due timers costs fewer
	// commits (each a sync to disk); a batch that is not full resets it.
	MaxBatch int
	// BatchTime stops that growth: the batch doubles only after a
	// transaction that took less than BatchTime on the wall clock
	// (default 100ms), so that a store with slow round trips (PostgreSQL)
	// does not hold its locks for long transactions.
	BatchTime time.Duration
	// PollInterval bounds how long the loop sleeps without looking at the
	// store; it matters when other nodes schedule timers (default 1s).
	PollInterval time.Duration
	// RetryMin and RetryMax bound the pause before a timer whose handler
	// failed transiently is fired again, and before the loop asks a failing
	// store again: it doubles from RetryMin on every failure, up to
	// RetryMax, and is jittered (defaults 50ms and 30s).
	RetryMin, RetryMax time.Duration
	// Wall is the real-time clock the retry pauses are measured on (they
	// must pass while the service clock is frozen); time.Now when nil.
	Wall func() time.Time
	// Observe, when set, is called after each fired timer's transaction
	// commits, with the clock time at which it fired (for lateness figures).
	Observe func(t deskplane.Timer, firedAt time.Time)
}

// Engine fires timers. It is safe for concurrent use.
type Engine struct {
	store    deskplane.Store
	clock    deskplane.Clock
	log      *slog.Logger
	opts     Options
	handlers map[string]Handler
	failures map[string]FailureHandler
	wake     chan struct{}
	// base is the context timers fire with when a write's Update fires
	// them: never the request's own, which its client may cancel.
	base context.Context

	runMu sync.Mutex
	retry map[timerID]*retryState // guarded by runMu
}

// timerID names one stored timer.
type timerID struct {
	key  deskplane.Key
	name string
}

// retryState is a timer whose handler failed transiently: it is not fired
// again before at.
type retryState struct {
	due      time.Time // the timer's Due when it failed; a rescheduled timer starts afresh
	attempts int
	at       time.Time
}

// New returns an engine over store (the raw store, not the one returned by
// Store) driven by clock.
func New(store deskplane.Store, clock deskplane.Clock, log *slog.Logger, opts Options) *Engine {
	if opts.Batch <= 0 {
		opts.Batch = 512
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 8 * opts.Batch
	}
	opts.MaxBatch = max(opts.MaxBatch, opts.Batch)
	if opts.BatchTime <= 0 {
		opts.BatchTime = 100 * time.Millisecond
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 50 * time.Millisecond
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(30*time.Second, opts.RetryMin)
	}
	if opts.Wall == nil {
		opts.Wall = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{
		store:    store,
		clock:    clock,
		log:      log,
		opts:     opts,
		handlers: make(map[string]Handler),
		failures: make(map[string]FailureHandler),
		wake:     make(chan struct{}, 1),
		base:     context.Background(),
		retry:    make(map[timerID]*retryState),
	}
}

// Handle registers the handler for timers named name. Register every
// handler before Run or RunDue is first called.
func (e *Engine) Handle(name string, h Handler) {
	e.handlers[name] = h
}

// HandleFailure registers the failure handler for timers named name. A
// timer without one is only removed when its handler fails permanently.
func (e *Engine) HandleFailure(name string, f FailureHandler) {
	e.failures[name] = f
}

// Wake makes the loop look at the store again now.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// backoff is the jittered pause before the attempt after the n-th failure:
// RetryMin doubled n-1 times, capped at RetryMax, then a random point in
// its upper half.
func (e *Engine) backoff(n int) time.Duration {
	d := e.opts.RetryMax
	if n < 40 {
		if x := e.opts.RetryMin << (n - 1); x > 0 && x < d {
			d = x
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Run drives the engine until ctx ends. A store that fails is asked again
// after a growing, jittered pause; the timers stay in it meanwhile.
func (e *Engine) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
	for {
		_, retryAt, err := e.runDue(ctx)
		if err != nil && ctx.Err() == nil {
			failures++
			e.log.Error("lifecycle: firing timers; trying again", "err", err, "failures", failures)
		}
		wait := e.opts.PollInterval
		var next time.Time
		var ok bool
		verr := e.store.View(ctx, func(tx deskplane.Tx) error {
			var err error
			next, ok, err = tx.NextDue()
			return err
		})
		if verr != nil && ctx.Err() == nil {
			if err == nil {
				failures++
			}
			e.log.Error("lifecycle: reading next due time", "err", verr)
		}
		if err == nil && verr == nil {
			failures = 0
		}
		if ok {
			d := next.Sub(e.clock.Now())
			if d <= 0 && !retryAt.IsZero() {
				// What is due now waits for its retry.
				d = max(retryAt.Sub(e.opts.Wall()), time.Millisecond)
			}
			wait = min(wait, d)
		}
		if failures > 0 {
			wait = e.backoff(failures)
		}
		wait = max(wait, 0)
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.wake:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		case <-timer.C:
		}
	}
}

type handlerError struct {
	timer deskplane.Timer
	err   error
}

func (h *handlerError) Error() string {
	return fmt.Sprintf("timer %s/%s of %s: %v", h.timer.Key.Kind, h.timer.Key.ID, h.timer.Name, h.err)
}

func (h *handlerError) Unwrap() error { return h.err }

// maxPerRun bounds one RunDue so that a handler that keeps scheduling
// already-due timers cannot spin forever.
const maxPerRun = 10_000_000

// RunDue fires every timer that is due at the clock's current time, including
// timers that handlers schedule as already due, and returns how many fired.
// A timer whose handler failed transiently stays in the store and is fired
// by a later RunDue once its retry pause has passed.
func (e *Engine) RunDue(ctx context.Context) (int, error) {
	n, _, err := e.runDue(ctx)
	return n, err
}

// runDue is RunDue; it also says when the earliest timer waiting for a
// retry may fire (zero when none waits).
func (e *Engine) runDue(ctx context.Context) (int, time.Time, error) {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	total := 0
	var fired []deskplane.Timer
	size := e.opts.Batch
	for total < maxPerRun {
		now, wall := e.clock.Now(), e.opts.Wall()
		// A read first: a write transaction that finds nothing due would
		// still queue behind the store's other writers, and a timer that
		// falls due meanwhile would wait for it to commit.
		if due, err := e.anyDue(ctx, now); err != nil || !due {
			return total, e.retryAt(), err
		}
		var seen map[timerID]bool
		took := 0
		err := e.store.Update(ctx, func(tx deskplane.Tx) error {
			took = 0
			fired = fired[:0]
			batch := &Batch{}
			hctx := context.WithValue(ctx, batchKey{}, batch)
			limit := size + len(e.retry)
			due, err := tx.Due(now, limit)
			if err != nil {
				return err
			}
			// Handlers begin by reading their timer's record: a store that
			// reads remotely reads them all in one round trip (Tx.Prefetch).
			keys := make([]deskplane.Key, len(due))
			for i, t := range due {
				keys[i] = t.Key
			}
			if err := tx.Prefetch(keys); err != nil {
				return err
			}
			seen = nil
			if len(due) < limit {
				seen = make(map[timerID]bool, len(e.retry)) // every due timer is here
			}
			n := 0
			for _, t := range due {
				id := timerID{t.Key, t.Name}
				if seen != nil {
					seen[id] = true
				}
				if r := e.retry[id]; r != nil && r.due.Equal(t.Due) && wall.Before(r.at) {
					continue // waits for its retry
				}
				if n == size {
					break
				}
				n++
				took = n
				if err := tx.Cancel(t.Key, t.Name); err != nil {
					return err
				}
				h := e.handlers[t.Name]
				if h == nil {
					e.log.Warn("lifecycle: no handler; timer dropped", "timer", t.Name, "kind", t.Key.Kind, "id", t.Key.ID)
					continue
				}
				if err := h(hctx, tx, t); err != nil {
					return &handlerError{timer: t, err: err}
				}
				fired = append(fired, t)
			}
			return batch.end(tx)
		})
		var he *handlerError
		if errors.As(err, &he) {
			// The batch is fired again without it: back to the small
			// batch, so that failures cost little work done twice.
			size = e.opts.Batch
			if !IsPermanent(he.err) {
				e.later(he, wall)
				continue
			}
			if err := e.fail(ctx, he); err != nil {
				e.later(&handlerError{timer: he.timer, err: err}, wall)
			}
			continue
		}
		if err != nil {
			return total, e.retryAt(), err
		}
		if seen != nil {
			for id := range e.retry {
				if !seen[id] {
					delete(e.retry, id) // fired, cancelled or rescheduled meanwhile
				}
			}
		}
		for _, t := range fired {
			delete(e.retry, timerID{t.Key, t.Name})
		}
		if len(fired) == 0 {
			return total, e.retryAt(), nil
		}
		switch {
		case took < size:
			size = e.opts.Batch
		case e.opts.Wall().Sub(wall) < e.opts.BatchTime:
			size = min(2*size, e.opts.MaxBatch) // a backlog
		}
		total += len(fired)
		if e.opts.Observe != nil {
			at := e.clock.Now()
			for _, t := range fired {
				e.opts.Observe(t, at)
			}
		}
	}
	return total, e.retryAt(), nil
}

// anyDue reports whether a timer is due at now.
func (e *Engine) anyDue(ctx context.Context, now time.Time) (bool, error) {
	var next time.Time
	var ok bool
	err := e.store.View(ctx, func(tx deskplane.Tx) error {
		var err error
		next, ok, err = tx.NextDue()
		return err
	})
	return ok && !next.After(now), err
}

// later notes that he's timer failed transiently: it stays in the store
// and fires again after a backoff.
func (e *Engine) later(he *handlerError, wall time.Time) {
	id := timerID{he.timer.Key, he.timer.Name}
	r := e.retry[id]
	if r == nil || !r.due.Equal(he.timer.Due) {
		r = &retryState{due: he.timer.Due}
		e.retry[id] = r
	}
	r.attempts++
	pause := e.backoff(r.attempts)
	r.at = wall.Add(pause)
	level := slog.LevelWarn
	if r.attempts >= 5 {
		level = slog.LevelError
	}
	e.log.Log(e.base, level, "lifecycle: handler failed; timer kept, retrying", "err", he, "attempt", r.attempts, "pause", pause)
}

// fail removes a timer whose handler failed permanently and runs its
// failure handler, in one transaction.
func (e *Engine) fail(ctx context.Context, he *handlerError) error {
	t := he.timer
	f := e.failures[t.Name]
	e.log.Error("lifecycle: handler failed permanently; timer removed", "err", he, "failure_handler", f != nil)
	err := e.store.Update(ctx, func(tx deskplane.Tx) error {
		if err := tx.Cancel(t.Key, t.Name); err != nil {
			return err
		}
		if f == nil {
			return nil
		}
		batch := &Batch{}
		if err := f(context.WithValue(ctx, batchKey{}, batch), tx, t, he.err); err != nil {
			return err
		}
		return batch.end(tx)
	})
	if err == nil {
		delete(e.retry, timerID{t.Key, t.Name})
	}
	return err
}

// retryAt is the earliest time a timer waiting for a retry may fire.
func (e *Engine) retryAt() time.Time {
	var at time.Time
	for _, r := range e.retry {
		if at.IsZero() || r.at.Before(at) {
			at = r.at
		}
	}
	return at
}

// Store returns a view of the engine's store that notices writes which
// schedule timers: after such a transaction commits, a timer already due is
// fired before Update returns (so the "instant" profile is truly instant)
// and a later one wakes the loop.
func (e *Engine) Store() deskplane.Store {
	return &wakingStore{Store: e.store, e: e}
}

type wakingStore struct {
	deskplane.Store
	e *Engine
}

// Unwrap returns the engine's store, for deskplane.PageReaderOf: a
// ReadPage schedules nothing.
func (s *wakingStore) Unwrap() deskplane.Store { return s.Store }

type schedTx struct {
	deskplane.Tx
	scheduled bool
	earliest  time.Time
}

func (t *schedTx) Schedule(tm deskplane.Timer) error {
	if err := t.Tx.Schedule(tm); err != nil {
		return err
	}
	if !t.scheduled || tm.Due.Before(t.earliest) {
		t.earliest = tm.Due
	}
	t.scheduled = true
	return nil
}

func (s *wakingStore) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	var st *schedTx
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		st = &schedTx{Tx: tx}
		return fn(st)
	})
	if err != nil || !st.scheduled {
		return err
	}
	if !st.earliest.After(s.e.clock.Now()) {
		// The due timers may be other resources': they fire with the
		// engine's context, never with this request's.
		if _, err := s.e.RunDue(s.e.base); err != nil {
			s.e.log.Error("lifecycle: firing due timers after a write", "err", err)
		}
		return nil
	}
	s.e.Wake()
	return nil
}
