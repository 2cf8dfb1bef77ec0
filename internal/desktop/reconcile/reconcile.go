// Package reconcile makes the WorkSpaces lifecycle follow real desktops
// (docs/decisions/0184-desktop-reconciler.md). The WorkSpaces families
// persist desired state as they always did: a WorkSpace record in a state,
// a timer that ends it. On a node with desktops, the store this package
// wraps touches the WorkSpace's desktop record in the same transaction;
// the node's Reconciler lists its desktop records, and a bounded pool of
// workers calls the deskplane.Desktops port outside any transaction for
// each desktop that needs it, then records in one transaction what the
// desktop did. A transition's timer waits (desktops.DesktopGate) until
// that record says the desktop has done its part, so PENDING ends in
// AVAILABLE only once the desktop answers the RFB handshake, while faults,
// timing profiles and the service clock keep working on top.
package reconcile

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/desktops"
)

// Options tune a Reconciler.
type Options struct {
	// Node is this node's name (-node-name): the reconciler acts only on
	// the desktops of WorkSpaces that name it.
	Node string
	// Workers bounds the port calls running at once (default 4).
	Workers int
	// Poll is how often every desktop of the node is checked (health,
	// WorkSpaces removed without a write); default 2 s.
	Poll time.Duration
	// Attempts is how many times a failing transition is tried before the
	// WorkSpace goes to ERROR (default 5); retries back off from 1 s to 1 min.
	Attempts int
	// Log receives what the desktops did wrong.
	Log *slog.Logger
	// Wall is the wall clock of retries and polls (default time.Now); the
	// service clock (Clock) dates what is recorded.
	Wall func() time.Time
}

// Reconciler drives one node's desktops.
type Reconciler struct {
	store deskplane.Store
	port  deskplane.Desktops
	clock deskplane.Clock
	opt   Options
	wake  chan struct{}

	mu       sync.Mutex
	inFlight map[string]bool                // desktop record ids being handled
	retry    map[string]retryInfo           // failing desktops: when to try again
	started  map[string]time.Time           // desktops started (answering RFB) lately, by WorkSpace id
	orphans  map[string]bool                // desktops without a record, warned about
	counts   map[deskplane.DesktopState]int // desktops by state at the last health pass
}

type retryInfo struct {
	attempts int
	next     time.Time
}

// New returns the reconciler of node opt.Node over store (the store the
// services use, so that the state timers it schedules fire at once),
// driving port, dating records with clock.
func New(store deskplane.Store, port deskplane.Desktops, clock deskplane.Clock, opt Options) *Reconciler {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.Poll <= 0 {
		opt.Poll = 2 * time.Second
	}
	if opt.Attempts <= 0 {
		opt.Attempts = 5
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Wall == nil {
		opt.Wall = time.Now
	}
	r := &Reconciler{store: store, port: port, clock: clock, opt: opt, wake: make(chan struct{}, 1),
		inFlight: map[string]bool{}, retry: map[string]retryInfo{}, started: map[string]time.Time{}}
	return r
}

// SetStore replaces the store the reconciler works on (the composition
// root builds the reconciler before the store that wraps it).
func (r *Reconciler) SetStore(s deskplane.Store) { r.store = s }

// Port is the desktops the reconciler drives.
func (r *Reconciler) Port() deskplane.Desktops { return r.port }

// Node is the node the reconciler acts for.
func (r *Reconciler) Node() string { return r.opt.Node }

// Wake makes the reconciler look at its desktop records now.
func (r *Reconciler) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run drives the node's desktops until ctx ends. The first pass adopts the
// desktops a previous process left: one that should run but does not is
// started again (decision 0183).
func (r *Reconciler) Run(ctx context.Context) error {
	type task struct {
		id    string
		adopt bool
	}
	work := make(chan task)
	var wg sync.WaitGroup
	for range r.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				r.handle(ctx, t.id, t.adopt)
				r.mu.Lock()
				delete(r.inFlight, t.id)
				r.mu.Unlock()
				r.Wake()
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
	}()
	dispatch := func(ids []string, adopt bool) error {
		for _, id := range ids {
			r.mu.Lock()
			busy := r.inFlight[id]
			if !busy {
				r.inFlight[id] = true
			}
			r.mu.Unlock()
			if busy {
				continue
			}
			select {
			case work <- task{id: id, adopt: adopt}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	look := func(full bool) []string {
		ids, err := r.due(ctx, full)
		if err != nil && ctx.Err() == nil {
			r.opt.Log.Error("desktops: listing the node's desktops", "err", err)
		}
		return ids
	}
	// The first pass looks at every desktop and adopts what a previous
	// process left.
	if err := dispatch(look(true), true); err != nil {
		return err
	}
	// Later health passes ask the port about every desktop (an RFB
	// handshake each), which takes a while: they run beside the loop, so
	// that a launch never waits for one.
	ticker := time.NewTicker(r.opt.Poll)
	defer ticker.Stop()
	health := make(chan []string, 1)
	checking := false
	for {
		var ids []string
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.wake:
			ids = look(false)
		case <-ticker.C:
			if !checking {
				checking = true
				wg.Add(1)
				go func() {
					defer wg.Done()
					health <- look(true)
				}()
			}
			ids = look(false) // retries whose back-off has passed
		case ids = <-health:
			checking = false
		}
		if err := dispatch(ids, false); err != nil {
			return err
		}
	}
}

// Idle waits until no desktop is being handled and none needs a look, or
// ctx ends (tests).
func (r *Reconciler) Idle(ctx context.Context) error {
	for {
		ids, err := r.due(ctx, false)
		if err != nil {
			return err
		}
		r.mu.Lock()
		busy := len(r.inFlight) > 0
		r.mu.Unlock()
		if len(ids) == 0 && !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// due lists the desktop records that need a look: those whose WorkSpace
// changed (Want != Seen) and whose retry time has come; with full, also
// those whose WorkSpace is gone and those whose desktop is not what the
// WorkSpace's state says (health).
func (r *Reconciler) due(ctx context.Context, full bool) ([]string, error) {
	type entry struct {
		id    string
		dirty bool
		gone  bool
		state deskplane.WorkspaceState
		wsID  string
	}
	var entries []entry
	err := r.store.View(ctx, func(tx deskplane.Tx) error {
		entries = entries[:0]
		return desktops.DesktopRecords().Each(tx, desktops.NodeScope(r.opt.Node), 0, func(_ int64, d *desktops.DesktopRecord) (bool, error) {
			e := entry{id: desktops.DesktopID(deskplane.Scope{Account: d.Account, Region: d.Region}, d.WorkspaceID),
				dirty: d.Want != d.Seen || len(d.Snapshots) > 0, wsID: d.WorkspaceID}
			if full {
				ws, found, err := deskplane.Workspaces().Get(tx, deskplane.Scope{Account: d.Account, Region: d.Region}, d.WorkspaceID)
				if err != nil {
					return false, err
				}
				e.gone = !found
				if found {
					e.state = ws.State
				}
			}
			entries = append(entries, e)
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	var actual map[string]deskplane.DesktopState
	if full {
		list, err := r.port.List(ctx)
		if err != nil {
			return nil, err
		}
		actual = make(map[string]deskplane.DesktopState, len(list))
		for _, st := range list {
			actual[st.ID] = st.State
		}
		counts := map[deskplane.DesktopState]int{}
		for _, st := range list {
			counts[st.State]++
		}
		r.mu.Lock()
		r.counts = counts
		r.mu.Unlock()
		known := make(map[string]bool, len(entries))
		for _, e := range entries {
			known[e.wsID] = true
		}
		r.warnOrphans(known, list)
	}
	now := r.opt.Wall()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range entries {
		need := e.dirty
		if full {
			st, exists := actual[e.wsID]
			switch {
			case e.gone:
				need = true
			case e.state == deskplane.WorkspaceAvailable:
				need = need || st != deskplane.DesktopRunning
			case e.state == deskplane.WorkspaceStopped:
				need = need || (exists && st != deskplane.DesktopStopped)
			}
		}
		if !need {
			continue
		}
		if ri, ok := r.retry[e.id]; ok && now.Before(ri.next) {
			continue
		}
		out = append(out, e.id)
	}
	return out, nil
}

// backoff returns how long to wait before try number n+1.
func backoff(n int) time.Duration {
	d := time.Second << min(n-1, 6)
	return min(d, time.Minute)
}

// failed records a failed attempt on a desktop and reports whether it was
// the last allowed.
func (r *Reconciler) failed(id string) (attempts int, last bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ri := r.retry[id]
	ri.attempts++
	ri.next = r.opt.Wall().Add(backoff(ri.attempts))
	r.retry[id] = ri
	return ri.attempts, ri.attempts >= r.opt.Attempts
}

func (r *Reconciler) succeeded(id string) {
	r.mu.Lock()
	delete(r.retry, id)
	r.mu.Unlock()
}

// markStarted notes that a desktop answered the RFB handshake just now.
func (r *Reconciler) markStarted(wsID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.opt.Wall()
	for id, at := range r.started {
		if now.Sub(at) > r.opt.Poll {
			delete(r.started, id)
		}
	}
	r.started[wsID] = now
}

// justStarted reports whether the desktop answered the RFB handshake
// within the last poll interval.
func (r *Reconciler) justStarted(wsID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.started[wsID]
	return ok && r.opt.Wall().Sub(at) <= r.opt.Poll
}

// warnOrphans logs, once each, the desktops the port holds that no record
// of this node names (a store replaced or reset under them). They are left
// alone: removing them would lose their users' volumes
// (docs/decisions/0184-desktop-reconciler.md).
func (r *Reconciler) warnOrphans(known map[string]bool, list []deskplane.DesktopStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.orphans == nil {
		r.orphans = map[string]bool{}
	}
	for _, st := range list {
		if !known[st.ID] && !r.orphans[st.ID] {
			r.orphans[st.ID] = true
			r.opt.Log.Warn("desktops: a desktop no WorkSpace of this node names; left as it is", "desktop", st.ID, "state", st.State)
		}
	}
}

// Count returns how many of the node's desktops were in state at the last
// health pass (for the metrics).
func (r *Reconciler) Count(state deskplane.DesktopState) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[state]
}

// Busy returns how many desktops the workers are acting on now.
func (r *Reconciler) Busy() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.inFlight)
}
