// Package directories is the directories family of the WorkSpaces API:
// the WorkSpaces registrations of directories (RegisterWorkspaceDirectory,
// DeregisterWorkspaceDirectory, DescribeWorkspaceDirectories;
// docs/decisions/0011-workspaces-directories.md), their settings (the
// Modify*Properties operations, settings.go), their endpoint encryption
// mode (endpoint.go; docs/decisions/0054-endpoint-encryption.md) and the
// any-user switch the control API sets on a Directory Service directory
// (control.go).
//
// A registration is a deskplane.Directory record in the owner's scope,
// keyed by the directory id: the Directory Service id (d-) for personal
// WorkSpaces, or a wsd- id WorkSpaces made itself (pools, IAM Identity
// Center, customer-managed identities). Its lifecycle is the root's
// DirectoryTable: REGISTERING → REGISTERED (ERROR with an injected fault),
// DEREGISTERING → gone. The Directory Service directories themselves are
// internal/service/ds's; this family reads them through the root package.
package directories

import (
	"encoding/json"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service serves the directories family's WorkSpaces operations. It
// implements part of wsapi.Service; internal/service composes it with the
// other families.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{deskplane.TimerDirectoryState: s.onDirectoryState}
}

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

// tags converts a request's tags to the domain's.
func tags(in []wsapi.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, len(in))
	for i, t := range in {
		out[i] = deskplane.Tag{Key: value(t.Key), Value: value(t.Value)}
	}
	return out
}

// registration reads the caller's registration of a directory, in
// whatever state it is, or answers ResourceNotFoundException.
func registration(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Directory, error) {
	d, ok, err := deskplane.Directories().Get(tx, sc, id)
	if err == nil && !ok {
		err = deskplane.DirectoryNotFound(id)
	}
	return d, err
}

// payload is what the directory.state timer carries: the registration's
// generation it was scheduled at.
type payload struct {
	Gen int64 `json:"gen"`
}

// enter puts the registration in the row's transitional state at now and
// schedules the timer that ends it.
func (s *Service) enter(tx deskplane.Tx, sc deskplane.Scope, d *deskplane.Directory, row deskplane.TransitionRow[deskplane.DirectoryState], now time.Time) error {
	d.State, d.StateChanged = row.Via, now
	d.Generation++
	if err := deskplane.Directories().Put(tx, sc, d.ID, d); err != nil {
		return err
	}
	p, err := json.Marshal(payload{Gen: d.Generation})
	if err != nil {
		return err
	}
	return tx.Schedule(deskplane.Timer{Key: deskplane.Directories().Key(sc, d.ID), Name: deskplane.TimerDirectoryState,
		Due: s.After(now, row.Timing), Payload: p})
}

// settings decodes a kept settings document, or returns def when none was
// written.
func settings[T any](raw []byte, def T) T {
	if len(raw) == 0 {
		return def
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return def
	}
	return v
}

// document encodes a settings shape to keep it.
func document(v any) ([]byte, error) { return json.Marshal(v) }
