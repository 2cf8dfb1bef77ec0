package workspaces

import (
	"context"
	"strconv"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
)

// The WorkSpace's failure state: what the lifecycle engine does when a
// WorkSpace timer's handler fails permanently (docs/decisions/0140-timers-never-lost.md).

const (
	failTransitionCode = "InternalError.Workspace"
)

// Failures returns the failure handlers of the family's timers by name.
func (s *Service) Failures() map[string]lifecycle.FailureHandler {
	return map[string]lifecycle.FailureHandler{timerWSState: s.failWorkspaceState}
}

// failWorkspaceState puts a WorkSpace whose state timer can never be
// handled in ERROR, with an error code and message, instead of leaving it
// in its transitional state for ever. A timer that no longer applies (the
// WorkSpace moved on or is gone) changes nothing.
func (s *Service) failWorkspaceState(_ context.Context, tx deskplane.Tx, t deskplane.Timer, _ error) error {
	sc := t.Key.Scope
	ws, err := loadWorkspace(tx, sc, t.Key.ID)
	if err != nil || ws == nil {
		return err
	}
	if gen, err := strconv.ParseInt(string(t.Payload), 10, 64); err == nil && gen != ws.Generation {
		return nil
	}
	if _, transitional := deskplane.WorkspaceTable().Ending(ws.State); !transitional {
		return nil
	}
	if ws.State == wsPending {
		ws.SubnetID = "" // a launch that fails gets no network identity
		failWorkspace(ws, wsError, "", "", t.Due)
	} else {
		failWorkspace(ws, wsError, failTransitionCode, fmtTransition(ws.State), t.Due)
	}
	return saveWorkspace(tx, sc, ws)
}

func fmtTransition(state deskplane.WorkspaceState) string {
	return "The WorkSpace could not complete its " + string(state) + " transition because of an internal error."
}
