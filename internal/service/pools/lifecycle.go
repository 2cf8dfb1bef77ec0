package pools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// onPoolState ends a pool's transitional state with the PoolTable row it
// is in. A transition fault (kind pool) makes CREATING and STARTING end
// STOPPED (or the fault's state) with the fault's error code in the pool's
// Errors; a STARTING pool whose directory or bundle has gone ends STOPPED
// with DIRECTORY_NOT_FOUND or BUNDLE_NOT_FOUND.
func (s *Service) onPoolState(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var pl payload
	if err := json.Unmarshal(t.Payload, &pl); err != nil {
		return lifecycle.Permanent(fmt.Errorf("%s timer of %s: %w", deskplane.TimerPoolState, t.Key.ID, err))
	}
	sc := t.Key.Scope
	p, ok, err := deskplane.Pools().Get(tx, sc, t.Key.ID)
	if err != nil || !ok || p.Generation != pl.Gen {
		return err
	}
	table := deskplane.PoolTable()
	row, ok := table.Ending(p.State)
	if !ok {
		return nil
	}
	if row.Gone {
		if _, err := deskplane.Pools().Delete(tx, sc, p.ID); err != nil {
			return err
		}
		return deskplane.DeleteTags(tx, sc, p.ID)
	}
	next := row.To
	switch {
	case row.Resumes:
		next, p.ResumeState = p.ResumeState, ""
	case row.Action == deskplane.ActionStart:
		p.Errors = nil
	case row.Action == deskplane.ActionStop:
		p.Sessions = nil
	}
	if row.Action == deskplane.ActionStart {
		missing, err := dependencyMissing(tx, sc, p)
		if err != nil {
			return err
		}
		if missing != nil {
			p.Errors = append(p.Errors, *missing)
			return s.enter(tx, sc, p, deskplane.PoolStopped, t.Due, "")
		}
	}
	if row.Action == deskplane.ActionCreate || row.Action == deskplane.ActionStart {
		f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindPool, sc, p.ID)
		if err != nil {
			return err
		}
		if hit {
			code := f.ErrorCode
			if !wsapi.WorkspacesPoolErrorCode(code).IsKnown() {
				code = string(wsapi.WorkspacesPoolErrorCodeInternalServiceError)
			}
			msg := f.ErrorMessage
			if msg == "" {
				msg = "The WorkSpaces Pool " + p.ID + " could not be started."
				if row.Action == deskplane.ActionCreate {
					msg = "The WorkSpaces Pool " + p.ID + " could not be created."
				}
			}
			next = deskplane.PoolStopped
			if st := deskplane.PoolState(f.State); wsapi.WorkspacesPoolState(st).IsKnown() && !table.Transitional(st) {
				next = st
			}
			p.Errors = append(p.Errors, deskplane.PoolError{Code: code, Message: msg})
		}
	}
	return s.enter(tx, sc, p, next, t.Due, "")
}

// dependencyMissing reports the pool error of a directory or bundle that
// no longer serves the pool (DIRECTORY_NOT_FOUND, BUNDLE_NOT_FOUND).
func dependencyMissing(tx deskplane.Tx, sc deskplane.Scope, p *deskplane.Pool) (*deskplane.PoolError, error) {
	if _, err := poolDirectory(tx, sc, p.DirectoryID); err != nil {
		var de *deskplane.Error
		if !errors.As(err, &de) {
			return nil, err
		}
		return &deskplane.PoolError{Code: string(wsapi.WorkspacesPoolErrorCodeDirectoryNotFound), Message: de.Message}, nil
	}
	_, ok, err := catalogue.LookupBundle(tx, sc, p.BundleID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &deskplane.PoolError{Code: string(wsapi.WorkspacesPoolErrorCodeBundleNotFound), Message: "The bundle " + p.BundleID + " of the WorkSpaces Pool could not be found."}, nil
	}
	return nil, nil
}
