// Package api holds the resource families that have not yet moved to a
// package of their own under internal/service (docs/ARCHITECTURE.md,
// docs/PATTERNS.md): it implements their operations of the generated
// service interfaces (internal/wsapi, internal/dsapi, internal/dsdataapi)
// on the domain, checks the real service's preconditions, keeps state in
// the store and schedules the lifecycle engine's timers. internal/service
// composes it, one embedding level below the moved families. New code
// goes to a family package, not here.
package api

import (
	"context"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Server holds the service implementations of the resource families not
// yet moved to their own packages under internal/service (docs/PATTERNS.md).
type Server struct {
	d env.Env
}

// New returns the service layer.
func New(e env.Env) *Server {
	e.Log = e.Logger()
	return &Server{d: e}
}

// caller returns the request's caller; every served request has one.
func caller(ctx context.Context) deskplane.Caller { return env.Caller(ctx) }

func (s *Server) now() time.Time { return s.d.Now() }

// after returns when a transition started at from ends under the timing
// profile in force.
func (s *Server) after(from time.Time, t deskplane.Transition) time.Time { return s.d.After(from, t) }

// Timers returns the timer handlers of every feature area, for the
// composition root to register with the lifecycle engine.
func (s *Server) Timers() map[string]lifecycle.Handler {
	m := make(map[string]lifecycle.Handler)
	for _, add := range []func(map[string]lifecycle.Handler){
		s.directoryTimers, // directories.go
	} {
		add(m)
	}
	return m
}

func ptr[T any](v T) *T { return &v }
