// Package env is the environment every service family stands on: the
// store, the service clock and timing profile, the time rules, the quotas,
// the logger and the Regions served, with the few helpers every operation
// uses (the caller of a request, the time now, when a transition ends).
// A family embeds an Env in its service type; the composition root
// (internal/service) builds one Env and hands it to every family.
//
// The package knows nothing of HTTP or the wire: like every package under
// internal/service it may not import net/http, internal/sigv4 or
// internal/awsjson (internal/deprules checks).
package env

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/deskplane/deskplane"
)

// Timing says how long each timed transition takes under the timing
// profile in force (internal/control.Timing, which the control API can
// change while deskplane runs).
type Timing interface {
	Duration(deskplane.Transition) time.Duration
}

// Env is what a service family stands on.
type Env struct {
	// Store is the lifecycle engine's waking store (lifecycle.Engine.Store):
	// a transaction that schedules a due timer fires it before Update
	// returns. Update may run its function more than once: everything a
	// function does must go through the Tx.
	Store  deskplane.Store
	Clock  deskplane.Clock
	Timing Timing
	Rules  deskplane.Rules
	Quotas deskplane.Quotas
	Log    *slog.Logger
	// Regions lists the Regions served; empty means any Region.
	Regions []string
	// Strict makes deskplane refuse what AWS refuses for want of
	// resources it does not otherwise insist on: registering a directory
	// without the IAM role workspaces_DefaultRole, VPCs and subnets it
	// never saw (-strict; docs/decisions/0293-strict-mode.md).
	Strict bool
	// Node is this node's name when it runs real desktops (-desktops
	// local, -node-name): a WorkSpace launched here names it, and its
	// transitions wait for its desktop. Empty: no desktops
	// (docs/decisions/0184-desktop-reconciler.md).
	Node string
}

// Now is the service clock's time (never time.Now: tests move the clock).
func (e *Env) Now() time.Time { return e.Clock.Now() }

// After returns when transition t, started at from, ends under the timing
// profile in force.
func (e *Env) After(from time.Time, t deskplane.Transition) time.Time {
	return from.Add(e.Timing.Duration(t))
}

// Serves reports whether deskplane serves the Region.
func (e *Env) Serves(region string) bool {
	return len(e.Regions) == 0 || slices.Contains(e.Regions, region)
}

// Logger returns the logger, or one that discards when none was given.
func (e *Env) Logger() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

// Caller returns the caller of the request ctx belongs to: the account and
// Region its signature resolved to. Every request the transport hands to a
// service has one; a context without one yields the zero Caller.
func Caller(ctx context.Context) deskplane.Caller {
	c, _ := deskplane.CallerFrom(ctx)
	return c
}

// Scope is the state partition of the request's caller.
func Scope(ctx context.Context) deskplane.Scope { return Caller(ctx).Scope() }
