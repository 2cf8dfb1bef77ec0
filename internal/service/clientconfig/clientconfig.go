// Package clientconfig is the client configuration family of the
// WorkSpaces API: what the WorkSpaces clients of a registered directory
// show and do — client branding (branding.go;
// docs/decisions/0050-client-branding.md), Amazon Connect client add-ins
// (addins.go; docs/decisions/0051-connect-client-add-ins.md) and client
// properties (properties.go).
//
// Everything it keeps belongs to one registration of a directory (the
// directories family's deskplane.Directory record, read through the root
// package): a record stamped with the registration time it was made in is
// gone, for the API, once the directory id is registered again.
package clientconfig

import (
	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Service serves the client configuration operations of the WorkSpaces
// API. It implements part of wsapi.Service; internal/service composes it
// with the other families.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// value returns what p points at, or the zero value for nil.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for "", so that an absent member stays absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// registration reads the caller's registration of a directory, or answers
// ResourceNotFoundException.
func registration(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Directory, error) {
	d, ok, err := deskplane.Directories().Get(tx, sc, id)
	if err == nil && !ok {
		err = deskplane.DirectoryNotFound(id)
	}
	return d, err
}
