// Package network is the network family of the WorkSpaces API: IP access
// control groups (ipgroups.go; docs/decisions/0040-ip-groups.md) and
// connection aliases for cross-Region redirection (aliases.go;
// docs/decisions/0041-connection-aliases.md).
//
// It is the pattern every family package follows (docs/PATTERNS.md): a
// Service that embeds env.Env and implements its operations of the
// generated wsapi.Service, converting wire shapes to domain values at the
// edge, checking states against the root package's transition tables, and
// keeping its records through deskplane.Records. It reads and writes the
// WorkSpaces registrations of directories (deskplane.Directory, another
// family's records) through the root package only: families never import
// each other.
package network

import (
	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service serves the network family's WorkSpaces operations. It
// implements part of wsapi.Service; internal/service composes it with the
// other families.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{
		deskplane.TimerAliasState: s.onAliasState,
	}
}

// value returns what p points at, or the zero value for nil: optional
// members of a request.
// account returns the scope's account settings (the zero settings when
// it has none); the Describe operations read its DescribeDelay
// (docs/decisions/0325-eventual-consistency-on-demand.md).
func account(tx deskplane.Tx, sc deskplane.Scope) (deskplane.Account, error) {
	var a deskplane.Account
	_, err := deskplane.Load(tx, deskplane.AccountKey(sc), &a)
	return a, err
}

func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for the zero value, so that an absent member stays
// absent in an answer.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// tags converts a request's tags to the domain's.
func tags(in []wsapi.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, len(in))
	for i, t := range in {
		out[i] = deskplane.Tag{Key: value(t.Key), Value: value(t.Value)}
	}
	return out
}
