package directories

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/ec2net"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// onDirectoryState ends REGISTERING (REGISTERED, or the state of an
// injected transition fault, ERROR, with its message) and DEREGISTERING
// (the registration and its tags go).
func (s *Service) onDirectoryState(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p payload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return lifecycle.Permanent(fmt.Errorf("%s timer of %s: %w", deskplane.TimerDirectoryState, t.Key.ID, err))
	}
	sc := t.Key.Scope
	d, ok, err := deskplane.Directories().Get(tx, sc, t.Key.ID)
	if err != nil || !ok || d.Generation != p.Gen {
		return err
	}
	row, ok := deskplane.DirectoryTable().Ending(d.State)
	if !ok {
		return nil
	}
	if row.Gone {
		if _, err := deskplane.Directories().Delete(tx, sc, d.ID); err != nil {
			return err
		}
		if err := ec2net.Release(tx, sc, ec2net.MembersOwner(d.ID)); err != nil {
			return err
		}
		return deskplane.DeleteTags(tx, sc, d.ID)
	}
	d.State, d.StateChanged = row.To, t.Due
	f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindDirectory, sc, d.ID)
	if err != nil {
		return err
	}
	if hit {
		d.State = deskplane.DirectoryState(f.State)
		d.ErrorMessage = f.ErrorMessage
		if d.ErrorMessage == "" {
			d.ErrorMessage = f.ErrorCode
		}
	}
	d.Generation++
	return deskplane.Directories().Put(tx, sc, d.ID, d)
}

// DeregisterWorkspaceDirectory deregisters a REGISTERED (or ERROR)
// directory that has no WorkSpaces left: DEREGISTERING, then gone.
func (s *Service) DeregisterWorkspaceDirectory(ctx context.Context, in *wsapi.DeregisterWorkspaceDirectoryRequest) (*wsapi.DeregisterWorkspaceDirectoryResult, error) {
	sc, id := env.Scope(ctx), value(in.DirectoryId)
	now := s.Now()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := registration(tx, sc, id)
		if err != nil {
			return err
		}
		row, err := deskplane.DirectoryTable().Check(deskplane.ActionDeregister, id, d.State)
		if err != nil {
			return err
		}
		inUse := false
		err = deskplane.Workspaces().Each(tx, sc, 0, func(_ int64, ws *deskplane.Workspace) (bool, error) {
			inUse = ws.DirectoryID == id && ws.State != deskplane.WorkspaceTerminated
			return !inUse, nil
		})
		if err != nil {
			return err
		}
		if inUse {
			return &deskplane.Error{Code: deskplane.CodeNotSupported,
				Message: fmt.Sprintf("The directory %s cannot be deregistered because WorkSpaces still exist in it. Terminate them, and try again.", id)}
		}
		return s.enter(tx, sc, d, row, now)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeregisterWorkspaceDirectoryResult{}, nil
}
