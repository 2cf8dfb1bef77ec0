package metrics

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/deskplane/deskplane"
)

// Store wraps a store so that its transactions are measured, and so that
// every scope written to is registered for the resource scan (see
// resources.go). It changes nothing the store does.
func (m *Metrics) Store(s deskplane.Store) deskplane.Store {
	st := &store{Store: s, m: m, update: m.storeTx.WithLabelValues("update"), view: m.storeTx.WithLabelValues("view"),
		updateErr: m.storeErrors.WithLabelValues("update"), viewErr: m.storeErrors.WithLabelValues("view")}
	st.seen.m = make(map[deskplane.Scope]struct{})
	m.store = st
	return st
}

type store struct {
	deskplane.Store
	m                  *Metrics
	update, view       observer
	updateErr, viewErr counter
	seen               scopeSet
}

// Unwrap returns the store measured, for deskplane.PageReaderOf: a
// ReadPage writes nothing, so there is no scope to register (and it is
// not counted as a View).
func (s *store) Unwrap() deskplane.Store { return s.Store }

type observer interface{ Observe(float64) }
type counter interface{ Inc() }

// scopeSet is the set of scopes this process knows to be registered.
type scopeSet struct {
	mu sync.RWMutex
	m  map[deskplane.Scope]struct{}
}

func (s *scopeSet) has(sc deskplane.Scope) bool {
	s.mu.RLock()
	_, ok := s.m[sc]
	s.mu.RUnlock()
	return ok
}

func (s *scopeSet) add(scs []deskplane.Scope) {
	s.mu.Lock()
	for _, sc := range scs {
		s.m[sc] = struct{}{}
	}
	s.mu.Unlock()
}

// forget drops the scopes of account, or all when account is empty.
func (s *scopeSet) forget(account string) {
	s.mu.Lock()
	for sc := range s.m {
		if account == "" || sc.Account == account {
			delete(s.m, sc)
		}
	}
	s.mu.Unlock()
}

func (s *store) View(ctx context.Context, fn func(deskplane.Tx) error) error {
	start := time.Now()
	err := s.Store.View(ctx, fn)
	s.view.Observe(time.Since(start).Seconds())
	if err != nil {
		s.viewErr.Inc()
	}
	return err
}

func (s *store) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	start := time.Now()
	runs := 0
	var last *scopeTx
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		runs++
		last = &scopeTx{Tx: tx, s: s}
		return fn(last)
	})
	s.update.Observe(time.Since(start).Seconds())
	if runs > 1 {
		s.m.storeRetries.Add(float64(runs - 1))
	}
	if err != nil {
		s.updateErr.Inc()
		if errors.Is(err, deskplane.ErrConflict) {
			s.m.storeConflicts.Inc()
		}
		return err
	}
	// Only what the committed run did counts.
	if last != nil {
		for _, a := range last.resets {
			s.seen.forget(a)
		}
		if len(last.added) > 0 {
			s.seen.add(last.added)
		}
	}
	return nil
}

// scopeTx registers the scope of each record written, once per scope, in
// the same transaction as the write.
type scopeTx struct {
	deskplane.Tx
	s      *store
	added  []deskplane.Scope
	resets []string
}

func (t *scopeTx) Put(k deskplane.Key, data []byte) (deskplane.Record, error) {
	if k.Account != "" && !slices.Contains(t.added, k.Scope) && !t.s.seen.has(k.Scope) {
		mk := scopeMarker(k.Scope)
		if _, err := t.Tx.Get(mk); errors.Is(err, deskplane.ErrNotFound) {
			if _, err := t.Tx.Put(mk, []byte("{}")); err != nil {
				return deskplane.Record{}, err
			}
		} else if err != nil {
			return deskplane.Record{}, err
		}
		t.added = append(t.added, k.Scope)
	}
	return t.Tx.Put(k, data)
}

func (t *scopeTx) Reset(account string) error {
	if err := t.Tx.Reset(account); err != nil {
		return err
	}
	t.resets = append(t.resets, account)
	t.added = slices.DeleteFunc(t.added, func(sc deskplane.Scope) bool { return account == "" || sc.Account == account })
	return nil
}
