// Package ds is the Directory Service family: the directories WorkSpaces
// stands on (Simple AD, AWS Managed Microsoft AD, AD Connector), served
// through the Directory Service API (dsapi.Service). A directory is a
// deskplane.DSDirectory record in its owner's scope; its users and groups
// are the Directory Service Data family's (the root's
// SeedDirectoryPrincipals makes a new directory's built-in ones).
// Stage: Requested → Creating → Active, each step one TDirectoryCreate;
// DeleteDirectory: Deleting → gone after TDirectoryDelete.
// Decisions: docs/decisions/0010-directory-service.md.
//
// It follows docs/PATTERNS.md: a Service that embeds env.Env, operations
// with the generated signatures, the root package's records.
package ds

import (
	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Service serves the Directory Service operations; internal/service
// composes it into dsapi.Service.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{
		deskplane.TimerDSDirectoryStage: s.onStage,
	}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func dirKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.DSDirectories().Key(sc, id)
}

// notFound is Directory Service's answer for an unknown directory.
func notFound(id string) error {
	return deskplane.NotFound(id, "Directory %s does not exist.", id)
}
