// Package dsdata is the Directory Service Data family: the users, groups
// and group memberships of a Directory Service directory, served through
// the Directory Service Data API (dsdataapi.Service). Users are the
// people WorkSpaces are created for. Decisions:
// docs/decisions/0014-directory-users.md.
//
// It follows docs/PATTERNS.md: a Service that embeds env.Env, operations
// with the generated signatures, wire shapes converted at the edge, and the
// root package's records. It reads the Directory Service directory
// (deskplane.DSDirectory, the ds family's record) through the root only.
package dsdata

import (
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Service serves the Directory Service Data operations. It implements
// dsdataapi.Service; internal/service composes it.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{}
}

// value returns what p points at, or the zero value for nil: optional
// members of a request.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for "", so that an absent member stays absent in
// an answer.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
