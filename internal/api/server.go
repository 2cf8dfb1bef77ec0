// Package api implements the generated service interfaces (internal/wsapi,
// internal/dsapi, internal/dsdataapi) on the domain: it checks the real
// service's preconditions, keeps state in the store and schedules the
// lifecycle engine's timers. errors.go is the one table from errors to the
// wire.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/control"
	"github.com/deskplane/deskplane/internal/lifecycle"
)

// Quotas are the per-account, per-region limits (behaviour doc §6.1).
type Quotas struct {
	Workspaces         int // real default 1, adjustable; deskplane default 1000
	GraphicsWorkspaces int // Graphics/GraphicsPro; real default 0, deskplane follows Workspaces
	Images             int // 40
	Bundles            int // 50, not adjustable
	Directories        int // registered directories: 50
	DSDirectories      int // Directory Service directories (Simple AD 10 per region)
	ConnectionAliases  int // 20
	IPGroups           int // 100
	IPGroupsPerDir     int // 25
	RulesPerIPGroup    int // 10
	Pools              int // 10
}

// DefaultQuotas are deskplane's defaults: the real ones, except WorkSpaces
// (see docs/decisions/0005-quotas.md).
func DefaultQuotas() Quotas {
	return Quotas{
		Workspaces:        1000,
		Images:            40,
		Bundles:           50,
		Directories:       50,
		DSDirectories:     50,
		ConnectionAliases: 20,
		IPGroups:          100,
		IPGroupsPerDir:    25,
		RulesPerIPGroup:   10,
		Pools:             10,
	}
}

// Deps are what the service layer stands on.
type Deps struct {
	Store  deskplane.Store // the engine's waking store
	Clock  deskplane.Clock
	Timing *control.Timing
	Faults *control.Faults
	Rules  deskplane.Rules
	Quotas Quotas
	Log    *slog.Logger
	// Regions lists the regions served (for cross-region copy checks); empty
	// means any region.
	Regions []string
}

// Server holds the service implementations.
type Server struct {
	d Deps
	// workspaces caches decoded WorkSpace records, with their wire form,
	// for read paths.
	workspaces *recordCache[workspaceView]
	// anyUser caches the any-user switch of Directory Service directories.
	anyUser *recordCache[anyUserSwitch]
}

// anyUserSwitch is the part of a Directory Service directory record that
// user lookups need.
type anyUserSwitch struct {
	AnyUser bool `json:"anyUser"`
}

// New returns the service layer.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Server{d: d, workspaces: newRecordCache(1<<16, newWorkspaceView),
		anyUser: newRecordCache(1<<10, decodeJSON[anyUserSwitch])}
}

// caller returns the request's caller; every served request has one.
func caller(ctx context.Context) deskplane.Caller {
	c, _ := deskplane.CallerFrom(ctx)
	return c
}

func (s *Server) now() time.Time { return s.d.Clock.Now() }

// after returns when a transition started at from ends under the timing
// profile in force.
func (s *Server) after(from time.Time, t deskplane.Transition) time.Time {
	return from.Add(s.d.Timing.Duration(t))
}

// RegisterTimers registers every timer handler with the engine.
func (s *Server) RegisterTimers(e *lifecycle.Engine) {
	for name, h := range s.timerHandlers() {
		e.Handle(name, h)
	}
}

// timerHandlers collects the handlers of every feature area.
func (s *Server) timerHandlers() map[string]lifecycle.Handler {
	m := make(map[string]lifecycle.Handler)
	for _, add := range []func(map[string]lifecycle.Handler){
		s.directoryTimers, // directories.go
		s.workspaceTimers, // workspaces.go
		s.imageTimers,     // images.go
		s.extraTimers,     // the remaining operations (ipgroups.go, aliases.go, pools.go …)
	} {
		add(m)
	}
	return m
}

// ---- record helpers -------------------------------------------------------

// load reads the record at k into v; found is false when there is none.
func load(tx deskplane.Tx, k deskplane.Key, v any) (bool, error) {
	rec, err := tx.Get(k)
	if errors.Is(err, deskplane.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(rec.Data, v); err != nil {
		return false, fmt.Errorf("decoding %s %s: %w", k.Kind, k.ID, err)
	}
	return true, nil
}

// save writes v at k.
func save(tx deskplane.Tx, k deskplane.Key, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.Put(k, b)
	return err
}

// modify loads the record at k, applies fn and saves the result; a missing
// record answers notFound().
func modify[T any](tx deskplane.Tx, k deskplane.Key, notFound func() error, fn func(*T) error) error {
	v := new(T)
	ok, err := load(tx, k, v)
	if err != nil {
		return err
	}
	if !ok {
		return notFound()
	}
	if err := fn(v); err != nil {
		return err
	}
	return save(tx, k, v)
}

// each decodes every record of a kind in creation order into a fresh T and
// calls fn until it returns false.
func each[T any](tx deskplane.Tx, s deskplane.Scope, kind deskplane.Kind, afterSeq int64, fn func(seq int64, v *T) (bool, error)) error {
	var ferr error
	err := tx.List(s, kind, afterSeq, func(r deskplane.Record) bool {
		v := new(T)
		if err := json.Unmarshal(r.Data, v); err != nil {
			ferr = fmt.Errorf("decoding %s %s: %w", r.Kind, r.ID, err)
			return false
		}
		more, err := fn(r.Seq, v)
		if err != nil {
			ferr = err
			return false
		}
		return more
	})
	if err != nil {
		return err
	}
	return ferr
}
