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
	"sync"
	"time"

	"github.com/deskplane/deskplane"
)

// Handler performs a timer's action inside tx. The engine has already
// removed the timer; the handler may schedule follow-up timers (including
// one with the same name). Timer.Due is the time the event happens: use it,
// not the clock, for timestamps and follow-up due times, so that a large
// clock advance replays events at their proper times. A handler returns an
// error only when the store fails or the timer cannot be handled at all; a
// timer that no longer applies (the resource moved on) is a silent no-op.
type Handler func(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error

// Options tune the engine.
type Options struct {
	// Batch is how many timers one transaction fires (default 512).
	Batch int
	// PollInterval bounds how long the loop sleeps without looking at the
	// store; it matters when other nodes schedule timers (default 1s).
	PollInterval time.Duration
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
	wake     chan struct{}
	runMu    sync.Mutex
}

// New returns an engine over store (the raw store, not the one returned by
// Store) driven by clock.
func New(store deskplane.Store, clock deskplane.Clock, log *slog.Logger, opts Options) *Engine {
	if opts.Batch <= 0 {
		opts.Batch = 512
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
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
		wake:     make(chan struct{}, 1),
	}
}

// Handle registers the handler for timers named name. Register every
// handler before Run or RunDue is first called.
func (e *Engine) Handle(name string, h Handler) {
	e.handlers[name] = h
}

// Wake makes the loop look at the store again now.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run drives the engine until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if _, err := e.RunDue(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("lifecycle: firing timers", "err", err)
		}
		wait := e.opts.PollInterval
		var next time.Time
		var ok bool
		err := e.store.View(ctx, func(tx deskplane.Tx) error {
			var err error
			next, ok, err = tx.NextDue()
			return err
		})
		if err != nil && ctx.Err() == nil {
			e.log.Error("lifecycle: reading next due time", "err", err)
		}
		if ok {
			if d := next.Sub(e.clock.Now()); d < wait {
				wait = d
			}
		}
		if wait < 0 {
			wait = 0
		}
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

// maxPerRun bounds one RunDue so that a handler that keeps scheduling
// already-due timers cannot spin forever.
const maxPerRun = 10_000_000

// RunDue fires every timer that is due at the clock's current time, including
// timers that handlers schedule as already due, and returns how many fired.
func (e *Engine) RunDue(ctx context.Context) (int, error) {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	total := 0
	var fired []deskplane.Timer
	for total < maxPerRun {
		now := e.clock.Now()
		err := e.store.Update(ctx, func(tx deskplane.Tx) error {
			fired = fired[:0]
			due, err := tx.Due(now, e.opts.Batch)
			if err != nil {
				return err
			}
			for _, t := range due {
				if err := tx.Cancel(t.Key, t.Name); err != nil {
					return err
				}
				h := e.handlers[t.Name]
				if h == nil {
					e.log.Warn("lifecycle: no handler; timer dropped", "timer", t.Name, "kind", t.Key.Kind, "id", t.Key.ID)
					continue
				}
				if err := h(ctx, tx, t); err != nil {
					return &handlerError{timer: t, err: err}
				}
				fired = append(fired, t)
			}
			return nil
		})
		var he *handlerError
		if errors.As(err, &he) {
			// Drop the failing timer on its own so the others still fire.
			e.log.Error("lifecycle: handler failed; timer dropped", "err", he)
			if err := e.store.Update(ctx, func(tx deskplane.Tx) error {
				return tx.Cancel(he.timer.Key, he.timer.Name)
			}); err != nil {
				return total, err
			}
			continue
		}
		if err != nil {
			return total, err
		}
		if len(fired) == 0 {
			return total, nil
		}
		total += len(fired)
		if e.opts.Observe != nil {
			at := e.clock.Now()
			for _, t := range fired {
				e.opts.Observe(t, at)
			}
		}
	}
	return total, nil
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
		if _, err := s.e.RunDue(ctx); err != nil {
			s.e.log.Error("lifecycle: firing due timers after a write", "err", err)
		}
		return nil
	}
	s.e.Wake()
	return nil
}
